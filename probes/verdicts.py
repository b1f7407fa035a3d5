"""Verdict rules: when a family holds, breaks, or is inconclusive — stated, not implied — and
the measures each kind of expectation is judged on (the first one decides).

Each rule names two *claims* about the mean per-query change of its deciding measure, one that
makes the family hold and one that makes it break, and each claim is shown by a bounded-mean
test (``probes.bounded``) whose error rate holds at every n for any deltas within the measure's
range. At the claim's boundary (a true change exactly at the margin, say) the test claims it
wrongly at most α of the time; ``benchmarks/calibration.py`` measures those rates. A verdict
that neither test reaches is inconclusive, with the reason and about how many queries would
settle it."""

from __future__ import annotations

import abc
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from instructprobe.perturb.model import ExpectationKind
from instructprobe.probes import bounded
from instructprobe.probes.bounded import Bounds
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


Values = npt.NDArray[np.float64]


class Claim(abc.ABC):
    """A statement about the mean change that a one-sided bounded-mean test can show."""

    @abc.abstractmethod
    def p_values(self, values: Values, bounds: Bounds) -> Values:
        """The test's p-value for each sample along the last axis: small when the data show
        the claim."""

    def p(self, values: Values, bounds: Bounds) -> float:
        return float(self.p_values(values, bounds))

    @abc.abstractmethod
    def fewest(self, level: float, bounds: Bounds) -> int:
        """The fewest queries with which any data could show the claim at ``level``."""

    @abc.abstractmethod
    def queries_needed(self, values: Values, level: float, bounds: Bounds) -> float:
        """About how many queries would show the claim at ``level`` with power 0.8, were
        ``values`` the true distribution of the changes (``bounded.queries_needed``)."""

    @abc.abstractmethod
    def describe(self, name: str, scale: float = 1.0) -> str:
        """The claim in words, of the measure ``name`` shown at ``scale``."""


@dataclass(frozen=True)
class Above(Claim):
    """The mean change is above ``c``."""

    c: float

    def p_values(self, values: Values, bounds: Bounds) -> Values:
        return bounded.p_above(values, self.c, bounds)

    def fewest(self, level: float, bounds: Bounds) -> int:
        return bounded.fewest_to_show_above(self.c, level, bounds)

    def queries_needed(self, values: Values, level: float, bounds: Bounds) -> float:
        return bounded.queries_needed(values, self.c, True, level, bounds)

    def describe(self, name: str, scale: float = 1.0) -> str:
        return f"{name} > {self.c * scale:g}"


@dataclass(frozen=True)
class Below(Claim):
    """The mean change is below ``c``."""

    c: float

    def p_values(self, values: Values, bounds: Bounds) -> Values:
        return bounded.p_below(values, self.c, bounds)

    def fewest(self, level: float, bounds: Bounds) -> int:
        return bounded.fewest_to_show_above(-self.c, level, bounds.mirrored())

    def queries_needed(self, values: Values, level: float, bounds: Bounds) -> float:
        return bounded.queries_needed(values, self.c, False, level, bounds)

    def describe(self, name: str, scale: float = 1.0) -> str:
        return f"{name} < {self.c * scale:g}"


@dataclass(frozen=True)
class Within(Claim):
    """The mean change lies inside (-margin, +margin): both one-sided tests reject (TOST)."""

    margin: float

    def _sides(self) -> tuple[Above, Below]:
        return Above(-self.margin), Below(self.margin)

    def p_values(self, values: Values, bounds: Bounds) -> Values:
        lower, upper = (side.p_values(values, bounds) for side in self._sides())
        result: Values = np.maximum(lower, upper)
        return result

    def fewest(self, level: float, bounds: Bounds) -> int:
        """Both sides at once: every value at 0, the best data for both (the margin is
        symmetric and inside the bounds)."""
        low = max(side.fewest(level, bounds) for side in self._sides())
        high = low
        while self.p(np.zeros(high), bounds) >= level and high < 10**7:
            low, high = high, max(high + 1, math.ceil(high * 1.5))
        while low < high:  # the p of n zeros falls as n grows: the first n below the level
            middle = (low + high) // 2
            if self.p(np.zeros(middle), bounds) < level:
                high = middle
            else:
                low = middle + 1
        return high

    def queries_needed(self, values: Values, level: float, bounds: Bounds) -> float:
        return max(side.queries_needed(values, level, bounds) for side in self._sides())

    def describe(self, name: str, scale: float = 1.0) -> str:
        return f"|{name}| < {self.margin * scale:g}"


@dataclass(frozen=True)
class Beyond(Claim):
    """The mean change lies outside [-margin, +margin], on either side: the smaller of the two
    one-sided p-values, doubled (a change beyond the margin breaks either way)."""

    margin: float

    def _sides(self) -> tuple[Below, Above]:
        return Below(-self.margin), Above(self.margin)

    def p_values(self, values: Values, bounds: Bounds) -> Values:
        low, high = (side.p_values(values, bounds) for side in self._sides())
        result: Values = np.minimum(1.0, 2 * np.minimum(low, high))
        return result

    def fewest(self, level: float, bounds: Bounds) -> int:
        return min(side.fewest(level / 2, bounds) for side in self._sides())

    def queries_needed(self, values: Values, level: float, bounds: Bounds) -> float:
        return min(side.queries_needed(values, level / 2, bounds) for side in self._sides())

    def describe(self, name: str, scale: float = 1.0) -> str:
        return f"|{name}| > {self.margin * scale:g}"


@dataclass(frozen=True)
class Rule(abc.ABC):
    """A family's verdict from two claims about its deciding measure's mean change: ``holds``
    makes it hold, ``breaks`` makes it break (each shown by its test at the adjusted level);
    otherwise the verdict is inconclusive."""

    thresholds: Thresholds
    measure: Measure

    @property
    @abc.abstractmethod
    def holds(self) -> Claim: ...

    @property
    @abc.abstractmethod
    def breaks(self) -> Claim: ...

    @abc.abstractmethod
    def nearer(self, mean: float) -> Claim | None:
        """The claim the observed mean points to (what more queries could show), or None when
        neither is in reach."""

    @property
    def bounds(self) -> Bounds:
        low, high = self.measure.CHANGE_RANGE or (-1.0, 1.0)
        return Bounds(low, high)

    def decide(self, p_holds: float, p_breaks: float) -> Verdict:
        """From the two claims' adjusted p-values. Both shown would contradict each other
        (which a valid test makes rare): then nothing is claimed."""
        alpha = self.thresholds.alpha
        holds, breaks = p_holds < alpha, p_breaks < alpha
        if holds and breaks and self.contradicts():
            return Verdict.INCONCLUSIVE
        if holds:
            return Verdict.HOLDS
        return Verdict.BREAKS if breaks else Verdict.INCONCLUSIVE

    def contradicts(self) -> bool:
        """Whether the two claims cannot both be true."""
        return True

    def claim_text(self, claim: Claim) -> str:
        return claim.describe(self._name(), self.measure.SCALE)

    def _name(self) -> str:
        return f"{self.measure}" if isinstance(self, FollowRule) else f"Δ{self.measure}"

    def describe(self) -> str:
        t = self.thresholds
        return (
            f"{self._name()}: holds if {self.claim_text(self.holds)} is shown, breaks if "
            f"{self.claim_text(self.breaks)} is shown (bounded-mean tests, "
            f"{t.correction.value}-adjusted p < {t.alpha:g}); else inconclusive"
        )


@dataclass(frozen=True)
class EquivalenceRule(Rule):
    """Holds when the change is shown inside ±margin; breaks when it is shown beyond it."""

    @property
    def holds(self) -> Claim:
        return Within(self.thresholds.margin)

    @property
    def breaks(self) -> Claim:
        return Beyond(self.thresholds.margin)

    def nearer(self, mean: float) -> Claim | None:
        return self.holds if abs(mean) < self.thresholds.margin else self.breaks


@dataclass(frozen=True)
class SensitivityRule(Rule):
    """Holds (the instruction is read beyond its keywords) when a drop larger than the margin
    is shown; breaks (a bag-of-keywords reading) when the change is shown inside ±margin."""

    @property
    def holds(self) -> Claim:
        return Below(-self.thresholds.margin)

    @property
    def breaks(self) -> Claim:
        return Within(self.thresholds.margin)

    def nearer(self, mean: float) -> Claim | None:
        margin = self.thresholds.margin
        if mean <= -margin:
            return self.holds
        return self.breaks if mean < margin else None  # a rise beyond the margin: neither


@dataclass(frozen=True)
class FollowRule(Rule):
    """Holds (follows) when p-MRR is shown above 0; breaks when it is shown below the follow
    margin (a follow effect of that size is ruled out). A p-MRR shown in between follows,
    weakly: it holds."""

    @property
    def holds(self) -> Claim:
        return Above(0.0)

    @property
    def breaks(self) -> Claim:
        return Below(self.thresholds.follow_margin)

    def contradicts(self) -> bool:
        return False

    def nearer(self, mean: float) -> Claim | None:
        return self.holds if mean > 0 else self.breaks


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
