"""Paired statistics over per-query values: mean, bootstrap CI, signed-rank p-value."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Summary:
    """The mean of per-query values (paired differences, or scores tested against 0)."""

    mean: float
    ci_low: float
    ci_high: float
    p_value: float
    n: int

    @property
    def defined(self) -> bool:
        return self.n > 0 and math.isfinite(self.mean)


NAN = float("nan")


def bootstrap_ci(
    values: np.ndarray, rng: np.random.Generator, resamples: int, confidence: float
) -> tuple[float, float]:
    """BCa bootstrap CI of the mean; the percentile interval where BCa is degenerate."""
    from scipy import stats

    if values.size < 2 or np.ptp(values) == 0:
        return float(values.mean()), float(values.mean())
    for method in ("BCa", "percentile"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = stats.bootstrap(
                (values,),
                np.mean,
                n_resamples=resamples,
                confidence_level=confidence,
                method=method,
                rng=rng,
                vectorized=True,
            )
        low, high = result.confidence_interval
        if math.isfinite(low) and math.isfinite(high):
            return float(low), float(high)
    return NAN, NAN


def signed_rank_p(values: np.ndarray) -> float:
    """Two-sided Wilcoxon signed-rank p-value against 0 (Pratt's treatment of zeros)."""
    from scipy import stats

    if values.size == 0:
        return NAN
    if not np.any(values):
        return 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(stats.wilcoxon(values, zero_method="pratt").pvalue)


def summarize(
    values: Sequence[float],
    rng: np.random.Generator,
    resamples: int = 9999,
    confidence: float = 0.95,
) -> Summary:
    data = np.asarray(values, dtype=float)
    if data.size == 0:
        return Summary(NAN, NAN, NAN, NAN, 0)
    low, high = bootstrap_ci(data, rng, resamples, confidence)
    return Summary(float(data.mean()), low, high, signed_rank_p(data), int(data.size))
