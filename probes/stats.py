"""Paired statistics over per-query values.

The procedures are scipy.stats' (BCa bootstrap, Wilcoxon signed-rank, one-sample t, BH),
computed here on numpy and ``scipy.special``, because importing scipy.stats costs about 0.7 s of
a run whose embeddings are all cached; the tests check each one against scipy.stats.

Every function that resamples takes its own ``numpy.random.Generator``: the same seed gives the
same interval and p-value, in any thread and in any order of cells.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from instructprobe.probes.bounded import Bounds, interval
from instructprobe.probes.ranktests import (
    average_ranks,
    signed_rank_exact_p,
    signed_rank_normal_p,
    signed_rank_permutation_p,
)
from instructprobe.probes.request import Correction

Values = npt.NDArray[np.float64]
NAN = float("nan")
POWER = 0.8
"""Power for minimum detectable effects and sample-size estimates."""
EXACT_SIGNED_RANK = 50
"""Up to this many values, Wilcoxon's exact null distribution is used: the classic one without
zeros or ties, the permutation one (Pratt's zeros, average ranks) with them."""
EXACT_SIGN_FLIPS = 16
"""Up to this many non-zero values the sign-flip test enumerates all 2^n sign patterns."""
TIE_DECIMALS = 12
"""Rank tests round to this many decimals first: per-query means that are equal on paper can
differ in the last bits (summation order), and must tie, not be ranked by rounding noise."""


@dataclass(frozen=True)
class Summary:
    """The mean of per-query values (paired differences, or scores tested against 0)."""

    mean: float
    ci_low: float
    ci_high: float
    p_value: float
    """Two-sided Wilcoxon signed-rank against 0 (Pratt's treatment of zeros)."""
    n: int
    sd: float = NAN
    p_randomization: float = NAN
    """Two-sided paired sign-flip randomization test of the mean against 0."""
    effect_dz: float = NAN
    """Cohen's d_z: mean / sd of the paired differences."""
    rank_biserial: float = NAN
    """Matched-pairs rank-biserial correlation: (T+ - T-) / (T+ + T-)."""
    interval: str = "none"
    """How the CI was made: ``bounded`` (inverting the bounded-mean tests, ``probes.bounded``:
    coverage holds at every n), ``bootstrap`` (BCa, for a measure without tight bounds), or
    ``none`` (no interval: no values, or a bootstrap of fewer than two distinct ones)."""

    @property
    def defined(self) -> bool:
        return self.n > 0 and math.isfinite(self.mean)


def bootstrap_ci(
    values: Values, rng: np.random.Generator, resamples: int, confidence: float
) -> tuple[float, float]:
    """BCa bootstrap CI of the mean; the percentile interval where BCa is degenerate.

    As ``scipy.stats.bootstrap((values,), np.mean, method="BCa", rng=rng)``, resamples drawn
    the same way (Efron & Tibshirani 1993, 14.3 and 15.4)."""
    if values.size < 2 or np.ptp(values) == 0:
        return float(values.mean()), float(values.mean())
    means = _bootstrap_means(values, rng, resamples)
    alpha = (1 - confidence) / 2
    levels = _bca_levels(values, means, alpha) or (alpha, 1 - alpha)
    low, high = np.quantile(means, levels)
    return float(low), float(high)


BOOTSTRAP_BLOCK = 1 << 20
"""Draws held at once by ``_bootstrap_means`` (8 MB of indices), whatever the queries."""


def _bootstrap_means(values: Values, rng: np.random.Generator, resamples: int) -> Values:
    """Each resample's mean, the resamples drawn a block of rows at a time: the same stream and
    the same means as drawing them all at once (rows are drawn in order and averaged alone),
    with memory bounded by ``BOOTSTRAP_BLOCK`` instead of growing with resamples × queries."""
    rows = max(1, BOOTSTRAP_BLOCK // values.size)
    blocks = [
        values[rng.integers(0, values.size, (min(rows, resamples - start), values.size))].mean(
            axis=-1
        )
        for start in range(0, resamples, rows)
    ]
    return np.concatenate(blocks)


def _bca_levels(values: Values, means: Values, alpha: float) -> tuple[float, float] | None:
    """The BCa-adjusted quantile levels of the bootstrap means; None when degenerate."""
    from scipy.special import ndtr, ndtri

    mean = values.mean()
    below = np.count_nonzero(means < mean) + np.count_nonzero(means <= mean)
    bias = float(ndtri(below / (2 * means.size)))
    jackknife = (values.sum() - values) / (values.size - 1)
    spread = (values.size - 1) * (jackknife.mean() - jackknife)
    denominator = float(np.sum(spread**2)) ** 1.5
    if not math.isfinite(bias) or denominator == 0:
        return None
    acceleration = float(np.sum(spread**3)) / (6 * denominator)
    z = float(ndtri(alpha))
    levels = []
    for side in (z, -z):
        shifted = bias + side
        levels.append(float(ndtr(bias + shifted / (1 - acceleration * shifted))))
    low, high = levels
    return (low, high) if math.isfinite(low) and math.isfinite(high) else None


def signed_rank_p(values: Values) -> float:
    """Two-sided Wilcoxon signed-rank p-value against 0 (Pratt's treatment of zeros)."""
    values = np.round(values, TIE_DECIMALS)
    if values.size == 0:
        return NAN
    if not np.any(values):
        return 1.0
    magnitudes = np.abs(values)
    untied = np.all(values != 0) and np.unique(magnitudes).size == magnitudes.size
    # Exact where the sample is small (the normal approximation is off there: for
    # [.1, .2, .2, .3, .4] it gives 0.042 where no sign pattern can give below 0.0625); the
    # tie-corrected normal approximation above, as in the textbooks.
    if values.size <= EXACT_SIGNED_RANK:
        return signed_rank_exact_p(values) if untied else signed_rank_permutation_p(values)
    return signed_rank_normal_p(values)


def sign_flip_p(values: Values, rng: np.random.Generator, resamples: int) -> float:
    """Two-sided paired randomization test: how often random sign flips give a mean at least as
    far from 0 as the observed one. Exact for few non-zero values, Monte Carlo otherwise (with
    the +1 correction, so p is never 0)."""
    nonzero = values[values != 0]
    if values.size == 0:
        return NAN
    if nonzero.size == 0:
        return 1.0
    observed = abs(nonzero.sum()) - 1e-12 * max(1.0, float(np.abs(nonzero).sum()))
    if nonzero.size <= EXACT_SIGN_FLIPS:
        patterns = (np.arange(2**nonzero.size)[:, None] >> np.arange(nonzero.size)) & 1
        sums = np.abs(((2 * patterns - 1) * nonzero).sum(axis=1))
        return float(np.mean(sums >= observed))
    extreme = 0
    rows = _sign_flip_rows(nonzero.size)
    for start in range(0, resamples, rows):
        count = min(rows, resamples - start)
        signs = rng.choice(np.array([-1.0, 1.0]), size=(count, nonzero.size))
        extreme += int(np.sum(np.abs(signs @ nonzero) >= observed))
    return (extreme + 1) / (resamples + 1)


SIGN_FLIP_BLOCK = 1 << 18
"""Signs drawn at once by ``sign_flip_p`` (2 MiB of them and as much of indices), whatever the
queries."""


def _sign_flip_rows(queries: int) -> int:
    """Resamples per block: at most 2,048, and at most ``SIGN_FLIP_BLOCK`` signs. The blocks
    take the signs from the stream in the order one call for every resample would (a test
    holds it), so the p-value does not depend on the block size."""
    return max(1, min(2048, SIGN_FLIP_BLOCK // queries))


def rank_biserial(values: Values) -> float:
    values = np.round(values, TIE_DECIMALS)
    nonzero = values[values != 0]
    if nonzero.size == 0:
        return 0.0 if values.size else NAN
    ranks, _ = average_ranks(np.abs(nonzero))
    positive, negative = ranks[nonzero > 0].sum(), ranks[nonzero < 0].sum()
    return float((positive - negative) / (positive + negative))


def cohen_dz(values: Values) -> float:
    if values.size < 2:
        return NAN
    sd = float(values.std(ddof=1))
    if sd == 0:
        return 0.0 if values.mean() == 0 else math.copysign(math.inf, float(values.mean()))
    return float(values.mean()) / sd


def _z(probability: float) -> float:
    from scipy.special import ndtri

    return float(ndtri(probability))


def minimum_detectable_effect(sd: float, n: int, alpha: float, power: float = POWER) -> float:
    """Smallest true mean change a two-sided test at ``alpha`` detects with ``power`` (normal
    approximation of the paired t-test)."""
    if n < 2 or not math.isfinite(sd):
        return NAN
    return (_z(1 - alpha / 2) + _z(power)) * sd / math.sqrt(n)


def adjust(p_values: Sequence[float], correction: Correction) -> list[float]:
    """Holm's step-down or Benjamini-Hochberg adjusted p-values; NaN stays NaN and is not
    counted as a test."""
    values = np.asarray(p_values, dtype=float)
    adjusted = np.full(values.shape, np.nan)
    tested = np.flatnonzero(np.isfinite(values))
    if tested.size == 0:
        return [float(p) for p in adjusted]
    if correction is Correction.BH:
        adjusted[tested] = _benjamini_hochberg(values[tested])
        return [float(p) for p in adjusted]
    order = tested[np.argsort(values[tested], kind="stable")]
    m = order.size
    running = 0.0
    for i, index in enumerate(order):
        running = max(running, min(1.0, (m - i) * values[index]))
        adjusted[index] = running
    return [float(p) for p in adjusted]


def _benjamini_hochberg(p_values: Values) -> Values:
    """BH-adjusted p-values: p·m/rank, made monotone from the largest down, capped at 1."""
    order = np.argsort(p_values, kind="stable")
    scaled = p_values[order] * p_values.size / np.arange(1, p_values.size + 1)
    monotone = np.minimum(np.minimum.accumulate(scaled[::-1])[::-1], 1.0)
    adjusted = np.empty_like(monotone)
    adjusted[order] = monotone
    return adjusted


def summarize(
    values: Sequence[float],
    rng: np.random.Generator,
    resamples: int = 9999,
    confidence: float = 0.95,
    bounds: Bounds | None = None,
) -> Summary:
    """Mean, CI, tests and effect sizes of ``values``. With ``bounds`` (every value lies in
    them), the CI inverts the bounded-mean tests; without, it is the BCa bootstrap's."""
    data = np.asarray(values, dtype=float)
    if data.size == 0:
        return Summary(NAN, NAN, NAN, NAN, 0)
    if bounds is not None:
        low, high = (float(v) for v in interval(data, bounds, confidence))
        method = "bounded"
    elif data.size < 2 or np.ptp(data) == 0:
        low, high, method = NAN, NAN, "none"  # one value, or all equal: nothing to resample
    else:
        low, high = bootstrap_ci(data, rng, resamples, confidence)
        method = "bootstrap"
    return Summary(
        mean=float(data.mean()),
        ci_low=low,
        ci_high=high,
        p_value=signed_rank_p(data),
        n=int(data.size),
        sd=float(data.std(ddof=1)) if data.size > 1 else NAN,
        p_randomization=sign_flip_p(data, rng, resamples),
        effect_dz=cohen_dz(data),
        rank_biserial=rank_biserial(data),
        interval=method,
    )
