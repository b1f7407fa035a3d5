import pytest

from instructprobe.perturb import Family
from instructprobe.probes import analysis
from instructprobe.probes.measures import NDCG
from instructprobe.probes.stats import Summary
from instructprobe.probes.strata import StratumKey, records


def strength_point(family, strength, delta, p_adjusted):
    key = StratumKey("bm25", family, NDCG(10), "strength", f"{strength:.2f}", strength)
    summary = Summary(delta, delta - 0.02, delta + 0.02, p_adjusted, 30)
    return analysis.Tested(key, summary, p_adjusted, p_adjusted)


@pytest.mark.parametrize("family", [Family.PARAPHRASE, Family.STRIP, Family.KEYWORDS])
def test_the_dose_response_marks_the_first_significant_drop_in_every_family(family):
    """The reports print ``breaks_at`` as "first significant drop": a significant rise at a
    lower strength (a keywords-only instruction that helps) is not a drop, in a sensitive
    family too, and a significant drop is one whatever the family."""
    tested = [
        strength_point(family, 0.2, 0.01, 0.9),
        strength_point(family, 0.3, 0.08, 0.001),
        strength_point(family, 0.6, -0.09, 0.001),
        strength_point(family, 0.9, -0.2, 0.0001),
    ]
    _, (dose,) = records(tested, alpha=0.05)
    first_drop = min(t.key.strength for t in tested if t.p_adjusted < 0.05 and t.summary.mean < 0)
    assert dose.breaks_at == first_drop == 0.6
