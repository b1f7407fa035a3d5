import random
from collections import Counter

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from instructprobe.perturb import (
    Case,
    CorpusStats,
    CuratedChange,
    Expectation,
    ExpectationKind,
    Family,
    Order,
    RelevantDocument,
    get_operator,
    operator_names,
    operators_for,
    perturb_case,
)
from instructprobe.perturb.registry import opt_in_names
from instructprobe.perturb.strategies import cases
from instructprobe.perturb.text import has_negation, stem, tokens, words

INSTRUCTION = (
    "I am a nurse on an adult ward. I need documents that explain the maximum daily dose. "
    "Please retrieve passages, specifically from clinical guidance."
)
CASE = Case(
    "q1",
    "ibuprofen adult dose",
    INSTRUCTION,
    (
        RelevantDocument(
            "d1", "Adults take 200 to 400 mg of ibuprofen every four hours with food.", 2
        ),
        RelevantDocument("d2", "The maximum daily dose of ibuprofen for adults is 1200 mg.", 1),
    ),
    (
        CuratedChange(
            "negated",
            INSTRUCTION + " Skip food advice.",
            Expectation.directional(frozenset({"d1"})),
        ),
    ),
)

LONG = "I need documents that discuss penalties. It must include the 2024 rules. " * 1370


@pytest.mark.parametrize("name", operator_names())
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases(), seed=st.integers(0, 2**32))
@example(case=Case("q", "", ""), seed=0)
@example(case=Case("q", " \t\n", " \t\n"), seed=0)
@example(case=Case("q", "dose", "x\x00y. z\u200f\u05d0\u05d1. e\u0301 \U0001f600."), seed=0)
@example(case=Case("q", "a", "Find documents. " * 6250), seed=1)
@example(case=Case("q", "rules", LONG, (RelevantDocument("d", "penalties rules", 1),)), seed=2)
def test_no_operator_raises_on_any_text(name, case, seed):
    """Empty, whitespace, 100k characters, NUL, right-to-left, combining marks, emoji."""
    variants = get_operator(name).variants(case, random.Random(seed), CorpusStats())
    op = get_operator(name)
    for v in variants:
        assert v.case_id == case.id
        assert v.request.query == case.query
        assert v.family is op.family and v.operator == op.name
        assert v.expectation.kind is op.family.expectation_kind
        assert 0.0 <= v.strength <= 1.0


@pytest.mark.parametrize("name", operator_names())
def test_operators_are_deterministic_for_a_seed(name):
    op = get_operator(name)
    first = perturb_case(CASE, (op,), seed=7)
    assert first == perturb_case(CASE, (op,), seed=7)


def test_paraphrase_rewrites_phrases_and_keeps_query_words_and_polarity():
    (variant,) = get_operator("phrase-rules").variants(CASE, random.Random(0), CorpusStats())
    assert variant.expectation.kind is ExpectationKind.INVARIANT
    assert variant.request.instruction != INSTRUCTION
    assert {"ibuprofen", "adult", "dose"} & set(words(INSTRUCTION)) <= set(
        words(variant.request.instruction)
    )
    assert has_negation(variant.request.instruction) == has_negation(INSTRUCTION)
    assert 0 < variant.strength <= 1
    assert all(e.before.lower() != e.after.lower() for e in variant.edits)


def test_paraphrase_keeps_capitalisation_at_sentence_start():
    case = Case("q", "x", "Please retrieve documents.")
    (variant,) = get_operator("phrase-rules").variants(case, random.Random(0), CorpusStats())
    assert variant.request.instruction[0].isupper()


def test_exclusion_clause_names_a_term_of_some_relevant_documents():
    narrowable = Case(
        CASE.id,
        CASE.query,
        INSTRUCTION,
        (
            *CASE.relevant,
            RelevantDocument(
                "d3", "Heartburn is common; take ibuprofen after meals for heartburn.", 1
            ),
        ),
    )
    (variant,) = get_operator("exclusion-clause").variants(
        narrowable, random.Random(0), CorpusStats()
    )
    term = dict(variant.params)["term"]
    assert has_negation(variant.request.instruction)
    assert variant.request.instruction.startswith(INSTRUCTION)
    assert term not in words(CASE.query) + words(INSTRUCTION)
    down = variant.expectation.down
    assert down and down < {"d1", "d2", "d3"}, "excludes some but not all relevant documents"
    assert all(term in words(d.text) for d in narrowable.relevant if d.id in down)


def test_exclusion_clause_is_not_made_with_one_relevant_document_and_no_corpus():
    single = Case("q", CASE.query, INSTRUCTION, CASE.relevant[:1])
    assert get_operator("exclusion-clause").variants(single, random.Random(0), CorpusStats()) == ()


def test_curated_changes_carry_their_qrels_expectation():
    (variant,) = get_operator("curated").variants(CASE, random.Random(0), CorpusStats())
    assert variant.form == "negated"
    assert variant.expectation.down == {"d1"}


def test_template_swap_only_changes_the_order():
    (variant,) = get_operator("template-swap").variants(CASE, random.Random(0), CorpusStats())
    assert variant.request.order is Order.QUERY_FIRST
    assert variant.request.instruction == INSTRUCTION


def test_sentence_shuffle_keeps_the_token_multiset():
    (variant,) = get_operator("sentence-shuffle").variants(CASE, random.Random(0), CorpusStats())
    assert variant.request.instruction != INSTRUCTION
    assert Counter(words(variant.request.instruction)) == Counter(words(INSTRUCTION))


@settings(max_examples=100, deadline=None)
@given(case=cases())
def test_strip_never_adds_tokens_and_keeps_query_words(case):
    for v in get_operator("strip-overlap").variants(case, random.Random(0), CorpusStats()):
        before, after = Counter(words(case.instruction)), Counter(words(v.request.instruction))
        assert not after - before
        relevant = {stem(w) for d in case.relevant for w in words(d.text)}
        removed = before - after
        assert all(stem(w) in relevant for w in removed)


def test_strip_removes_words_shared_with_relevant_documents():
    (variant,) = get_operator("strip-overlap").variants(CASE, random.Random(0), CorpusStats())
    stripped = words(variant.request.instruction)
    assert "maximum" not in stripped and "daily" not in stripped
    assert "dose" in stripped, "query words are never stripped"
    assert variant.expectation.kind is ExpectationKind.RELIANCE


def test_every_family_has_operators_and_every_operator_a_one_line_summary():
    for family in Family:
        assert operators_for((family,), opt_in_names()), family
    # the exclusion clause is the one generated negation a run makes by default; the two that
    # negate the need itself stay opt-in
    assert [op.name for op in operators_for((Family.NEGATION,))] == ["exclusion-clause"]
    assert {"predicate-negation", "preference-flip"} <= set(opt_in_names())
    for name in operator_names():
        summary = get_operator(name).summary
        assert summary and "\n" not in summary and len(summary) <= 100, name


def test_operators_for_selects_families():
    ops = operators_for((Family.REORDER,))
    assert {op.name for op in ops} == {"template-swap", "sentence-shuffle"}


def test_unknown_operator_lists_the_known_ones():
    with pytest.raises(LookupError, match="phrase-rules"):
        get_operator("nope")


def test_tokens_report_their_spans():
    text = "Hello, wörld’s 42!"
    assert [text[t.start : t.end] for t in tokens(text)] == ["Hello", "wörld’s", "42"]


def test_curated_operators_split_curated_changes_by_expectation_kind():
    paraphrased = CuratedChange(
        "paraphrase", "Retrieve adult dosing guidance.", Expectation.invariant()
    )
    case = Case(CASE.id, CASE.query, CASE.instruction, CASE.relevant, (*CASE.curated, paraphrased))
    (para,) = get_operator("curated-paraphrase").variants(case, random.Random(0), CorpusStats())
    assert para.family is Family.CURATED_PARAPHRASE and para.form == "paraphrase"
    assert para.request.instruction == "Retrieve adult dosing guidance."
    negations = get_operator("curated").variants(case, random.Random(0), CorpusStats())
    assert [v.form for v in negations] == ["negated"]
