import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from instructprobe.perturb.grammar import (
    FaultKind,
    GrammarFault,
    grammar_faults,
    wordnet_compounds,
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
    # rejected in the fresh reading of today's paraphrasers (benchmarks/audit/filter-held-out)
    (
        'I want to write a post that explains the concept of "technology world" to my '
        "audience, which ranges from tech-savvy readers to novices.",
        'I would like to write a post that describes the idea of "technology world" to my '
        "readers, which ranges from tech-savvy readers to novices.",
        GrammarFault(FaultKind.AGREEMENT, "readers which ranges"),
    ),
    (
        "The goal is to serve them perfectly roasted and ready at the same time as the main "
        "courses.",
        "The goal is to serve them perfectly roasted and ready at the same time as the "
        "primary courses.",
        GrammarFault(FaultKind.BROKEN_COMPOUND, "main courses -> primary courses"),
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
    # the fresh reading: the author's own agreement, with another verb in it
    (
        "I am an architecture student working on my thesis, which focuses on the evolution "
        "of commercial building designs.",
        "I'm an architecture student working on my thesis, which concentrates on the "
        "evolution of commercial building designs.",
    ),
    (
        "I'm looking for patient-focused literature, such as those provided by health "
        "organizations, that explains why GERD might cause a cough.",
        "I am searching for patient-focused literature, such as those provided by health "
        "organizations, that describes why GERD might cause a cough.",
    ),
    (
        "However, I need to negotiate a corporate package and discuss long-term "
        "collaborations, which requires direct communication.",
        "Nevertheless, I need to negotiate a corporate package and address long-term "
        "collaborations, which needs direct communication.",
    ),
    # a compound kept whole, or a word beside it rewritten ("relevant time period")
    (
        "Please return documents from the relevant time period, and case studies.",
        "Please retrieve documents from the applicable time period, and case studies.",
    ),
]


@pytest.fixture(scope="module")
def known():
    found = wordnet_words()
    if found is None:
        pytest.skip("WordNet is not installed (make setup installs it)")
    return found


@pytest.fixture(scope="module")
def compound(known):
    found = wordnet_compounds()
    assert found is not None
    return found


@pytest.mark.parametrize(("original", "paraphrase", "fault"), AUDITS_REJECTED)
def test_the_audits_grammar_faults_are_found(original, paraphrase, fault, known, compound):
    assert grammar_faults(original, paraphrase, known, compound) == (fault,)
    assert str(fault).startswith(fault.kind.value + ": ")


@pytest.mark.parametrize(("original", "paraphrase"), AUDITS_ACCEPTED)
def test_accepted_paraphrases_have_no_fault(original, paraphrase, known, compound):
    assert grammar_faults(original, paraphrase, known, compound) == ()


def test_a_plural_brought_next_to_the_authors_singular_verb_is_a_fault():
    # the same verb, but the noun before it is new and plural
    original = "I need the literature, which explains the dose."
    paraphrase = "I need the studies, which explains the dose."
    assert grammar_faults(original, paraphrase) == (
        GrammarFault(FaultKind.AGREEMENT, "studies which explains"),
    )


def test_a_compound_is_broken_only_by_a_content_word_into_a_non_compound(compound):
    # "looking for" is a WordNet noun too, but not a compound of two content words
    assert compound("main", "courses") and compound("case", "study")
    kept_whole = ("I am looking for case studies.", "I am searching for case studies.")
    assert grammar_faults(*kept_whole, compound=compound) == ()
    into_another = ("Find the high school.", "Find the secondary school.")
    assert compound("secondary", "school")
    assert grammar_faults(*into_another, compound=compound) == ()
    broken = ("Find the case studies.", "Find the instance studies.")
    assert grammar_faults(*broken, compound=compound) == (
        GrammarFault(FaultKind.BROKEN_COMPOUND, "case studies -> instance studies"),
    )


def test_without_a_compound_list_compounds_are_not_checked():
    original, paraphrase, _ = AUDITS_REJECTED[4]
    assert grammar_faults(original, paraphrase) == ()


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
    assert grammar_faults(text, text, lambda word: False, lambda first, second: True) == ()


def test_without_wordnet_there_is_no_word_list_and_no_warning(monkeypatch, recwarn):
    import nltk

    def missing(*args, **kwargs):
        raise LookupError("no wordnet here")

    monkeypatch.setattr(nltk.data, "find", missing)
    assert wordnet_words() is None
    assert wordnet_compounds() is None
    assert not [w for w in recwarn if "WordNet" in str(w.message)]
