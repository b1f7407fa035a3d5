import random
from collections import Counter

from hypothesis import given, settings

from instructprobe.perturb import (
    Case,
    CorpusStats,
    ExpectationKind,
    Family,
    get_operator,
    operators_for,
)
from instructprobe.perturb.strategies import cases, operator_variants, seeds
from instructprobe.perturb.text import is_content_word, words


def test_keywords_only_keeps_the_content_words_in_order():
    case = Case("q", "x", "I need documents that explain how the 2024 tax rules changed.")
    (variant,) = get_operator("keywords-only").variants(case, random.Random(0), CorpusStats())
    assert variant.request.instruction == "need documents explain tax rules changed"
    assert variant.form == "keywords-only" and variant.operator == "keywords-only"


def test_keywords_only_is_its_own_family_and_expects_the_ranking_to_change():
    case = Case("q", "x", "I need documents that explain how the 2024 tax rules changed.")
    (variant,) = get_operator("keywords-only").variants(case, random.Random(0), CorpusStats())
    assert get_operator("keywords-only").family is Family.KEYWORDS
    assert variant.family is Family.KEYWORDS
    assert variant.expectation.kind is ExpectationKind.SENSITIVE
    assert not variant.expectation.down and not variant.expectation.up
    assert [op.name for op in operators_for((Family.KEYWORDS,))] == ["keywords-only"]
    assert "keywords-only" not in {op.name for op in operators_for((Family.STRIP,))}


def test_keywords_only_keeps_negation_words():
    case = Case("q", "x", "I do not want opinion pieces.")
    (variant,) = get_operator("keywords-only").variants(case, random.Random(0), CorpusStats())
    assert "not" in words(variant.request.instruction)


def test_an_instruction_that_is_already_keywords_gives_no_variant():
    case = Case("q", "x", "tax rules changed")
    assert get_operator("keywords-only").variants(case, random.Random(0), CorpusStats()) == ()


@settings(max_examples=80, deadline=None)
@given(case=cases(), seed=seeds())
def test_keywords_only_never_adds_a_token_and_keeps_only_content_words(case, seed):
    op = get_operator("keywords-only")
    for variant in op.variants(case, random.Random(seed), CorpusStats()):
        before = Counter(words(case.instruction))
        after = Counter(words(variant.request.instruction))
        assert not after - before
        assert all(is_content_word(w) for w in after)


@settings(max_examples=30, deadline=None)
@given(drawn=operator_variants("keywords-only"))
def test_the_strategy_draws_sensitive_keyword_variants(drawn):
    _, variants = drawn
    for variant in variants:
        assert variant.family is Family.KEYWORDS
        assert variant.expectation.kind is ExpectationKind.SENSITIVE
