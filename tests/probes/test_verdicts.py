import math

import numpy as np
import pytest

from instructprobe.perturb import ExpectationKind
from instructprobe.probes.bounded import CHANGE
from instructprobe.probes.measures import NDCG, PMRR, parse
from instructprobe.probes.request import Correction, RunRequest
from instructprobe.probes.results import Verdict
from instructprobe.probes.verdicts import (
    Above,
    Below,
    Beyond,
    EquivalenceRule,
    FollowRule,
    SensitivityRule,
    Thresholds,
    Within,
    rise_is_better,
    rules,
)

THRESHOLDS = Thresholds(alpha=0.05, margin=0.05, follow_margin=0.05, correction=Correction.HOLM)
EQUIVALENCE = rules(THRESHOLDS, 10)[ExpectationKind.INVARIANT]
FOLLOW = rules(THRESHOLDS, 10)[ExpectationKind.DIRECTIONAL]
SENSITIVITY = rules(THRESHOLDS, 10)[ExpectationKind.SENSITIVE]


def test_every_kind_has_its_rule_and_each_rule_its_claims():
    assert set(rules(THRESHOLDS, 10)) == set(ExpectationKind)
    assert isinstance(EQUIVALENCE, EquivalenceRule)
    assert isinstance(rules(THRESHOLDS, 10)[ExpectationKind.RELIANCE], EquivalenceRule)
    assert (EQUIVALENCE.holds, EQUIVALENCE.breaks) == (Within(0.05), Beyond(0.05))
    assert isinstance(SENSITIVITY, SensitivityRule) and SENSITIVITY.measure == NDCG(10)
    assert (SENSITIVITY.holds, SENSITIVITY.breaks) == (Below(-0.05), Within(0.05))
    assert isinstance(FOLLOW, FollowRule) and FOLLOW.measure == PMRR()
    assert (FOLLOW.holds, FOLLOW.breaks) == (Above(0.0), Below(0.05))


@pytest.mark.parametrize(
    ("rule", "p_holds", "p_breaks", "verdict"),
    [
        (EQUIVALENCE, 0.001, 0.9, Verdict.HOLDS),
        (EQUIVALENCE, 0.9, 0.001, Verdict.BREAKS),
        (EQUIVALENCE, 0.2, 0.3, Verdict.INCONCLUSIVE),
        (EQUIVALENCE, 0.01, 0.01, Verdict.INCONCLUSIVE),  # contradictory claims: nothing
        (SENSITIVITY, 0.001, 0.9, Verdict.HOLDS),
        (SENSITIVITY, 0.9, 0.001, Verdict.BREAKS),
        (FOLLOW, 0.001, 0.9, Verdict.HOLDS),
        (FOLLOW, 0.001, 0.001, Verdict.HOLDS),  # shown above 0 and below the margin: weakly
        (FOLLOW, 0.2, 0.001, Verdict.BREAKS),
        (FOLLOW, 0.2, 0.3, Verdict.INCONCLUSIVE),
    ],
)
def test_a_verdict_is_the_claim_shown_at_the_adjusted_level(rule, p_holds, p_breaks, verdict):
    assert rule.decide(p_holds, p_breaks) is verdict


def test_within_is_both_one_sided_tests_and_beyond_the_smaller_doubled():
    values = np.random.default_rng(2).normal(-0.02, 0.05, 200).clip(-1, 1)
    lower, upper = Above(-0.05).p(values, CHANGE), Below(0.05).p(values, CHANGE)
    assert Within(0.05).p(values, CHANGE) == max(lower, upper)
    low_side, high_side = Below(-0.05).p(values, CHANGE), Above(0.05).p(values, CHANGE)
    assert Beyond(0.05).p(values, CHANGE) == min(1.0, 2 * min(low_side, high_side))


def test_clear_data_decide_and_too_few_queries_cannot():
    generator = np.random.default_rng(5)
    small = generator.normal(0.0, 0.02, 400).clip(-1, 1)
    assert Within(0.05).p(small, CHANGE) < 0.001
    collapse = generator.normal(-0.3, 0.1, 100).clip(-1, 1)
    assert Beyond(0.05).p(collapse, CHANGE) < 0.001
    assert Within(0.05).p(np.zeros(10), CHANGE) > 0.5, "ten zeros cannot rule out rare drops"


def test_the_fewest_queries_that_could_show_a_claim():
    fewest = Within(0.05).fewest(0.05, CHANGE)
    assert Within(0.05).p(np.zeros(fewest), CHANGE) < 0.05
    assert Within(0.05).p(np.zeros(fewest - 1), CHANGE) >= 0.05
    # rejecting H0: mean <= -0.05 needs 0.95^n <= 0.05 even for the most powerful test
    assert fewest >= math.log(0.05) / math.log(0.95)
    assert Above(0.0).fewest(0.05, CHANGE) <= 6, "all at +1 shows a mean above 0 quickly"


def test_the_rules_name_the_measure_of_the_cutoff():
    at_5 = rules(THRESHOLDS, 5)
    assert (
        at_5[ExpectationKind.INVARIANT]
        .describe()
        .startswith(
            "ΔnDCG@5: holds if |ΔnDCG@5| < 0.05 is shown, breaks if |ΔnDCG@5| > 0.05 is shown"
        )
    )
    assert (
        at_5[ExpectationKind.SENSITIVE]
        .describe()
        .startswith(
            "ΔnDCG@5: holds if ΔnDCG@5 < -0.05 is shown, breaks if |ΔnDCG@5| < 0.05 is shown"
        )
    )
    directional = at_5[ExpectationKind.DIRECTIONAL].describe()
    assert directional.startswith("p-MRR: holds if p-MRR > 0 is shown, breaks if p-MRR < 5")
    assert "holm-adjusted p < 0.05" in directional


def test_the_claim_the_data_point_to():
    assert EQUIVALENCE.nearer(0.01) == Within(0.05)
    assert EQUIVALENCE.nearer(-0.2) == Beyond(0.05)
    assert SENSITIVITY.nearer(-0.2) == Below(-0.05)
    assert SENSITIVITY.nearer(0.0) == Within(0.05)
    assert SENSITIVITY.nearer(0.2) is None, "a rise beyond the margin is neither reading"
    assert FOLLOW.nearer(0.1) == Above(0.0) and FOLLOW.nearer(-0.1) == Below(0.05)


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
