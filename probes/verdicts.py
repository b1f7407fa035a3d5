"""Verdict rules: when a family holds, breaks, or is inconclusive — stated, not implied — and
the measures each kind of expectation is judged on (the first one decides)."""

from __future__ import annotations

import abc
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from instructprobe.perturb.model import ExpectationKind
from instructprobe.probes.measures import (
    AP,
    NDCG,
    PMRR,
    RBO,
    RR,
    ExpectedMove,
    KendallTau,
    Measure,
    Overlap,
    PairAccuracy,
    RankingMeasure,
    RankShift,
    Recall,
)
from instructprobe.probes.request import Correction
from instructprobe.probes.results import Verdict
from instructprobe.probes.stats import NAN, Summary, queries_needed

if TYPE_CHECKING:
    from instructprobe.probes.request import RunRequest


@dataclass(frozen=True)
class Thresholds:
    """The request's decision settings (``RunRequest.thresholds``; checked there)."""

    alpha: float
    margin: float
    """Equivalence margin on ΔnDCG@k for invariant and reliance families, and the drop a
    sensitive family must show."""
    follow_margin: float
    """Smallest p-MRR (on [-1, 1]) that counts as following a directional edit."""
    correction: Correction

    @classmethod
    def of(cls, request: RunRequest) -> Thresholds:
        return cls(request.alpha, request.margin, request.follow_margin, request.correction)


def cell_measures(kind: ExpectationKind, cutoff: int) -> tuple[Measure, ...]:
    """The measures of a family's cells, at rank cutoff ``cutoff``; the first one decides."""
    shifts = (RankShift(cutoff), KendallTau(cutoff), RBO(cutoff), Overlap(cutoff))
    if kind is ExpectationKind.DIRECTIONAL:
        return (PMRR(), NDCG(cutoff), ExpectedMove(), PairAccuracy(), *shifts)
    return (NDCG(cutoff), *shifts)


def baseline_measures(cutoff: int) -> tuple[RankingMeasure, ...]:
    """Effectiveness under the original instructions."""
    return (NDCG(cutoff), AP(cutoff), RR(cutoff), Recall(cutoff))


def rise_is_better(measure: Measure, kind: ExpectationKind) -> bool:
    """Whether a rise in ``measure``'s change is an improvement. In a sensitive family the edit
    should move the ranking (a reader of the whole instruction drops), so the direction flips."""
    better = measure.HIGHER_IS_BETTER
    return not better if kind is ExpectationKind.SENSITIVE else better


@dataclass(frozen=True)
class Evidence:
    """A cell's summary with its p-values adjusted over the whole grid."""

    summary: Summary
    p_adjusted: float = NAN
    tost_p_adjusted: float = NAN


class Rule(abc.ABC):
    measure: Measure

    @abc.abstractmethod
    def decide(self, evidence: Evidence) -> Verdict: ...

    @abc.abstractmethod
    def queries_needed(self, evidence: Evidence) -> float:
        """For an inconclusive cell: about how many queries would settle it (power 0.8),
        assuming the observed mean and spread are the true ones; ``inf`` if no number would."""

    @abc.abstractmethod
    def describe(self) -> str: ...


@dataclass(frozen=True)
class EquivalenceRule(Rule):
    """Holds when TOST shows the change is inside ±margin; breaks when a significant change is
    larger than the margin."""

    thresholds: Thresholds
    measure: Measure

    def decide(self, evidence: Evidence) -> Verdict:
        s, t = evidence.summary, self.thresholds
        if not s.defined:
            return Verdict.INCONCLUSIVE
        if evidence.tost_p_adjusted < t.alpha:
            return Verdict.HOLDS
        if evidence.p_adjusted < t.alpha and abs(s.mean) > t.margin:
            return Verdict.BREAKS
        return Verdict.INCONCLUSIVE

    def queries_needed(self, evidence: Evidence) -> float:
        s, t = evidence.summary, self.thresholds
        if abs(s.mean) < t.margin:
            return queries_needed(s.sd, t.margin - abs(s.mean), t.alpha, two_sided=False)
        return queries_needed(s.sd, abs(s.mean), t.alpha)

    def describe(self) -> str:
        t = self.thresholds
        return (
            f"Δ{self.measure}: holds if TOST (paired t, α={t.alpha:g}, {t.correction.value}-"
            f"adjusted) shows it within ±{t.margin:g}; breaks if the Wilcoxon p "
            f"({t.correction.value}-adjusted) < {t.alpha:g} and |mean Δ| > {t.margin:g}; "
            "else inconclusive"
        )


@dataclass(frozen=True)
class SensitivityRule(Rule):
    """Holds (the instruction is read beyond its keywords) when a significant drop is larger
    than the margin; breaks (a bag-of-keywords reading) when TOST shows the change is inside
    ±margin."""

    thresholds: Thresholds
    measure: Measure

    def decide(self, evidence: Evidence) -> Verdict:
        s, t = evidence.summary, self.thresholds
        if not s.defined:
            return Verdict.INCONCLUSIVE
        if evidence.p_adjusted < t.alpha and s.mean < -t.margin:
            return Verdict.HOLDS
        if evidence.tost_p_adjusted < t.alpha:
            return Verdict.BREAKS
        return Verdict.INCONCLUSIVE

    def queries_needed(self, evidence: Evidence) -> float:
        s, t = evidence.summary, self.thresholds
        if s.mean < -t.margin:
            return queries_needed(s.sd, abs(s.mean), t.alpha)
        if s.mean < t.margin:
            return queries_needed(s.sd, t.margin - abs(s.mean), t.alpha, two_sided=False)
        return math.inf  # a rise beyond the margin: neither a drop nor equivalence is in reach

    def describe(self) -> str:
        t = self.thresholds
        return (
            f"Δ{self.measure}: holds (reads beyond keywords) if the Wilcoxon p "
            f"({t.correction.value}-adjusted) < {t.alpha:g} and mean Δ < −{t.margin:g}; breaks "
            f"(a bag-of-keywords reading) if TOST (paired t, α={t.alpha:g}, "
            f"{t.correction.value}-adjusted) shows it within ±{t.margin:g}; else inconclusive"
        )


@dataclass(frozen=True)
class FollowRule(Rule):
    """Holds when p-MRR is shown above 0; breaks when a follow effect of ``follow_margin``
    is ruled out."""

    thresholds: Thresholds
    measure: Measure

    def decide(self, evidence: Evidence) -> Verdict:
        s, t = evidence.summary, self.thresholds
        if not s.defined:
            return Verdict.INCONCLUSIVE
        if s.ci_low > 0 and evidence.p_adjusted < t.alpha:
            return Verdict.HOLDS
        if s.ci_high < t.follow_margin:
            return Verdict.BREAKS
        return Verdict.INCONCLUSIVE

    def queries_needed(self, evidence: Evidence) -> float:
        s, t = evidence.summary, self.thresholds
        if s.mean > 0:
            return queries_needed(s.sd, s.mean, t.alpha)
        return queries_needed(s.sd, t.follow_margin - s.mean, t.alpha)

    def describe(self) -> str:
        t = self.thresholds
        return (
            f"{self.measure}: holds (follows) if its 95% CI lower bound > 0 and the Wilcoxon p "
            f"({t.correction.value}-adjusted) < {t.alpha:g}; breaks if the CI upper bound < "
            f"{self.measure.shown(t.follow_margin):g} (×{self.measure.SCALE:g} scale); else "
            "inconclusive"
        )


def rules(thresholds: Thresholds, cutoff: int) -> dict[ExpectationKind, Rule]:
    """The deciding rule for each kind of expectation, on its deciding measure."""

    def decider(kind: ExpectationKind) -> Measure:
        return cell_measures(kind, cutoff)[0]

    return {
        ExpectationKind.INVARIANT: EquivalenceRule(thresholds, decider(ExpectationKind.INVARIANT)),
        ExpectationKind.RELIANCE: EquivalenceRule(thresholds, decider(ExpectationKind.RELIANCE)),
        ExpectationKind.SENSITIVE: SensitivityRule(thresholds, decider(ExpectationKind.SENSITIVE)),
        ExpectationKind.DIRECTIONAL: FollowRule(thresholds, decider(ExpectationKind.DIRECTIONAL)),
    }
