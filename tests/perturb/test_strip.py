import random
from collections import Counter

from hypothesis import given, settings

from perturb import Case, CorpusStats, ExpectationKind, get_operator
from perturb.strategies import cases, seeds
from perturb.text import is_content_word, words


def test_keywords_only_keeps_the_content_words_in_order():
    case = Case("q", "x", "I need documents that explain how the 2024 tax rules changed.")
    (variant,) = get_operator("keywords-only").variants(case, random.Random(0), CorpusStats())
    assert variant.request.instruction == "need documents explain tax rules changed"
    assert variant.form == "keywords-only"
    assert variant.expectation.kind is ExpectationKind.RELIANCE


def test_keywords_only_keeps_negation_words():
    case = Case("q", "x", "I do not want opinion pieces.")
    (variant,) = get_operator("keywords-only").variants(case, random.Random(0), CorpusStats())
    assert "not" in words(variant.request.instruction)


@settings(max_examples=80, deadline=None)
@given(case=cases(), seed=seeds())
def test_strip_operators_never_add_tokens(case, seed):
    for name in ("keywords-only", "strip-overlap"):
        op = get_operator(name)
        for variant in op.variants(case, random.Random(seed), CorpusStats()):
            before = Counter(words(case.instruction))
            after = Counter(words(variant.request.instruction))
            assert not after - before
            if name == "keywords-only":
                assert all(is_content_word(w) for w in after)
