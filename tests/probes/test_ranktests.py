"""scipy.stats is the oracle: the run computes these without importing it."""

import numpy as np
import pytest
from scipy import stats

from instructprobe.probes.ranktests import average_ranks, signed_rank_exact_p, signed_rank_normal_p


def _tied(rng, n):
    """Values on a coarse grid: many ties, some zeros, both signs."""
    return rng.integers(-4, 5, n) / 4.0


@pytest.mark.parametrize("seed", range(40))
def test_average_ranks_are_scipys_rankdata(seed):
    rng = np.random.default_rng(seed)
    values = _tied(rng, int(rng.integers(1, 60)))
    ranks, ties = average_ranks(values)
    np.testing.assert_allclose(ranks, stats.rankdata(values), rtol=0, atol=1e-12)
    assert ties.tolist() == np.unique(values, return_counts=True)[1].tolist()


@pytest.mark.parametrize("seed", range(60))
def test_exact_p_is_scipys_exact_wilcoxon(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 40))
    values = rng.permutation(np.arange(1, n + 1)) * rng.choice([-1.0, 1.0], n) + rng.normal(
        0, 0.1, n
    )
    expected = stats.wilcoxon(values, method="exact").pvalue
    assert signed_rank_exact_p(values) == pytest.approx(expected, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("seed", range(60))
def test_normal_p_is_scipys_pratt_asymptotic_wilcoxon_with_ties_and_zeros(seed):
    rng = np.random.default_rng(seed)
    values = _tied(rng, int(rng.integers(8, 120)))
    if not np.any(values):
        values[0] = 0.25
    expected = stats.wilcoxon(values, zero_method="pratt", method="asymptotic").pvalue
    assert signed_rank_normal_p(values) == pytest.approx(expected, rel=1e-10, abs=1e-15)
