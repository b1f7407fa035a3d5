"""From observations to the grid of cells: per-query values, paired statistics, p-values
adjusted over the whole grid, and a verdict for each family's deciding measure."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from instructprobe.perturb import ExpectationKind, Family
from instructprobe.probes.observe import Observation
from instructprobe.probes.results import Cell, QueryValue
from instructprobe.probes.stats import (
    Correction,
    Summary,
    adjust,
    minimum_detectable_effect,
    tost_p,
)
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
    """InstructIR's Robustness@k per query: the minimum of the measure over the original and
    every variant, against the original (so the change is never positive)."""
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
class Draft:
    """A cell before the grid-wide adjustment."""

    retriever: str
    family: Family
    metric: str
    decides: bool
    values: tuple[QueryValue, ...]
    summary: Summary
    tost_p: float | None

    @property
    def equivalence(self) -> bool:
        return self.decides and self.tost_p is not None


def draft(
    retriever: str,
    family: Family,
    metric: str,
    decides: bool,
    values: tuple[QueryValue, ...],
    summary: Summary,
    margin: float,
) -> Draft:
    deltas = np.array([v.delta for v in values], dtype=float)
    equivalence = decides and family.expectation_kind in TOST_KINDS
    return Draft(
        retriever,
        family,
        metric,
        decides,
        values,
        summary,
        tost_p(deltas, margin) if equivalence else None,
    )


def finalize(
    drafts: Sequence[Draft], thresholds: Thresholds, rules: dict[ExpectationKind, Rule]
) -> list[Cell]:
    """Adjust p-values over the grid, then decide each family's verdict."""
    correction: Correction = thresholds.correction
    p_adjusted = adjust([d.summary.p_value for d in drafts], correction)
    equivalence = [d for d in drafts if d.equivalence]
    tost_adjusted = dict(
        zip(
            (id(d) for d in equivalence),
            adjust(
                [d.tost_p if d.tost_p is not None else math.nan for d in equivalence], correction
            ),
            strict=True,
        )
    )
    cells = []
    for d, p_adj in zip(drafts, p_adjusted, strict=True):
        rule = rules[d.family.expectation_kind]
        evidence = Evidence(d.summary, p_adj, tost_adjusted.get(id(d), math.nan))
        cells.append(_cell(d, evidence, rule, thresholds))
    return cells


def _cell(d: Draft, evidence: Evidence, rule: Rule, thresholds: Thresholds) -> Cell:
    s = d.summary
    verdict = rule.decide(evidence).value if d.decides else None
    needed = rule.queries_needed(evidence) if verdict == "inconclusive" else None
    return Cell(
        retriever=d.retriever,
        family=d.family.value,
        expectation=d.family.expectation_kind.value,
        metric=d.metric,
        original=_mean([v.original for v in d.values]),
        perturbed=_mean([v.perturbed for v in d.values]),
        delta=s.mean,
        ci_low=s.ci_low,
        ci_high=s.ci_high,
        p_value=s.p_value,
        p_adjusted=evidence.p_adjusted,
        p_randomization=s.p_randomization,
        effect_dz=s.effect_dz,
        rank_biserial=s.rank_biserial,
        sd=s.sd,
        mde=minimum_detectable_effect(s.sd, s.n, thresholds.alpha),
        n=s.n,
        verdict=verdict,
        rule=rule.describe() if d.decides else None,
        queries_needed=needed,
        tost_p=d.tost_p,
        tost_p_adjusted=evidence.tost_p_adjusted if d.equivalence else None,
        per_query=d.values,
    )
