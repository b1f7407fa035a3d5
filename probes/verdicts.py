"""Verdict rules: when a family holds, breaks, or is inconclusive — stated, not implied."""

from __future__ import annotations

import abc
import enum
import math
from dataclasses import dataclass

from instructprobe.perturb.model import ExpectationKind
from instructprobe.probes.stats import NAN, Correction, Summary, queries_needed


class Verdict(enum.Enum):
    HOLDS = "holds"
    BREAKS = "breaks"
    INCONCLUSIVE = "inconclusive"


@dataclass(frozen=True)
class Thresholds:
    alpha: float = 0.05
    margin: float = 0.05
    """Equivalence margin on ΔnDCG@10 for invariant and reliance families, and the drop a
    sensitive family must show."""
    follow_margin: float = 0.05
    """Smallest p-MRR (on [-1, 1]) that counts as following a directional edit."""
    correction: Correction = Correction.HOLM

    def __post_init__(self) -> None:
        if not 0 < self.alpha < 1:
            raise ValueError(f"alpha must be in (0, 1), got {self.alpha}")
        if not 0 < self.margin < 1:
            raise ValueError(f"margin must be in (0, 1), got {self.margin}")
        if not 0 < self.follow_margin < 1:
            raise ValueError(f"follow margin must be in (0, 1), got {self.follow_margin}")


@dataclass(frozen=True)
class Evidence:
    """A cell's summary with its p-values adjusted over the whole grid."""

    summary: Summary
    p_adjusted: float = NAN
    tost_p_adjusted: float = NAN


class Rule(abc.ABC):
    metric: str

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
    metric: str = "nDCG@10"

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
            f"Δ{self.metric}: holds if TOST (paired t, α={t.alpha:g}, {t.correction.value}-"
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
    metric: str = "nDCG@10"

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
            f"Δ{self.metric}: holds (reads beyond keywords) if the Wilcoxon p "
            f"({t.correction.value}-adjusted) < {t.alpha:g} and mean Δ < −{t.margin:g}; breaks "
            f"(a bag-of-keywords reading) if TOST (paired t, α={t.alpha:g}, "
            f"{t.correction.value}-adjusted) shows it within ±{t.margin:g}; else inconclusive"
        )


@dataclass(frozen=True)
class FollowRule(Rule):
    """Holds when p-MRR is shown above 0; breaks when a follow effect of ``follow_margin``
    is ruled out."""

    thresholds: Thresholds
    metric: str = "p-MRR"

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
            f"{self.metric}: holds (follows) if its 95% CI lower bound > 0 and the Wilcoxon p "
            f"({t.correction.value}-adjusted) < {t.alpha:g}; breaks if the CI upper bound < "
            f"{t.follow_margin * 100:g} (×100 scale); else inconclusive"
        )


def rules(thresholds: Thresholds) -> dict[ExpectationKind, Rule]:
    """The deciding rule for each kind of expectation."""
    return {
        ExpectationKind.INVARIANT: EquivalenceRule(thresholds),
        ExpectationKind.RELIANCE: EquivalenceRule(thresholds),
        ExpectationKind.SENSITIVE: SensitivityRule(thresholds),
        ExpectationKind.DIRECTIONAL: FollowRule(thresholds),
    }
