import math

import pytest

from instructprobe.perturb import ExpectationKind
from instructprobe.probes.measures import NDCG, PMRR, parse
from instructprobe.probes.request import Correction, RunRequest
from instructprobe.probes.results import Verdict
from instructprobe.probes.stats import Summary
from instructprobe.probes.verdicts import (
    EquivalenceRule,
    Evidence,
    SensitivityRule,
    Thresholds,
    rise_is_better,
    rules,
)

THRESHOLDS = Thresholds(alpha=0.05, margin=0.05, follow_margin=0.05, correction=Correction.HOLM)
EQUIVALENCE = rules(THRESHOLDS, 10)[ExpectationKind.INVARIANT]
FOLLOW = rules(THRESHOLDS, 10)[ExpectationKind.DIRECTIONAL]
SENSITIVITY = rules(THRESHOLDS, 10)[ExpectationKind.SENSITIVE]


def evidence(mean, low, high, p=0.5, tost=0.5, sd=0.1):
    return Evidence(Summary(mean, low, high, p, 30, sd=sd), p_adjusted=p, tost_p_adjusted=tost)


@pytest.mark.parametrize(
    ("e", "verdict"),
    [
        (evidence(0.0, -0.02, 0.03, tost=0.001), Verdict.HOLDS),
        (evidence(-0.01, -0.015, -0.005, p=0.001, tost=0.001), Verdict.HOLDS),  # tiny but real
        (evidence(-0.2, -0.3, -0.1, p=0.001, tost=0.9), Verdict.BREAKS),
        (evidence(-0.06, -0.2, 0.01, p=0.2, tost=0.6), Verdict.INCONCLUSIVE),
        (evidence(-0.04, -0.08, -0.01, p=0.01, tost=0.3), Verdict.INCONCLUSIVE),  # within margin
    ],
)
def test_equivalence_rule(e, verdict):
    assert EQUIVALENCE.decide(e) is verdict


@pytest.mark.parametrize(
    ("e", "verdict"),
    [
        (evidence(0.2, 0.1, 0.3, p=0.001), Verdict.HOLDS),
        (evidence(0.2, 0.1, 0.3, p=0.2), Verdict.INCONCLUSIVE),  # CI > 0 but not after correction
        (evidence(-0.2, -0.3, -0.1), Verdict.BREAKS),
        (evidence(0.0, -0.02, 0.03), Verdict.BREAKS),  # rules out following by >= 5 points
        (evidence(0.05, -0.05, 0.15), Verdict.INCONCLUSIVE),
    ],
)
def test_follow_rule(e, verdict):
    assert FOLLOW.decide(e) is verdict


def test_every_kind_has_its_rule():
    assert set(rules(THRESHOLDS, 10)) == set(ExpectationKind)
    assert isinstance(SENSITIVITY, SensitivityRule) and SENSITIVITY.measure == NDCG(10)
    assert isinstance(rules(THRESHOLDS, 10)[ExpectationKind.RELIANCE], EquivalenceRule)
    assert FOLLOW.measure == PMRR()


def test_the_rules_name_the_measure_of_the_cutoff():
    at_5 = rules(THRESHOLDS, 5)
    assert at_5[ExpectationKind.INVARIANT].describe().startswith("ΔnDCG@5: holds if TOST")
    assert at_5[ExpectationKind.SENSITIVE].describe().startswith("ΔnDCG@5: holds")
    assert "CI upper bound < 5 (×100 scale)" in at_5[ExpectationKind.DIRECTIONAL].describe()


@pytest.mark.parametrize(
    ("e", "verdict"),
    [
        # reads beyond keywords: a significant drop larger than the margin
        (evidence(-0.12, -0.18, -0.07, p=0.001, tost=0.9), Verdict.HOLDS),
        # a bag-of-keywords reading: shown to stay within ±margin
        (evidence(0.0, -0.02, 0.02, p=0.9, tost=0.001), Verdict.BREAKS),
        (evidence(-0.01, -0.015, -0.005, p=0.001, tost=0.001), Verdict.BREAKS),  # real but tiny
        # a drop, but not significant after correction
        (evidence(-0.12, -0.25, 0.01, p=0.2, tost=0.9), Verdict.INCONCLUSIVE),
        # significant, but smaller than the margin and not shown equivalent
        (evidence(-0.04, -0.08, -0.01, p=0.01, tost=0.3), Verdict.INCONCLUSIVE),
        # a significant rise is neither reading
        (evidence(0.12, 0.07, 0.18, p=0.001, tost=0.9), Verdict.INCONCLUSIVE),
    ],
)
def test_sensitivity_rule(e, verdict):
    assert SENSITIVITY.decide(e) is verdict


def test_sensitivity_is_the_opposite_reading_of_equivalence():
    unchanged = evidence(0.0, -0.02, 0.02, p=0.9, tost=0.001)
    collapsed = evidence(-0.12, -0.18, -0.07, p=0.001, tost=0.9)
    assert EQUIVALENCE.decide(unchanged) is SENSITIVITY.decide(collapsed) is Verdict.HOLDS
    assert EQUIVALENCE.decide(collapsed) is SENSITIVITY.decide(unchanged) is Verdict.BREAKS


def test_sensitivity_says_how_many_queries_would_settle_it():
    z_one, z_two, z_power = 1.6449, 1.95996, 0.8416
    # within the margin: the queries TOST needs to show equivalence
    inside = evidence(0.01, -0.06, 0.08, sd=0.2)
    assert SENSITIVITY.queries_needed(inside) == math.ceil(((z_one + z_power) * 0.2 / 0.04) ** 2)
    # beyond it on the drop side: the queries the test needs to show the drop
    drop = evidence(-0.1, -0.3, 0.1, sd=0.3)
    assert SENSITIVITY.queries_needed(drop) == math.ceil(((z_two + z_power) * 0.3 / 0.1) ** 2)
    # a rise beyond the margin: no number of queries settles it
    assert SENSITIVITY.queries_needed(evidence(0.1, 0.0, 0.2, sd=0.2)) == math.inf


def test_inconclusive_cells_say_how_many_queries_would_settle_them():
    e = evidence(0.0, -0.06, 0.06, sd=0.2)
    # equivalence: (z_0.95 + z_0.8) * 0.2 / 0.05 squared
    assert EQUIVALENCE.queries_needed(e) == math.ceil(((1.6449 + 0.8416) * 0.2 / 0.05) ** 2)
    assert FOLLOW.queries_needed(evidence(0.1, -0.05, 0.25, sd=0.3)) == math.ceil(
        ((1.95996 + 0.8416) * 0.3 / 0.1) ** 2
    )


def test_rules_say_their_thresholds():
    assert "±0.05" in EQUIVALENCE.describe() and "TOST" in EQUIVALENCE.describe()
    assert "lower bound > 0" in FOLLOW.describe() and "holm" in FOLLOW.describe()
    described = SENSITIVITY.describe()
    assert "mean Δ < −0.05" in described and "TOST" in described and "±0.05" in described
    assert "holds (reads beyond keywords)" in described and "bag-of-keywords" in described


def test_undefined_summary_is_inconclusive():
    nan = float("nan")
    empty = Evidence(Summary(nan, nan, nan, nan, 0))
    assert EQUIVALENCE.decide(empty) is FOLLOW.decide(empty) is Verdict.INCONCLUSIVE
    assert SENSITIVITY.decide(empty) is Verdict.INCONCLUSIVE


def test_thresholds_are_the_requests():
    request = RunRequest(alpha=0.01, margin=0.1, follow_margin=0.02, correction="bh")
    assert Thresholds.of(request) == Thresholds(0.01, 0.1, 0.02, Correction.BH)


def test_rank_shift_is_the_one_measure_that_is_better_lower():
    kind = ExpectationKind.INVARIANT
    assert not rise_is_better(parse("rank-shift@10"), kind)
    better = ("nDCG@10", "p-MRR", "worst-nDCG@10", "Robustness@10", "moved", "RBO@10")
    assert all(rise_is_better(parse(m), kind) for m in better)


def test_a_sensitive_family_flips_the_direction():
    assert not rise_is_better(parse("nDCG@10"), ExpectationKind.SENSITIVE)
    assert rise_is_better(parse("rank-shift@10"), ExpectationKind.SENSITIVE)
    assert rise_is_better(parse("nDCG@10"), ExpectationKind.RELIANCE)
