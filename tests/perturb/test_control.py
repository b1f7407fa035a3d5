import random

from hypothesis import given, settings

from instructprobe.perturb import Case, CorpusStats, ExpectationKind, Family, get_operator
from instructprobe.perturb.control import typo
from instructprobe.perturb.strategies import cases, seeds
from instructprobe.perturb.text import has_negation, words

INSTRUCTION = (
    "I am not interested in opinion pieces about Tesla. I need reliable passages that explain "
    "battery degradation rates after 100000 miles of driving in cold climates."
)
CASE = Case("q", "battery degradation", INSTRUCTION)


def run(name, case=CASE, seed=0):
    return get_operator(name).variants(case, random.Random(seed), CorpusStats())


def test_typos_at_two_shares_spare_query_words_names_numbers_and_negations():
    variants = run("typos")
    assert [dict(v.params)["share"] for v in variants] == ["0.1", "0.25"]
    assert len(variants[0].edits) < len(variants[1].edits)
    for variant in variants:
        assert variant.family is Family.CONTROL
        assert variant.expectation.kind is ExpectationKind.INVARIANT
        text = variant.request.instruction
        for kept in ("not", "Tesla", "100000", "battery", "degradation"):
            assert kept in words(text) or kept in text
        for edit in variant.edits:
            assert edit.before != edit.after and len(words(edit.after)) == 1


def test_a_typo_changes_one_word_by_one_keystroke():
    rng = random.Random(0)
    for _ in range(200):
        changed = typo("passages", rng)
        assert abs(len(changed) - len("passages")) <= 1
        assert changed[0] == "p" and changed[-1] == "s"
    assert typo("cat", rng) == "cat"


def test_case_noise_lowercases_and_punctuation_noise_drops_punctuation():
    (lower,) = run("case-noise")
    assert lower.request.instruction == INSTRUCTION.lower()
    (bare,) = run("punctuation-noise")
    assert "." not in bare.request.instruction
    assert words(bare.request.instruction) == words(INSTRUCTION)


def test_apostrophes_inside_words_stay():
    (bare,) = run("punctuation-noise", Case("q", "x", "Don't list it, please."))
    assert bare.request.instruction == "Don't list it please"


@settings(max_examples=60, deadline=None)
@given(case=cases(), seed=seeds())
def test_control_noise_never_changes_polarity(case, seed):
    for name in ("typos", "case-noise", "punctuation-noise"):
        for variant in run(name, case, seed):
            assert has_negation(variant.request.instruction) == has_negation(case.instruction)
