import math

import pytest

from instructprobe.probes.measures import parse
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


@pytest.mark.parametrize("p", [0.05, 0.06, 0.099])
def test_a_p_below_a_larger_alpha_but_not_below_005_has_no_star(p):
    """Every report's legend says ``*`` < 0.05: at α = 0.1 a p of 0.06 is below α, yet not
    below 0.05, so it gets no marker."""
    assert fmt.stars(p, alpha=0.1) == ""
    assert fmt.stars(0.049, alpha=0.1) == "*" and fmt.stars(0.009, alpha=0.1) == "**"


def test_p_mrr_is_shown_times_100_and_others_to_three_decimals():
    assert fmt.number(-0.2608, parse("p-MRR"), True) == "-26.1"
    assert fmt.number(0.7882, parse("nDCG@10")) == "0.788"
    assert fmt.number(math.nan, parse("nDCG@10")) == "–"
    assert fmt.interval(-0.311, -0.214, parse("p-MRR")) == "[-31.1,-21.4]"


def test_the_terminal_shows_the_deciding_and_worst_case_measures_only():
    shown = [
        m for m in ("nDCG@10", "p-MRR", "worst-nDCG@10", "rank-shift@10") if fmt.shown(parse(m))
    ]
    assert len(shown) == 4
    assert not any(fmt.shown(parse(m)) for m in ("tau@10", "RBO@10", "overlap@10", "moved"))


@pytest.mark.parametrize(
    ("n", "expected"), [(0, "0 queries"), (1, "1 query"), (2, "2 queries"), (45, "45 queries")]
)
def test_a_count_takes_the_singular_only_for_one(n, expected):
    assert fmt.counted(n, "query", "queries") == expected
    assert fmt.counted(n, "variant") == expected.replace("queries", "variants").replace(
        "query", "variant"
    )
