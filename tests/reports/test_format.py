import math

import pytest

from instructprobe.reports import format as fmt


@pytest.mark.parametrize(
    ("p", "marks"),
    [
        (0.0004, "***"),
        (0.001, "**"),
        (0.009, "**"),
        (0.01, "*"),
        (0.049, "*"),
        (0.05, ""),
        (0.5, ""),
    ],
)
def test_stars_mark_adjusted_p_values(p, marks):
    assert fmt.stars(p) == marks


def test_no_star_at_or_above_alpha_or_for_undefined_p():
    assert fmt.stars(0.02, alpha=0.01) == ""
    assert fmt.stars(math.nan) == "" and fmt.stars(None) == ""


def test_p_mrr_is_shown_times_100_and_others_to_three_decimals():
    assert fmt.number(-0.2608, "p-MRR", True) == "-26.1"
    assert fmt.number(0.7882, "nDCG@10") == "0.788"
    assert fmt.number(math.nan, "nDCG@10") == "–"
    assert fmt.interval(-0.311, -0.214, "p-MRR") == "[-31.1,-21.4]"


def test_rank_shift_is_the_one_measure_that_is_better_lower():
    assert not fmt.higher_is_better("rank-shift@10")
    assert all(fmt.higher_is_better(m) for m in ("nDCG@10", "p-MRR", "Robustness@10", "moved"))


def test_a_sensitive_family_flips_the_direction():
    assert not fmt.higher_is_better("nDCG@10", "sensitive")
    assert fmt.higher_is_better("rank-shift@10", "sensitive")
    assert fmt.higher_is_better("nDCG@10", "reliance") and fmt.higher_is_better("nDCG@10")
