"""Verdict rules: when a family holds, breaks, or is inconclusive — stated, not implied."""

from __future__ import annotations

import abc
import enum
from dataclasses import dataclass

from perturb.model import ExpectationKind
from probes.stats import Summary


class Verdict(enum.Enum):
    HOLDS = "holds"
    BREAKS = "breaks"
    INCONCLUSIVE = "inconclusive"


@dataclass(frozen=True)
class Thresholds:
    alpha: float = 0.05
    margin: float = 0.05
    """Equivalence margin on ΔnDCG@10 for invariant and reliance families."""
    follow_margin: float = 0.05
    """Smallest p-MRR (on [-1, 1]) that counts as following a directional edit."""

    def __post_init__(self) -> None:
        if not 0 < self.alpha < 1:
            raise ValueError(f"alpha must be in (0, 1), got {self.alpha}")
        if not 0 < self.margin < 1:
            raise ValueError(f"margin must be in (0, 1), got {self.margin}")
        if not 0 < self.follow_margin < 1:
            raise ValueError(f"follow margin must be in (0, 1), got {self.follow_margin}")


class Rule(abc.ABC):
    metric: str

    @abc.abstractmethod
    def decide(self, summary: Summary) -> Verdict: ...

    @abc.abstractmethod
    def describe(self) -> str: ...


@dataclass(frozen=True)
class EquivalenceRule(Rule):
    """Holds when the 95% CI of the change lies inside ±margin (TOST at 2.5% per side)."""

    thresholds: Thresholds
    metric: str = "nDCG@10"

    def decide(self, summary: Summary) -> Verdict:
        m = self.thresholds.margin
        if not summary.defined:
            return Verdict.INCONCLUSIVE
        if -m < summary.ci_low and summary.ci_high < m:
            return Verdict.HOLDS
        if summary.p_value < self.thresholds.alpha and abs(summary.mean) > m:
            return Verdict.BREAKS
        return Verdict.INCONCLUSIVE

    def describe(self) -> str:
        t = self.thresholds
        return (
            f"Δ{self.metric}: holds if its 95% CI lies within ±{t.margin:g}; breaks if the "
            f"signed-rank p < {t.alpha:g} and |mean Δ| > {t.margin:g}; else inconclusive"
        )


@dataclass(frozen=True)
class FollowRule(Rule):
    """Holds when p-MRR's CI is above 0; breaks when it rules out an effect of ``follow_margin``."""

    thresholds: Thresholds
    metric: str = "p-MRR"

    def decide(self, summary: Summary) -> Verdict:
        if not summary.defined:
            return Verdict.INCONCLUSIVE
        if summary.ci_low > 0:
            return Verdict.HOLDS
        if summary.ci_high < self.thresholds.follow_margin:
            return Verdict.BREAKS
        return Verdict.INCONCLUSIVE

    def describe(self) -> str:
        t = self.thresholds
        return (
            f"{self.metric}: holds (follows) if its 95% CI lower bound > 0; breaks if the CI "
            f"upper bound < {t.follow_margin * 100:g} (×100 scale); else inconclusive"
        )


def rules(thresholds: Thresholds) -> dict[ExpectationKind, Rule]:
    """The deciding rule for each kind of expectation."""
    return {
        ExpectationKind.INVARIANT: EquivalenceRule(thresholds),
        ExpectationKind.RELIANCE: EquivalenceRule(thresholds),
        ExpectationKind.DIRECTIONAL: FollowRule(thresholds),
    }
