import math

import numpy as np
import pytest

from instructprobe.probes.stats import signed_rank_p, summarize


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


def test_all_zero_differences_are_not_significant_and_not_certain():
    s = summarize([0.0] * 12, rng())
    assert (s.mean, s.p_value, s.interval) == (0.0, 1.0, "none")
    assert math.isnan(s.ci_low), "resampling twelve equal values would claim a certain mean"
    from instructprobe.probes.bounded import CHANGE

    bounded = summarize([0.0] * 12, rng(), bounds=CHANGE)
    assert bounded.ci_low < -0.1 and bounded.ci_high > 0.1, "rare changes are not ruled out"


def test_no_values_is_undefined():
    s = summarize([], rng())
    assert s.n == 0 and not s.defined and math.isnan(s.p_value)


def test_signed_rank_matches_scipy_pratt():
    from scipy import stats

    tied = np.random.default_rng(8).choice([0.0, 0.1, -0.3, 0.4, 0.2, -0.1, 0.5], 80)
    assert signed_rank_p(tied) == pytest.approx(
        stats.wilcoxon(tied, zero_method="pratt", method="approx").pvalue
    ), "above 50 values: the tie-corrected normal approximation"
    untied = np.array([0.1, -0.3, 0.4, 0.2, 0.5, 0.6, -0.05])
    assert signed_rank_p(untied) == pytest.approx(stats.wilcoxon(untied, method="exact").pvalue)


def test_null_differences_are_rarely_significant():
    """Calibration: under the null, p < 0.05 in about 5% of samples."""
    generator = np.random.default_rng(11)
    rejections = sum(signed_rank_p(generator.normal(0, 1, 30)) < 0.05 for _ in range(400))
    assert 0.02 <= rejections / 400 <= 0.09


def test_sign_flip_is_exact_for_few_values():
    from instructprobe.probes.stats import sign_flip_p

    # 3 non-zero values, all positive: only the all-positive and all-negative patterns are as
    # extreme, so p = 2 / 8
    assert sign_flip_p(np.array([0.1, 0.2, 0.3, 0.0]), rng(), 1000) == pytest.approx(0.25)
    assert sign_flip_p(np.zeros(5), rng(), 1000) == 1.0


def test_sign_flip_monte_carlo_is_reproducible_and_agrees_with_wilcoxon_on_clear_effects():
    from instructprobe.probes.stats import sign_flip_p

    values = np.random.default_rng(4).normal(0.3, 1.0, size=60)
    first = sign_flip_p(values, rng(9), 4000)
    assert first == sign_flip_p(values, rng(9), 4000)
    assert (first < 0.05) == (signed_rank_p(values) < 0.05)


@pytest.mark.parametrize("queries", [301, 1001, 2047])
def test_sign_flip_blocks_draw_the_stream_of_one_draw(queries, monkeypatch):
    """Blocks of signs bounded in size (flat memory for many queries) give the p-value that
    drawing every resample's signs at once gives, odd query counts and a last short block
    included."""
    from instructprobe.probes import stats

    values = np.random.default_rng(queries).normal(0.02, 1.0, size=queries)
    resamples = 1999
    signs = rng(5).choice(np.array([-1.0, 1.0]), size=(resamples, queries))
    observed = abs(values.sum()) - 1e-12 * max(1.0, float(np.abs(values).sum()))
    at_once = (int(np.sum(np.abs(signs @ values) >= observed)) + 1) / (resamples + 1)
    monkeypatch.setattr(stats, "SIGN_FLIP_BLOCK", 4096)  # blocks of 2 to 13 resamples
    assert stats._sign_flip_rows(queries) < 16
    assert stats.sign_flip_p(values, rng(5), resamples) == at_once


def test_effect_sizes():
    from instructprobe.probes.stats import cohen_dz, rank_biserial

    values = np.array([1.0, 2.0, 3.0, -1.0])
    assert cohen_dz(values) == pytest.approx(values.mean() / values.std(ddof=1))
    # ranks of |d|: 1 -> 1.5, 2 -> 3, 3 -> 4, -1 -> 1.5; T+ = 8.5, T- = 1.5
    assert rank_biserial(values) == pytest.approx((8.5 - 1.5) / 10)


def test_holm_and_bh_adjustments():
    from instructprobe.probes.stats import Correction, adjust

    p = [0.01, 0.04, 0.03, float("nan"), 0.2]
    holm = adjust(p, Correction.HOLM)
    # sorted 0.01, 0.03, 0.04, 0.2 with m = 4: 0.04, 0.09, 0.09 (monotone), 0.2
    assert holm[0] == pytest.approx(0.04)
    assert holm[2] == pytest.approx(0.09)
    assert holm[1] == pytest.approx(0.09)
    assert holm[4] == pytest.approx(0.2)
    assert math.isnan(holm[3])
    bh = adjust(p, Correction.BH)
    assert bh[0] == pytest.approx(0.04 * 1) and bh[4] == pytest.approx(0.2)
    assert all(b <= h + 1e-12 for b, h in zip(bh, holm, strict=True) if not math.isnan(h))


def test_minimum_detectable_effect_shrinks_with_n():
    from instructprobe.probes.stats import minimum_detectable_effect

    assert minimum_detectable_effect(0.2, 100, 0.05) == pytest.approx(
        (1.959964 + 0.841621) * 0.2 / 10, rel=1e-5
    )
    assert minimum_detectable_effect(0.2, 400, 0.05) < minimum_detectable_effect(0.2, 100, 0.05)


def test_calibration_on_real_shaped_null_data():
    """Under a null that keeps the shape of real per-query changes (many zeros, ties, skew),
    both paired tests reject at about the nominal 5%: symmetrise by random signs."""
    from instructprobe.probes.stats import sign_flip_p

    generator = np.random.default_rng(2026)
    shape = np.concatenate([np.zeros(15), generator.exponential(0.05, size=30)])
    trials = 300
    wilcoxon = flips = 0
    for _ in range(trials):
        null = shape * generator.choice([-1.0, 1.0], size=shape.size)
        wilcoxon += signed_rank_p(null) < 0.05
        flips += sign_flip_p(null, generator, 999) < 0.05
    assert 0.02 <= wilcoxon / trials <= 0.09
    assert 0.02 <= flips / trials <= 0.09


def test_rank_tests_tie_values_that_differ_only_by_rounding_noise():
    from instructprobe.probes.stats import rank_biserial, signed_rank_p

    exact = np.array([0.1, -0.2, 0.3, 0.3, -0.1, 0.5, 0.2, 0.4])
    noisy = exact + np.array([0, 0, 1e-16, -1e-16, 0, 0, 2e-17, 0]) * 3
    assert signed_rank_p(noisy) == signed_rank_p(exact)
    assert rank_biserial(noisy) == rank_biserial(exact)


@pytest.mark.parametrize("seed", range(20))
def test_bca_interval_is_scipys_for_the_same_generator(seed):
    from scipy import stats

    from instructprobe.probes.stats import bootstrap_ci

    data = np.random.default_rng(seed).gamma(1.5, 0.2, 30 + seed * 7) - 0.25
    ours = bootstrap_ci(data, np.random.default_rng(99), 2999, 0.95)
    theirs = stats.bootstrap(
        (data,), np.mean, n_resamples=2999, method="BCa", rng=np.random.default_rng(99)
    ).confidence_interval
    np.testing.assert_allclose(ours, (theirs.low, theirs.high), rtol=1e-12)


def test_small_samples_with_ties_or_zeros_get_the_exact_permutation_p():
    """[.1, .2, .2, .3, .4]: no sign pattern of five values gives p below 2/32 = 0.0625 (the
    normal approximation said 0.042)."""
    assert signed_rank_p(np.array([0.1, 0.2, 0.2, 0.3, 0.4])) == pytest.approx(0.0625)


@pytest.mark.parametrize("seed", range(12))
def test_the_permutation_p_is_scipys_permutation_wilcoxon(seed):
    from scipy import stats

    generator = np.random.default_rng(seed)
    values = np.round(generator.normal(0.1, 1, int(generator.integers(4, 14))), 1)
    values[: int(generator.integers(0, 3))] = 0.0
    if not np.any(values):
        return
    exact = stats.wilcoxon(
        values, zero_method="pratt", method=stats.PermutationMethod(n_resamples=10**6)
    )
    assert signed_rank_p(values) == pytest.approx(exact.pvalue, rel=1e-12)


def test_bounded_values_get_the_bounded_interval_and_others_the_bootstrap():
    from instructprobe.probes.bounded import CHANGE, interval

    data = np.random.default_rng(4).normal(-0.1, 0.2, 30).clip(-1, 1)
    bounded = summarize(data, np.random.default_rng(1), 999, bounds=CHANGE)
    assert bounded.interval == "bounded"
    assert (bounded.ci_low, bounded.ci_high) == tuple(interval(data, CHANGE))
    boot = summarize(data, np.random.default_rng(1), 999)
    assert boot.interval == "bootstrap" and boot.ci_low < boot.mean < boot.ci_high
    flat = summarize(np.zeros(5), np.random.default_rng(1), 999)
    assert flat.interval == "none" and np.isnan(flat.ci_low), "no bootstrap of equal values"


def test_bh_adjustment_is_scipys_false_discovery_control():
    from scipy import stats

    from instructprobe.probes.stats import Correction, adjust

    p = np.random.default_rng(3).uniform(0, 0.2, 25) ** 2
    expected = stats.false_discovery_control(p, method="bh")
    np.testing.assert_allclose(adjust(list(p), Correction.BH), expected, rtol=1e-12)


def test_a_cached_run_needs_no_scipy_stats(fresh_python):
    """Importing scipy.stats costs about 0.7 s; the statistics of a run use scipy.special."""
    script = (
        "import sys, numpy as np\n"
        "from instructprobe.probes.stats import summarize, adjust, Correction\n"
        "from instructprobe.probes.bounded import CHANGE\n"
        "values = np.random.default_rng(0).normal(0, 0.2, 40).clip(-1, 1)\n"
        "summarize(values, np.random.default_rng(1), 999, bounds=CHANGE)\n"
        "summarize(values, np.random.default_rng(1), 999); adjust([0.01, 0.2], Correction.BH)\n"
        "print('scipy.stats' in sys.modules)\n"
    )
    assert fresh_python(script) == "False"


def test_the_bootstrap_drawn_in_blocks_is_the_bootstrap_drawn_at_once(monkeypatch):
    """Memory stays bounded in the queries: the resamples are drawn a block at a time, and the
    interval (and the generator's state after it) is what one draw of them all gives."""
    import numpy as np

    from instructprobe.probes import stats

    values = np.random.default_rng(1).normal(size=301)
    whole_rng, blocked_rng = np.random.default_rng(3), np.random.default_rng(3)
    whole = stats.bootstrap_ci(values, whole_rng, 999, 0.95)
    monkeypatch.setattr(stats, "BOOTSTRAP_BLOCK", 1000)  # 3 rows a block: 333 blocks
    blocked = stats.bootstrap_ci(values, blocked_rng, 999, 0.95)
    assert blocked == whole
    assert blocked_rng.random() == whole_rng.random()
