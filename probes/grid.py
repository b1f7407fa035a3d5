"""From observations to the grid of cells: per-query values, paired statistics, p-values
adjusted over the whole grid, and a verdict for each family's deciding measure."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from instructprobe.perturb import ExpectationKind, Family
from instructprobe.probes.analysis import (
    Group,
    SummaryKey,
    Tested,
    adjusted_summaries,
    change_bounds,
)
from instructprobe.probes.measures import Measure
from instructprobe.probes.observe import Observation
from instructprobe.probes.request import RunRequest
from instructprobe.probes.results import Cell, QueryValues, Verdict
from instructprobe.probes.stats import Summary, adjust, minimum_detectable_effect
from instructprobe.probes.verdicts import Claim, Rule, Thresholds


def _mean(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return float(np.mean(present)) if present else None


def _defined_mean(column: npt.NDArray[np.float64]) -> float | None:
    """The mean of a column's defined values, None when it has none (``_mean`` of the
    records' values, with the same result)."""
    defined = column[~np.isnan(column)]
    return float(np.mean(defined)) if len(defined) else None


def per_query(observations: Sequence[Observation]) -> QueryValues:
    """Average each query's variants, so the unit of the statistics is the query."""
    grouped: dict[str, list[Observation]] = defaultdict(list)
    for o in observations:
        if o.value is not None:
            grouped[o.variant.case_id].append(o)
    return QueryValues.from_rows(
        (
            query,
            _mean([o.original for o in group]),
            _mean([o.perturbed for o in group]),
            float(np.mean([o.value for o in group])),
            len(group),
        )
        for query, group in grouped.items()
    )


def worst_case(observations: Sequence[Observation]) -> QueryValues:
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
        values.append((query, original, worst, worst - original, len(group)))
    return QueryValues.from_rows(values)


@dataclass(frozen=True)
class CellKey:
    """What a cell is about, and its per-query values."""

    retriever: str
    family: Family
    metric: Measure
    decides: bool
    values: QueryValues

    def group(self) -> Group[CellKey]:
        stream = ("bootstrap", self.retriever, self.family.value, str(self.metric))
        return Group(self, self.deltas().tolist(), stream, bounds=change_bounds(self.metric))

    def deltas(self) -> npt.NDArray[np.float64]:
        return np.array(self.values.delta, dtype=float)


@dataclass(frozen=True)
class Decision:
    """A deciding cell's two claims, tested, and the verdict they give."""

    p_holds: float
    p_holds_adjusted: float
    p_breaks: float
    p_breaks_adjusted: float
    verdict: Verdict
    claim: str | None
    claim_p: float | None
    reason: str | None
    queries_needed: float | None


def cells(
    keys: Sequence[CellKey],
    request: RunRequest,
    rules: dict[ExpectationKind, Rule],
    known: Mapping[SummaryKey, Summary] | None = None,
) -> list[Cell]:
    """Test every cell (its p adjusted over the grid), then decide each family's verdict from
    its deciding cell's two claims, each claim's p adjusted over the deciding cells. Summaries
    already ``known`` (made as Ray tasks) are not made again."""
    thresholds = Thresholds.of(request)
    groups = [key.group() for key in keys]
    tested = adjusted_summaries(groups, request.seed, request.resamples, request.correction, known)
    decisions = decide([t for t in tested if t.key.decides], rules, thresholds)
    return [_cell(t, decisions.get(id(t)), rules, thresholds) for t in tested]


def decide(
    deciding: Sequence[Tested[CellKey]],
    rules: dict[ExpectationKind, Rule],
    thresholds: Thresholds,
) -> dict[int, Decision]:
    """Each deciding cell's verdict; both claims' p-values adjusted over all deciding cells.
    Planning (the fewest and the needed queries) uses α / k, the level of the first step of
    Holm's procedure over the k deciding cells, which bounds BH's as well."""
    rule_of = [rules[t.key.family.expectation_kind] for t in deciding]
    holds = [r.holds.p(t.key.deltas(), r.bounds) for t, r in zip(deciding, rule_of, strict=True)]
    breaks = [r.breaks.p(t.key.deltas(), r.bounds) for t, r in zip(deciding, rule_of, strict=True)]
    holds_adjusted = adjust(holds, thresholds.correction)
    breaks_adjusted = adjust(breaks, thresholds.correction)
    level = thresholds.alpha / max(1, len(deciding))
    found = {}
    for i, (t, rule) in enumerate(zip(deciding, rule_of, strict=True)):
        verdict = rule.decide(holds_adjusted[i], breaks_adjusted[i])
        found[id(t)] = _decision(
            t, rule, verdict, (holds[i], holds_adjusted[i]), (breaks[i], breaks_adjusted[i]), level
        )
    return found


def _decision(
    tested: Tested[CellKey],
    rule: Rule,
    verdict: Verdict,
    holds: tuple[float, float],
    breaks: tuple[float, float],
    level: float,
) -> Decision:
    values, n = tested.key.deltas(), tested.summary.n
    chosen = {Verdict.HOLDS: rule.holds, Verdict.BREAKS: rule.breaks}.get(verdict)
    reason = needed = None
    if chosen is None:
        chosen = rule.nearer(tested.summary.mean) if n else None
        reason, needed = _why_open(rule, chosen, values, level)
    claim_p = None
    if chosen is not None:
        claim_p = holds[1] if chosen == rule.holds else breaks[1]
    return Decision(
        holds[0],
        holds[1],
        breaks[0],
        breaks[1],
        verdict,
        rule.claim_text(chosen) if chosen is not None else None,
        claim_p,
        reason,
        needed,
    )


def _why_open(
    rule: Rule, claim: Claim | None, values: npt.NDArray[np.float64], level: float
) -> tuple[str, float | None]:
    """Why a verdict is inconclusive, and about how many queries would settle it."""
    n = values.size
    if n == 0:
        return "no query was measured", None
    if claim is None:
        return "the change rises beyond the margin, which neither claim covers", math.inf
    text = rule.claim_text(claim)
    fewest = claim.fewest(level, rule.bounds)
    queries = "1 query" if n == 1 else f"{n} queries"
    if n < fewest:
        return (
            f"{queries} cannot show {text} at the corrected level {level:.2g}, whatever "
            f"their values: it takes at least {fewest}",
            float(fewest),
        )
    needed = claim.queries_needed(values, level, rule.bounds)
    settle = max(needed, n + 1.0) if math.isfinite(needed) else needed
    if np.ptp(values) == 0:
        return f"all {n} changes are equal, and {n} do not yet show {text}", settle
    return f"{queries} do not show {text} after correction", settle


def _cell(
    tested: Tested[CellKey],
    decision: Decision | None,
    rules: dict[ExpectationKind, Rule],
    thresholds: Thresholds,
) -> Cell:
    key, s = tested.key, tested.summary
    rule = rules[key.family.expectation_kind]
    d = decision
    return Cell(
        retriever=key.retriever,
        family=key.family,
        expectation=key.family.expectation_kind,
        metric=key.metric,
        original=_defined_mean(key.values.original),
        perturbed=_defined_mean(key.values.perturbed),
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
        verdict=d.verdict if d else None,
        rule=rule.describe() if d else None,
        queries_needed=d.queries_needed if d else None,
        p_holds=d.p_holds if d else None,
        p_holds_adjusted=d.p_holds_adjusted if d else None,
        p_breaks=d.p_breaks if d else None,
        p_breaks_adjusted=d.p_breaks_adjusted if d else None,
        claim=d.claim if d else None,
        claim_p=d.claim_p if d else None,
        reason=d.reason if d else None,
        interval=s.interval,
        per_query=key.values,
    )
