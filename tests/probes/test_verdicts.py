import math

import pytest

from perturb import ExpectationKind
from probes.stats import Summary
from probes.verdicts import Evidence, Thresholds, Verdict, rules

THRESHOLDS = Thresholds(alpha=0.05, margin=0.05, follow_margin=0.05)
EQUIVALENCE = rules(THRESHOLDS)[ExpectationKind.INVARIANT]
FOLLOW = rules(THRESHOLDS)[ExpectationKind.DIRECTIONAL]


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


def test_undefined_summary_is_inconclusive():
    nan = float("nan")
    empty = Evidence(Summary(nan, nan, nan, nan, 0))
    assert EQUIVALENCE.decide(empty) is FOLLOW.decide(empty) is Verdict.INCONCLUSIVE


@pytest.mark.parametrize("field", ["alpha", "margin", "follow_margin"])
def test_thresholds_are_validated(field):
    with pytest.raises(ValueError, match=field.replace("_", " ")):
        Thresholds(**{field: 1.5})
