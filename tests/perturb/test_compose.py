import random

import pytest
from hypothesis import HealthCheck, given, settings

from instructprobe.perturb import (
    Case,
    CorpusStats,
    Expectation,
    ExpectationKind,
    Family,
    Order,
    RelevantDocument,
    get_operator,
)
from instructprobe.perturb.compose import combine, compose
from instructprobe.perturb.strategies import (
    composed_variants,
    operator_strategies,
    operator_variants,
)
from instructprobe.perturb.text import has_negation

CASE = Case(
    "q",
    "roth ira",
    "I need documents that explain contribution limits. Please focus on penalties.",
    (RelevantDocument("d1", "Roth IRA penalties apply to early withdrawals.", 1),),
)


def test_expectations_combine_by_kind():
    down = Expectation.directional(frozenset({"a"}))
    up = Expectation.directional(up=frozenset({"a", "b"}))
    assert (
        combine([Expectation.invariant(), Expectation.invariant()]).kind
        is ExpectationKind.INVARIANT
    )
    assert (
        combine([Expectation.invariant(), Expectation.reliance()]).kind is ExpectationKind.RELIANCE
    )
    mixed = combine([Expectation.reliance(), down, up])
    assert mixed.down == {"a"} and mixed.up == {"b"}
    sensitive = Expectation.sensitive()
    assert combine([Expectation.invariant(), sensitive]).kind is ExpectationKind.SENSITIVE
    assert combine([sensitive, Expectation.reliance()]).kind is ExpectationKind.RELIANCE
    assert combine([sensitive, down]).kind is ExpectationKind.DIRECTIONAL


def test_a_chain_with_a_keyword_step_belongs_to_the_keywords_family():
    chain = compose(get_operator("phrase-rules"), get_operator("keywords-only"))
    assert chain.family is Family.KEYWORDS
    (variant,) = chain.variants(CASE, random.Random(0), CorpusStats())
    assert variant.expectation.kind is ExpectationKind.SENSITIVE
    with_strip = compose(get_operator("keywords-only"), get_operator("strip-overlap"))
    assert with_strip.family is Family.STRIP


def test_paraphrase_then_flip_is_a_directional_negation():
    chain = compose(get_operator("phrase-rules"), get_operator("preference-flip"))
    assert chain.name == "phrase-rules+preference-flip" and chain.family is Family.NEGATION
    (variant,) = chain.variants(CASE, random.Random(0), CorpusStats())
    assert variant.expectation.down == {"d1"}
    assert has_negation(variant.request.instruction)
    assert variant.form == "phrase>preference-flip"
    assert dict(variant.params)["0.operator"] == "phrase-rules"


def test_order_survives_a_composition():
    chain = compose(get_operator("template-swap"), get_operator("case-noise"))
    (variant,) = chain.variants(CASE, random.Random(0), CorpusStats())
    assert variant.request.order is Order.QUERY_FIRST
    assert variant.request.instruction == CASE.instruction.lower()
    assert variant.family is Family.REORDER


def test_a_step_that_does_not_apply_ends_the_chain():
    chain = compose(get_operator("phrase-rules"), get_operator("model-paraphrase"))
    assert chain.variants(CASE, random.Random(0), CorpusStats()) == ()


def test_compose_needs_steps():
    with pytest.raises(ValueError):
        compose()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(drawn=composed_variants(max_length=3))
def test_compositions_never_raise_and_keep_their_promise(drawn):
    operator, case, variants = drawn
    for variant in variants:
        assert variant.family is operator.family
        assert variant.expectation.kind is operator.family.expectation_kind
        assert variant.request.query == case.query


def test_every_registered_operator_has_a_strategy():
    from instructprobe.perturb import operator_names

    assert set(operator_strategies()) == set(operator_names())


@settings(max_examples=30, deadline=None)
@given(drawn=operator_variants("exclusion-clause"))
def test_operator_strategy_draws_cases_and_their_variants(drawn):
    case, variants = drawn
    assert all(v.case_id == case.id for v in variants)
