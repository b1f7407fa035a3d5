"""Where it breaks: each deciding cell split by perturbation strength, form, instruction length
and lexical overlap, with p-values adjusted over all strata, and a dose-response over strength."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from instructprobe.perturb import Case, Family
from instructprobe.perturb.text import content_words, stem
from instructprobe.probes.analysis import Group, Tested, change_bounds
from instructprobe.probes.grid import per_query
from instructprobe.probes.measures import Measure
from instructprobe.probes.observe import Observation, Observed
from instructprobe.probes.results import DosePoint, DoseResponse, Stratum

MIN_QUERIES = 5
"""Strata with fewer queries are reported but not tested."""
DISCRETE_STRENGTHS = 5
"""A family with at most this many distinct strengths uses them as levels; else terciles."""


@dataclass(frozen=True)
class Profile:
    """A case's place in the suite: instruction length and lexical-overlap terciles."""

    length: str
    overlap: str


def lexical_overlap(case: Case) -> float:
    """Share of the instruction's content words (stemmed) found in its relevant documents."""
    words = {stem(w) for w in content_words(case.instruction)}
    if not words:
        return 0.0
    relevant = {stem(w) for d in case.relevant for w in content_words(d.text)}
    return len(words & relevant) / len(words)


def _terciles(values: Mapping[str, float], labels: tuple[str, str, str]) -> dict[str, str]:
    if not values:
        return {}
    low, high = np.quantile(list(values.values()), [1 / 3, 2 / 3])
    return {
        key: labels[0] if v <= low else labels[1] if v <= high else labels[2]
        for key, v in values.items()
    }


def profiles(cases: Iterable[Case]) -> dict[str, Profile]:
    """Each case's profile; the cases are read once (a plan read from its file makes them)."""
    length: dict[str, float] = {}
    overlap: dict[str, float] = {}
    for c in cases:
        length[c.id] = float(len(c.instruction.split()))
        overlap[c.id] = lexical_overlap(c)
    lengths = _terciles(length, ("short", "medium", "long"))
    overlaps = _terciles(overlap, ("low", "mid", "high"))
    return {c: Profile(lengths[c], overlaps[c]) for c in length}


def strength_levels(variants: Sequence[Observed]) -> dict[str, float]:
    """Each variant's strength level: its own value, or its tercile's median strength."""
    strengths = {v.id: v.strength for v in variants}
    if len(set(strengths.values())) <= DISCRETE_STRENGTHS:
        return strengths
    groups = _terciles(strengths, ("1", "2", "3"))
    medians = {
        g: float(np.median([strengths[k] for k, grp in groups.items() if grp == g]))
        for g in set(groups.values())
    }
    return {key: medians[group] for key, group in groups.items()}


@dataclass(frozen=True)
class StratumKey:
    retriever: str
    family: Family
    metric: Measure
    dimension: str
    level: str
    strength: float | None
    """The level's strength, for the dose-response (the strength dimension only)."""


def _dimensions(
    observations: Sequence[Observation], cases: Mapping[str, Profile]
) -> dict[str, Callable[[Observation], str]]:
    variants = [o.variant for o in observations]
    strengths = strength_levels(variants)
    dims: dict[str, Callable[[Observation], str]] = {
        "strength": lambda o: f"{strengths[o.variant.id]:.2f}",
        "form": lambda o: o.variant.form,
        "length": lambda o: cases[o.variant.case_id].length,
        "overlap": lambda o: cases[o.variant.case_id].overlap,
    }
    return {
        name: level
        for name, level in dims.items()
        if len({level(o) for o in observations}) > 1 or name in ("length", "overlap")
    }


def groups(
    retriever: str,
    family: Family,
    metric: Measure,
    observations: Sequence[Observation],
    cases: Mapping[str, Profile],
) -> list[Group[StratumKey]]:
    """The deciding cell's queries, split by each dimension's levels."""
    found = []
    for dimension, level_of in _dimensions(observations, cases).items():
        grouped: dict[str, list[Observation]] = defaultdict(list)
        for o in observations:
            grouped[level_of(o)].append(o)
        for level in sorted(grouped):
            strength = float(level) if dimension == "strength" else None
            key = StratumKey(retriever, family, metric, dimension, level, strength)
            deltas = per_query(grouped[level]).delta.tolist()
            stream = ("strata", retriever, family.value, str(metric), dimension, level)
            found.append(Group(key, deltas, stream, MIN_QUERIES, change_bounds(metric)))
    return found


def records(
    tested: Sequence[Tested[StratumKey]], alpha: float
) -> tuple[list[Stratum], list[DoseResponse]]:
    strata = [
        Stratum(
            t.key.retriever,
            t.key.family,
            t.key.metric,
            t.key.dimension,
            t.key.level,
            t.summary.n,
            t.summary.mean,
            t.summary.ci_low,
            t.summary.ci_high,
            t.p_value,
            t.p_adjusted,
            bool(t.p_adjusted < alpha),
        )
        for t in tested
    ]
    return strata, _dose_response(tested, alpha)


def _dose_response(tested: Sequence[Tested[StratumKey]], alpha: float) -> list[DoseResponse]:
    series: dict[tuple[str, Family, Measure], list[DosePoint]] = defaultdict(list)
    for t in tested:
        k, s = t.key, t.summary
        if k.strength is not None:
            point = DosePoint(k.strength, s.n, s.mean, s.ci_low, s.ci_high, t.p_adjusted)
            series[k.retriever, k.family, k.metric].append(point)
    responses = []
    for (retriever, family, metric), points in series.items():
        points.sort(key=lambda point: point.strength)
        # the first significant drop of the measure, in every family (as the reports name it):
        # a sensitive family's drop is what a reader shows, and its rise is no drop
        worse = -1.0 if metric.HIGHER_IS_BETTER else 1.0
        breaks = [pt.strength for pt in points if pt.p_adjusted < alpha and worse * pt.delta > 0]
        responses.append(
            DoseResponse(retriever, family, metric, tuple(points), breaks[0] if breaks else None)
        )
    return responses
