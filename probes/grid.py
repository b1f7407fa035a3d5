"""From observations to the grid of cells: per-query values, paired statistics, p-values
adjusted over the whole grid, and a verdict for each family's deciding measure."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from instructprobe.perturb import ExpectationKind, Family
from instructprobe.probes.analysis import Group, Tested, adjusted_summaries
from instructprobe.probes.measures import Measure
from instructprobe.probes.observe import Observation
from instructprobe.probes.request import RunRequest
from instructprobe.probes.results import Cell, QueryValue, Verdict
from instructprobe.probes.stats import adjust, minimum_detectable_effect, tost_p
from instructprobe.probes.verdicts import Evidence, Rule, Thresholds

TOST_KINDS = frozenset(
    {ExpectationKind.INVARIANT, ExpectationKind.RELIANCE, ExpectationKind.SENSITIVE}
)
"""Kinds whose deciding cell gets an equivalence (TOST) p: invariant and reliance hold on it,
sensitive breaks on it."""


def _mean(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return float(np.mean(present)) if present else None


def per_query(observations: Sequence[Observation]) -> tuple[QueryValue, ...]:
    """Average each query's variants, so the unit of the statistics is the query."""
    grouped: dict[str, list[Observation]] = defaultdict(list)
    for o in observations:
        if o.value is not None:
            grouped[o.variant.case_id].append(o)
    return tuple(
        QueryValue(
            query_id=query,
            original=_mean([o.original for o in group]),
            perturbed=_mean([o.perturbed for o in group]),
            delta=float(np.mean([o.value for o in group])),
            variants=len(group),
        )
        for query, group in grouped.items()
    )


def worst_case(observations: Sequence[Observation]) -> tuple[QueryValue, ...]:
    """Each query's worst score over the original and every variant, against the original (so
    the change is never positive): the ``worst-nDCG@k`` cell."""
    grouped: dict[str, list[Observation]] = defaultdict(list)
    for o in observations:
        if o.original is not None and o.perturbed is not None:
            grouped[o.variant.case_id].append(o)
    values = []
    for query, group in grouped.items():
        original = group[0].original
        assert original is not None
        worst = min(original, *(o.perturbed for o in group if o.perturbed is not None))
        values.append(QueryValue(query, original, worst, worst - original, len(group)))
    return tuple(values)


@dataclass(frozen=True)
class CellKey:
    """What a cell is about, and its per-query values."""

    retriever: str
    family: Family
    metric: Measure
    decides: bool
    values: tuple[QueryValue, ...]

    def group(self) -> Group[CellKey]:
        stream = ("bootstrap", self.retriever, self.family.value, str(self.metric))
        return Group(self, [v.delta for v in self.values], stream)

    @property
    def equivalence(self) -> bool:
        """Whether the cell gets a TOST p (it decides a family that is judged on one)."""
        return self.decides and self.family.expectation_kind in TOST_KINDS


def cells(
    keys: Sequence[CellKey], request: RunRequest, rules: dict[ExpectationKind, Rule]
) -> list[Cell]:
    """Test every cell, adjust its p over the grid (and the deciding cells' TOST p over those
    cells), then decide each family's verdict."""
    thresholds = Thresholds.of(request)
    tested = adjusted_summaries(
        [key.group() for key in keys], request.seed, request.resamples, request.correction
    )
    tost = {
        id(t): tost_p(np.array([v.delta for v in t.key.values], dtype=float), request.margin)
        for t in tested
        if t.key.equivalence
    }
    tost_adjusted = dict(zip(tost, adjust(list(tost.values()), request.correction), strict=True))
    return [
        _cell(t, tost.get(id(t)), tost_adjusted.get(id(t), math.nan), rules, thresholds)
        for t in tested
    ]


def _cell(
    tested: Tested[CellKey],
    tost: float | None,
    tost_adjusted: float,
    rules: dict[ExpectationKind, Rule],
    thresholds: Thresholds,
) -> Cell:
    key, s = tested.key, tested.summary
    rule = rules[key.family.expectation_kind]
    evidence = Evidence(s, tested.p_adjusted, tost_adjusted)
    verdict = rule.decide(evidence) if key.decides else None
    needed = rule.queries_needed(evidence) if verdict is Verdict.INCONCLUSIVE else None
    return Cell(
        retriever=key.retriever,
        family=key.family,
        expectation=key.family.expectation_kind,
        metric=key.metric,
        original=_mean([v.original for v in key.values]),
        perturbed=_mean([v.perturbed for v in key.values]),
        delta=s.mean,
        ci_low=s.ci_low,
        ci_high=s.ci_high,
        p_value=s.p_value,
        p_adjusted=tested.p_adjusted,
        p_randomization=s.p_randomization,
        effect_dz=s.effect_dz,
        rank_biserial=s.rank_biserial,
        sd=s.sd,
        mde=minimum_detectable_effect(s.sd, s.n, thresholds.alpha),
        n=s.n,
        verdict=verdict,
        rule=rule.describe() if key.decides else None,
        queries_needed=needed,
        tost_p=tost,
        tost_p_adjusted=tost_adjusted if key.equivalence else None,
        per_query=key.values,
    )
