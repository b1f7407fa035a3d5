import random
from collections import Counter

from hypothesis import given, settings

from instructprobe.perturb import (
    Case,
    CorpusStats,
    ExpectationKind,
    Family,
    RelevantDocument,
    get_operator,
    operators_for,
)
from instructprobe.perturb.strategies import cases, seeds
from instructprobe.perturb.text import words


def test_strip_overlap_is_the_only_strip_operator_and_measures_reliance():
    case = Case(
        "q",
        "ibuprofen",
        "I want the maximum daily dose for adults.",
        (RelevantDocument("d1", "The maximum daily dose of ibuprofen for adults is 3200 mg.", 1),),
    )
    (variant,) = get_operator("strip-overlap").variants(case, random.Random(0), CorpusStats())
    assert variant.family is Family.STRIP
    assert variant.expectation.kind is ExpectationKind.RELIANCE
    assert [op.name for op in operators_for((Family.STRIP,))] == ["strip-overlap"]


@settings(max_examples=80, deadline=None)
@given(case=cases(), seed=seeds())
def test_strip_overlap_never_adds_tokens(case, seed):
    op = get_operator("strip-overlap")
    for variant in op.variants(case, random.Random(seed), CorpusStats()):
        before = Counter(words(case.instruction))
        after = Counter(words(variant.request.instruction))
        assert not after - before
