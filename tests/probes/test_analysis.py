import numpy as np
import pytest

from instructprobe.perturb.seeding import derive_seed
from instructprobe.probes.analysis import Group, adjusted_summaries, summarize_group, summary_key
from instructprobe.probes.request import Correction
from instructprobe.probes.stats import Summary, adjust, summarize


def groups():
    rng = np.random.default_rng(7)
    return [
        Group("a", list(rng.normal(-0.2, 0.3, 30)), ("test", "a")),
        Group("b", list(rng.normal(0.0, 0.3, 30)), ("test", "b")),
        Group("c", list(rng.normal(0.1, 0.3, 3)), ("test", "c"), min_n=5),
    ]


@pytest.mark.parametrize("correction", list(Correction))
def test_each_group_is_summarised_with_its_own_stream_then_adjusted(correction):
    tested = adjusted_summaries(groups(), seed=3, resamples=500, correction=correction)
    expected = [
        summarize(g.values, np.random.default_rng(derive_seed(3, *g.stream)), 500) for g in groups()
    ]
    assert [t.summary for t in tested] == expected
    p_values = [expected[0].p_value, expected[1].p_value, float("nan")]
    assert [t.p_adjusted for t in tested] == pytest.approx(
        adjust(p_values, correction), nan_ok=True
    )
    assert np.isnan(tested[2].p_value), "fewer values than min_n: summarised, not tested"


def test_a_groups_numbers_do_not_depend_on_the_other_groups():
    alone = adjusted_summaries(groups()[:1], seed=3, resamples=500, correction=Correction.HOLM)
    together = adjusted_summaries(groups(), seed=3, resamples=500, correction=Correction.HOLM)
    assert alone[0].summary == together[0].summary


def test_a_known_summary_is_taken_as_it_is_and_the_others_are_made():
    made_elsewhere = Summary(mean=0.5, ci_low=0.4, ci_high=0.6, p_value=0.01, n=30)
    first, *others = groups()
    tested = adjusted_summaries(
        groups(), 3, 500, Correction.HOLM, known={summary_key(first): made_elsewhere}
    )
    assert tested[0].summary is made_elsewhere
    assert [t.summary for t in tested[1:]] == [summarize_group(g, 3, 500) for g in others]
