import math

import numpy as np
import pytest

from probes.stats import signed_rank_p, summarize


def rng(seed=0):
    return np.random.default_rng(seed)


def test_summary_of_a_clear_shift_excludes_zero():
    values = np.random.default_rng(1).normal(-0.2, 0.05, size=40)
    s = summarize(values, rng(), resamples=2000)
    assert s.n == 40
    assert s.ci_low < s.mean < s.ci_high < 0
    assert s.p_value < 1e-6


def test_same_seed_same_interval():
    values = np.random.default_rng(2).normal(0, 1, size=30)
    assert summarize(values, rng(5), 1000) == summarize(values, rng(5), 1000)


def test_all_zero_differences_are_certain_and_not_significant():
    s = summarize([0.0] * 12, rng())
    assert (s.mean, s.ci_low, s.ci_high, s.p_value) == (0.0, 0.0, 0.0, 1.0)


def test_no_values_is_undefined():
    s = summarize([], rng())
    assert s.n == 0 and not s.defined and math.isnan(s.p_value)


def test_signed_rank_matches_scipy_pratt():
    from scipy import stats

    values = np.array([0.0, 0.1, -0.3, 0.4, 0.2, 0.0, 0.5, 0.6])
    assert signed_rank_p(values) == pytest.approx(
        stats.wilcoxon(values, zero_method="pratt").pvalue
    )


def test_null_differences_are_rarely_significant():
    """Calibration: under the null, p < 0.05 in about 5% of samples."""
    generator = np.random.default_rng(11)
    rejections = sum(signed_rank_p(generator.normal(0, 1, 30)) < 0.05 for _ in range(400))
    assert 0.02 <= rejections / 400 <= 0.09
