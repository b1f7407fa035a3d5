import pytest

from perturb import ExpectationKind
from probes.stats import Summary
from probes.verdicts import Thresholds, Verdict, rules

THRESHOLDS = Thresholds(alpha=0.05, margin=0.05, follow_margin=0.05)
EQUIVALENCE = rules(THRESHOLDS)[ExpectationKind.INVARIANT]
FOLLOW = rules(THRESHOLDS)[ExpectationKind.DIRECTIONAL]


def summary(mean, low, high, p=0.5):
    return Summary(mean, low, high, p, 30)


@pytest.mark.parametrize(
    ("s", "verdict"),
    [
        (summary(0.0, -0.02, 0.03), Verdict.HOLDS),
        (summary(-0.01, -0.015, -0.005, p=0.001), Verdict.HOLDS),  # significant but negligible
        (summary(-0.2, -0.3, -0.1, p=0.001), Verdict.BREAKS),
        (summary(-0.06, -0.2, 0.01, p=0.2), Verdict.INCONCLUSIVE),
        (summary(-0.04, -0.08, -0.01, p=0.01), Verdict.INCONCLUSIVE),  # |mean| within margin
    ],
)
def test_equivalence_rule(s, verdict):
    assert EQUIVALENCE.decide(s) is verdict


@pytest.mark.parametrize(
    ("s", "verdict"),
    [
        (summary(0.2, 0.1, 0.3), Verdict.HOLDS),
        (summary(-0.2, -0.3, -0.1), Verdict.BREAKS),
        (summary(0.0, -0.02, 0.03), Verdict.BREAKS),  # rules out following by >= 5 points
        (summary(0.05, -0.05, 0.15), Verdict.INCONCLUSIVE),
    ],
)
def test_follow_rule(s, verdict):
    assert FOLLOW.decide(s) is verdict


def test_rules_say_their_thresholds():
    assert "±0.05" in EQUIVALENCE.describe()
    assert "lower bound > 0" in FOLLOW.describe()


def test_undefined_summary_is_inconclusive():
    nan = float("nan")
    empty = Summary(nan, nan, nan, nan, 0)
    assert EQUIVALENCE.decide(empty) is FOLLOW.decide(empty) is Verdict.INCONCLUSIVE


@pytest.mark.parametrize("field", ["alpha", "margin", "follow_margin"])
def test_thresholds_are_validated(field):
    with pytest.raises(ValueError, match=field.replace("_", " ")):
        Thresholds(**{field: 1.5})
