"""The pattern behind every table of tests: summarise each group's per-query values with a
generator of its own, adjust the p-values over all the groups, then make records.

The grid of cells, the strata and a comparison of two runs each go through
``adjusted_summaries``, so they share one definition of the seed streams, the summary and the
correction. A group's summary depends on nothing but the group (its values, bounds and stream)
and the run's seed and resamples, so summaries made elsewhere (``probes.rayanalysis``: Ray
tasks) can be handed in as ``known``, keyed by ``summary_key``, and give the same numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import numpy as np

from instructprobe.perturb.seeding import derive_seed
from instructprobe.probes.bounded import Bounds
from instructprobe.probes.measures import Measure
from instructprobe.probes.request import Correction
from instructprobe.probes.stats import NAN, Summary, adjust, summarize

K = TypeVar("K")


@dataclass(frozen=True)
class Group(Generic[K]):
    """One group's per-query values. ``stream`` names its random stream (with the run's seed),
    so its bootstrap does not depend on which other groups exist or in what order."""

    key: K
    values: Sequence[float]
    stream: tuple[str, ...]
    min_n: int = 1
    """Below this many values the group is summarised but not tested (its p is NaN)."""
    bounds: Bounds | None = None
    """Where every value lies, when tightly known: the CI is then the bounded-mean one."""


def change_bounds(measure: Measure) -> Bounds | None:
    """Where a per-query change of ``measure`` lies, when the measure bounds it tightly."""
    return None if measure.CHANGE_RANGE is None else Bounds(*measure.CHANGE_RANGE)


@dataclass(frozen=True)
class Tested(Generic[K]):
    key: K
    summary: Summary
    p_value: float
    """The group's p-value, NaN when it was not tested."""
    p_adjusted: float


SummaryKey = tuple[tuple[str, ...], tuple[float, ...], Bounds | None]
"""Everything of a group its summary depends on (with the run's seed and resamples)."""


def summary_key(group: Group[Any]) -> SummaryKey:
    return group.stream, tuple(group.values), group.bounds


def summarize_group(group: Group[Any], seed: int, resamples: int) -> Summary:
    """One group's summary, drawn from its own stream: the same in any process."""
    rng = np.random.default_rng(derive_seed(seed, *group.stream))
    return summarize(group.values, rng, resamples, bounds=group.bounds)


Summaries = Callable[[Sequence[Group[Any]], int, int], dict[SummaryKey, Summary]]
"""Makes many groups' summaries at once, elsewhere, for a seed and resamples
(``rayanalysis.RaySummaries``: Ray tasks); ``adjusted_summaries`` takes them as ``known``."""


def adjusted_summaries(
    groups: Sequence[Group[K]],
    seed: int,
    resamples: int,
    correction: Correction,
    known: Mapping[SummaryKey, Summary] | None = None,
) -> list[Tested[K]]:
    """Each group summarised (mean, CI, Wilcoxon p…), its p adjusted over all groups. A group
    whose summary is ``known`` (made elsewhere with the same seed and resamples) is not
    summarised again."""
    known = known or {}
    summaries = [known.get(summary_key(g)) or summarize_group(g, seed, resamples) for g in groups]
    p_values = [
        s.p_value if s.n >= g.min_n else NAN for g, s in zip(groups, summaries, strict=True)
    ]
    adjusted = adjust(p_values, correction)
    return [
        Tested(g.key, s, p, a)
        for g, s, p, a in zip(groups, summaries, p_values, adjusted, strict=True)
    ]
