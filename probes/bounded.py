"""Tests and confidence intervals for the mean of a bounded quantity, valid at every n.

A per-query change of nDCG@k or p-MRR lies in [-1, 1], and that is all that can be assumed of
it: the changes are discrete, skewed and mostly zero, and a paired t-test (or a bootstrap) on
such values claims too much at small n. These tests assume only the bounds. Each is a *betting*
test (Waudby-Smith & Ramdas 2023, "Estimating means of bounded random variables by betting"):
to test H0: mean ≤ c, a gambler starts with 1 and stakes a fraction t of its capital on every
value being above c, each value multiplying the capital by 1 + t (x - c) / (c - low). Under H0
no strategy's expected capital grows, so the capital is an e-value and 1 / capital a p-value
(Markov's inequality): the test keeps its level for every distribution on [low, high], every n,
ties and zeros included.

The fraction is not chosen from the data: the capital is averaged over a fixed prior on t
(``PRIOR``: half of it on the largest stake, 0.999, half spread uniformly over [0, 0.999] by
Gauss-Legendre nodes), so the result does not depend on the order of the queries. The largest
stake suits what instructprobe measures, changes that are small next to their range; the uniform
half keeps power where they are not.

Intervals invert the two one-sided tests (α/2 each); the p-value of a test is monotone in c,
so the interval is found by bisection and covers the mean with probability ≥ 1 - α.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt

Values = npt.NDArray[np.float64]
LARGEST_STAKE = 0.999
"""The largest fraction of capital staked: a value at the far bound keeps 0.1% of the capital."""
PRIOR_NODES = 48
BISECTION_STEPS = 48


@dataclass(frozen=True)
class Bounds:
    """Where every value lies, ``low <= x <= high``."""

    low: float
    high: float

    def __post_init__(self) -> None:
        if not self.low < self.high:
            raise ValueError(f"bounds need low < high, got [{self.low}, {self.high}]")

    def mirrored(self) -> Bounds:
        return Bounds(-self.high, -self.low)


CHANGE = Bounds(-1.0, 1.0)
"""A change of a score in [0, 1], such as nDCG@k, or of p-MRR, which lies in [-1, 1] itself."""


@cache
def prior() -> tuple[Values, Values]:
    """The stakes t and their weights (they sum to 1)."""
    nodes, weights = np.polynomial.legendre.leggauss(PRIOR_NODES)
    stakes = np.append((nodes + 1) / 2 * LARGEST_STAKE, LARGEST_STAKE)
    return stakes, np.append(weights / weights.sum() / 2, 0.5)


def log_capital(values: Values, c: float | Values, bounds: Bounds) -> Values:
    """log of the capital averaged over the prior, betting that the mean exceeds ``c``; over
    the last axis of ``values`` (any leading axes are separate samples), ``c`` per sample."""
    x = np.asarray(values, dtype=np.float64)
    c = np.asarray(c, dtype=np.float64)[..., None]
    scaled = (x - c) / (c - bounds.low)  # in [-1, (high - c) / (c - low)]
    stakes, weights = prior()
    logs = np.log1p(scaled[..., None, :] * stakes[:, None]).sum(axis=-1)  # (..., stakes)
    top = logs.max(axis=-1, keepdims=True)
    total: Values = np.log((np.exp(logs - top) * weights).sum(axis=-1)) + top[..., 0]
    return total


def p_above(values: Values, c: float | Values, bounds: Bounds = CHANGE) -> Values:
    """p-value of H0: mean ≤ c (small: the mean is shown to be above ``c``)."""
    x = np.asarray(values, dtype=np.float64)
    c_all = np.broadcast_to(np.asarray(c, dtype=np.float64), x.shape[:-1])
    inside = (c_all > bounds.low) & (c_all < bounds.high)
    safe = np.where(inside, c_all, (bounds.low + bounds.high) / 2)
    p = np.minimum(1.0, np.exp(-log_capital(x, safe, bounds)))
    # c at or below the low bound: H0 holds only if every value is at it; at or above high: always
    below = np.where(np.any(x > c_all[..., None], axis=-1), 0.0, 1.0)
    result: Values = np.where(inside, p, np.where(c_all <= bounds.low, below, 1.0))
    return result


def p_below(values: Values, c: float | Values, bounds: Bounds = CHANGE) -> Values:
    """p-value of H0: mean ≥ c (small: the mean is shown to be below ``c``)."""
    return p_above(-np.asarray(values, dtype=np.float64), -np.asarray(c), bounds.mirrored())


def interval(values: Values, bounds: Bounds = CHANGE, confidence: float = 0.95) -> Values:
    """The confidence interval of the mean: ``[..., 2]`` (low, high), coverage ≥ confidence."""
    x = np.asarray(values, dtype=np.float64)
    tail = (1 - confidence) / 2
    low = _bisect(x, bounds, tail)
    high = -_bisect(-x, bounds.mirrored(), tail)
    return np.stack([low, high], axis=-1)


def _bisect(x: Values, bounds: Bounds, tail: float) -> Values:
    """The largest c that the test of H0: mean ≤ c rejects at ``tail`` (the lower limit)."""
    lo = np.full(x.shape[:-1], bounds.low)
    hi = np.full(x.shape[:-1], bounds.high)
    for _ in range(BISECTION_STEPS):
        mid = (lo + hi) / 2
        rejected = p_above(x, mid, bounds) <= tail
        lo = np.where(rejected, mid, lo)
        hi = np.where(rejected, hi, mid)
    return lo


def fewest_to_show_above(c: float, level: float, bounds: Bounds = CHANGE) -> int:
    """The fewest values with which the test of H0: mean ≤ c can reject at ``level`` at all
    (every value at the high bound); below it no data decides."""
    if not bounds.low < c < bounds.high:
        return 1
    best = (bounds.high - c) / (c - bounds.low)
    stakes, weights = prior()

    def decides(n: int) -> bool:
        return float(np.sum(weights * (1 + stakes * best) ** n)) >= 1 / level

    low, high = 1, 1
    while not decides(high) and high < 10**7:  # the capital grows with n: double, then bisect
        low, high = high + 1, high * 2
    while low < high:
        middle = (low + high) // 2
        low, high = (low, middle) if decides(middle) else (middle + 1, high)
    return high


def queries_needed(values: Values, c: float, above: bool, level: float, bounds: Bounds) -> float:
    """About how many queries the one-sided test would need to reject at ``level`` with power
    0.8, were the observed values the whole population: from the growth of the log capital at
    each stake of the prior (mean g, variance v per query), the smallest n with
    n g - z_0.8 sqrt(n v) >= log(1 / (level w)), w the stake's weight. The average over the
    prior only helps, so this leans high. ``inf`` when no stake's capital grows."""
    x = np.asarray(values, dtype=np.float64)
    if not above:
        x, c, bounds = -x, -c, bounds.mirrored()
    if x.size == 0 or not bounds.low < c < bounds.high:
        return math.nan
    stakes, weights = prior()
    growth = np.log1p(((x - c) / (c - bounds.low))[None, :] * stakes[:, None])
    best = math.inf
    z = 0.8416212335729143
    for g, v, w in zip(growth.mean(axis=1), growth.var(axis=1), weights, strict=True):
        if g <= 0:
            continue
        need = math.log(1 / (level * w))
        root = (z * math.sqrt(v) + math.sqrt(z * z * v + 4 * g * need)) / (2 * g)
        best = min(best, math.ceil(root * root))
    return float(best)
