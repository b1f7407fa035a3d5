import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from instructprobe.perturb.grammar import (
    FaultKind,
    GrammarFault,
    grammar_faults,
    wordnet_words,
)
from instructprobe.perturb.strategies import instruction_texts, texts

AUDITS_REJECTED = [
    # (original, paraphrase, the fault): recast variants the reading audits rejected for it
    (
        "I usually rely on my GPS, but it's been acting up lately.",
        "I typically rely on my GPS, but it is been acting up lately.",
        GrammarFault(FaultKind.BE_BEEN, "is been"),
    ),
    (
        "I want to find age-appropriate information that explains at what altitude cirrus "
        "clouds can usually be found.",
        "Please help me find age-appropriate details that describes at what altitude cirrus "
        "clouds can typically be found.",
        GrammarFault(FaultKind.AGREEMENT, "details that describes"),
    ),
    (
        "I am a healthcare blogger who focuses on innovative treatments in sexual medicine.",
        "As a healthcare blogger, I focuse on innovative treatments in sexual medicine.",
        GrammarFault(FaultKind.NON_WORD, "focuse"),
    ),
]

AUDITS_ACCEPTED = [
    # paraphrases the reading audits accepted: their agreement, verbs and words are English
    (
        "I need passages that describe the warning signs of a heart attack.",
        "I require texts that explain the warning signs of a heart attack.",
    ),
    (
        "I'm searching for resources focused on pet and baby interactions, prioritizing safety.",
        "Please help me find materials focused on pet and baby interactions, prioritising safety.",
    ),
    (
        "It's important for the documentation to be empathetic. It's been a hard year.",
        "It is important for the documentation to be empathetic. It has been a hard year.",
    ),
    (
        "The search should find sources that focus on the history of the region.",
        "The search ought to find texts that focus on the history of the region.",
    ),
    (
        "I need to search for the most current gas prices in Mount Gilead.",
        "Please help me look for the most current gas prices in Mount Gilead.",
    ),
]


@pytest.fixture(scope="module")
def known():
    found = wordnet_words()
    if found is None:
        pytest.skip("WordNet is not installed (make setup installs it)")
    return found


@pytest.mark.parametrize(("original", "paraphrase", "fault"), AUDITS_REJECTED)
def test_the_audits_grammar_faults_are_found(original, paraphrase, fault, known):
    assert grammar_faults(original, paraphrase, known) == (fault,)
    assert str(fault).startswith(fault.kind.value + ": ")


@pytest.mark.parametrize(("original", "paraphrase"), AUDITS_ACCEPTED)
def test_accepted_paraphrases_have_no_fault(original, paraphrase, known):
    assert grammar_faults(original, paraphrase, known) == ()


def test_a_fault_the_original_had_is_not_the_paraphrasers(known):
    original = "The reports that describes it is been lost, says the focuse group."
    paraphrase = "The reports that describes it is been lost, the focuse group says."
    assert grammar_faults(original, paraphrase, known) == ()


def test_without_a_word_list_non_words_are_not_checked():
    original, paraphrase, _ = AUDITS_REJECTED[2]
    assert grammar_faults(original, paraphrase) == ()
    original, paraphrase, fault = AUDITS_REJECTED[0]
    assert grammar_faults(original, paraphrase) == (fault,)


def test_british_spellings_and_modals_are_words(known):
    original = "The search should prioritize studies analyzing the data."
    paraphrase = "The search ought to prioritise studies analysing the data."
    assert grammar_faults(original, paraphrase, known) == ()


@settings(max_examples=150, deadline=None)
@given(st.one_of(texts(), instruction_texts()))
def test_a_text_against_itself_has_no_new_fault(text):
    assert grammar_faults(text, text, lambda word: False) == ()


def test_without_wordnet_there_is_no_word_list_and_no_warning(monkeypatch, recwarn):
    import nltk

    def missing(*args, **kwargs):
        raise LookupError("no wordnet here")

    monkeypatch.setattr(nltk.data, "find", missing)
    assert wordnet_words() is None
    assert not [w for w in recwarn if "WordNet" in str(w.message)]
