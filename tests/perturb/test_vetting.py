import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from instructprobe.perturb import get_operator
from instructprobe.perturb.strategies import instruction_texts, texts
from instructprobe.perturb.vetting import (
    EXACT_ALIGNMENT,
    LONGEST_STRETCH,
    Substitution,
    normalised_words,
    unvetted_substitutions,
    without_courtesy,
)

ISSUE_14_SUBSTITUTIONS = [
    # (original, paraphrase, the new word the check must name): issue 14's rejected examples
    (
        "I am analyzing social media activity of teenagers.",
        "I am analysing societal media activity of teenagers.",
        "societal",
    ),
    (
        "I need reviews written over the years by travellers.",
        "I need reviews written over the old age by travellers.",
        "age",
    ),
    (
        "I need guidance to ensure we have the right permits.",
        "I need guidance to insure we have the right permits.",
        "insure",
    ),
    (
        "I am looking for craft material suppliers near Leeds.",
        "I am looking for trade stuff suppliers near Leeds.",
        "stuff",
    ),
    (
        "My boss insists on official statistics.",
        "My foreman insists on official statistics.",
        "foreman",
    ),
    (
        "I want extreme sports destinations in Europe.",
        "I want extreme sports goals in Europe.",
        "goals",
    ),
    (
        "I need honest reviews of products for runners.",
        "I need honest reviews of merchandises for runners.",
        "merchandises",
    ),
    (
        "Documents should list the parking facilities near the stadium.",
        "Documents should list the parking installations near the stadium.",
        "installations",
    ),
    (
        "I am after hidden gems in Lisbon.",
        "I am after concealed gems in Lisbon.",
        "concealed",
    ),
    (
        "The hotel has been recommended to me by friends.",
        "The hotel has been advocated to me by friends.",
        "advocated",
    ),
]

VETTED_REWRITES = [
    # a phrase rule ("I am looking for" -> "I'm searching for", "should" -> "ought to", ...)
    (
        "I am looking for articles that explain how to prune roses.",
        "I'm searching for articles that explain how to prune roses.",
    ),
    (
        "The documents should prioritize recent studies.",
        "The documents ought to prioritise recent studies.",
    ),
    ("I need to find a detailed guide.", "I need to locate an in-depth guide."),
    # restructuring frames ("I am a nurse who needs" -> "As a nurse, I need", "Please")
    (
        "I am a nurse who needs dosing tables for children.",
        "As a nurse, I need dosing tables for children.",
    ),
    ("My search should focus on peer-reviewed trials.", "Please focus on peer-reviewed trials."),
    (
        "My search should prioritize official sources.",
        "I'd like my search to prioritise official sources.",
    ),
    (
        "I am looking for official nutrition data.",
        "What I'm looking for is official nutrition data.",
    ),
    # recast's passive, also with its modal then rewritten by a rule
    (
        "My search should prioritize official sources.",
        "Priority ought to be given to official sources.",
    ),
    ("The search must favour recent data.", "Preference must be given to recent data."),
    ("My search will emphasize maps.", "Emphasis will be placed on maps."),
    # deleting words or moving them brings in nothing
    ("Recent studies, ideally from Europe.", "Recent studies."),
    ("Cheap flights to Rome.", "Rome, cheap flights to."),
]


@pytest.mark.parametrize(("original", "paraphrase", "word"), ISSUE_14_SUBSTITUTIONS)
def test_the_issues_out_of_context_synonyms_are_unvetted(original, paraphrase, word):
    found = unvetted_substitutions(original, paraphrase)
    assert found and any(word in s.after.split() for s in found)


@pytest.mark.parametrize(("original", "paraphrase"), VETTED_REWRITES)
def test_rewrites_of_the_phrase_rules_and_frames_are_vetted(original, paraphrase):
    assert unvetted_substitutions(original, paraphrase) == ()


def test_the_passive_vets_only_what_it_writes():
    # "preference" is the passive of favor, not of prioritize
    found = unvetted_substitutions(
        "My search should prioritize maps.", "Preference should be given to maps."
    )
    assert found and "preference" in found[0].after.split()


def test_a_vetted_rewrite_beside_an_unvetted_word_does_not_vet_it():
    found = unvetted_substitutions(
        "I am looking for expert insights on budgets.",
        "I'm searching for expert penetrations on budgets.",
    )
    assert found == (
        Substitution("looking for expert insights", "searching for expert penetrations"),
    )
    assert str(found[0]) == "looking for expert insights -> searching for expert penetrations"


def test_distant_substitutions_are_named_apart():
    found = unvetted_substitutions(
        "My boss wants a short summary of the budget figures for the board next week.",
        "My foreman wants a short summary of the budget figures for the board next hebdomad.",
    )
    assert found == (Substitution("boss", "foreman"), Substitution("week", "hebdomad"))


def test_words_are_normalised_for_alignment():
    assert normalised_words("I'm sure it's an idea we'd like, isn't it") == [
        "i", "am", "sure", "it", "is", "a", "idea", "we", "would", "like", "is", "not", "it",
    ]  # fmt: skip


def test_a_changed_stretch_too_long_to_split_is_reported_whole():
    original = " ".join(["alpha"] * (LONGEST_STRETCH + 10)) + "."
    paraphrase = " ".join(["omega"] * (LONGEST_STRETCH + 10)) + "."
    (found,) = unvetted_substitutions(original, paraphrase)
    assert found.after.split()[0] == "omega"


def test_a_long_instruction_is_aligned_too():
    sentence = "Sources on {} should come from the official registers of {}."
    original = " ".join(sentence.format(f"site{i}", f"town{i}") for i in range(80))
    original += " I also need maps of the old castle near town7."
    paraphrase = original.replace("the old castle", "the old fortress")
    assert len(normalised_words(original)) > EXACT_ALIGNMENT
    assert unvetted_substitutions(original, paraphrase) == (Substitution("castle", "fortress"),)


DEFAULT_WORD_LEVEL = (
    "phrase-rules",
    "restructure",
    "rewrite",
    "graded-paraphrase",
    "recast",
    "restate",
)
"""The default word-level paraphrasers, and recast and restate, whose phrasebook, frames, moves
and courtesy are vetted too."""


@pytest.mark.parametrize("name", DEFAULT_WORD_LEVEL)
def test_the_default_paraphrasers_bring_in_only_vetted_words(name, starter):
    from instructprobe.probes.plan import case_for, corpus_stats

    operator, stats = get_operator(name), corpus_stats(starter)
    made = 0
    for query in starter.queries:
        case = case_for(query, starter)
        for variant in operator.variants(case, random.Random(0), stats):
            made += 1
            assert unvetted_substitutions(case.instruction, variant.request.instruction) == ()
    assert made > 0


@settings(max_examples=150, deadline=None)
@given(st.one_of(texts(), instruction_texts()))
def test_a_text_against_itself_or_its_first_words_brings_in_nothing(text):
    assert unvetted_substitutions(text, text) == ()
    first_words = " ".join(text.split()[: len(text.split()) // 2])
    assert unvetted_substitutions(text, first_words) == ()


@settings(max_examples=150, deadline=None)
@given(st.one_of(texts(), instruction_texts()), st.one_of(texts(), instruction_texts()))
def test_never_raises_on_any_pair_of_strings(original, paraphrase):
    for found in unvetted_substitutions(original, paraphrase):
        assert isinstance(found, Substitution)


@pytest.mark.parametrize(
    ("original", "paraphrase"),
    [
        ("I need to compare mortgage rates.", "I need a comparison of mortgage rates."),
        ("Documents should analyze the causes.", "I want an analysis of the causes."),
        ("Sources must discuss side effects.", "Side effects must be discussed."),
    ],
)
def test_a_word_turned_into_its_noun_or_passive_is_not_new(original, paraphrase):
    assert unvetted_substitutions(original, paraphrase) == ()


@pytest.mark.parametrize(
    ("original", "paraphrase"),
    [
        # recast's frame: "help me know" is written "help me find out", which a rule may
        # then rewrite; "I am searching for" becomes "Please help me find", after which the
        # "find documents" rule may write "find passages"
        ("I need to know how to prune roses.", "Please help me discover how to prune roses."),
        (
            "I am searching for documents with geological evidence.",
            "Please help me find passages with geological evidence.",
        ),
        # a persona restructured ("who prefers" -> "I prefer"), then recast's "prefer" rule
        (
            "I am a DIY enthusiast who prefers step-by-step guidance.",
            "As a DIY enthusiast, I favor step-by-step guidance.",
        ),
        # recast's "I'm interested in finding" -> "I would like to find", then the rule
        # "I would like to find" -> "I wish to find" (the fresh reading's wrong drops)
        (
            "I'm interested in finding region-specific suggestions for dry eyes.",
            "I wish to find region-specific suggestions for dry eyes.",
        ),
        (
            "I'm keen on finding documents on mycorrhizae.",
            "I wish to find documents on mycorrhizae.",
        ),
        # restructure's "Please" for "My search should", then "please return" -> "please
        # retrieve"
        (
            "My search should return documents or images from the time period.",
            "Please retrieve documents or images from the time period.",
        ),
    ],
)
def test_what_a_frame_wrote_and_a_rule_rewrote_is_vetted(original, paraphrase):
    assert unvetted_substitutions(original, paraphrase) == ()


def test_a_frame_verbs_rule_needs_the_frame_verb_before_it():
    found = unvetted_substitutions(
        "I am searching for documents with geological evidence.",
        "I am searching for passages with geological evidence.",
    )
    assert found == (Substitution("documents", "passages"),)


@pytest.mark.parametrize(
    ("original", "paraphrase", "word"),
    [
        # a frame's words do not vet a word no rule wrote after them
        ("I'm interested in finding documents on it.", "I yearn to find documents on it.", "yearn"),
        ("My search should return documents on it.", "Please grab documents on it.", "grab"),
    ],
)
def test_a_frame_does_not_vet_a_word_no_rule_wrote(original, paraphrase, word):
    (found,) = unvetted_substitutions(original, paraphrase)
    assert word in found.after


def test_restates_courtesy_and_moved_opening_bring_in_nothing():
    original = (
        "I am a nurse on a night shift. I need to find dosing tables for adults, "
        "prioritizing official guidelines."
    )
    restated = (
        "Hi there! Please help me find dosing tables for adults, giving priority to official "
        "guidelines. I'm a nurse on a night shift. Thanks in advance!"
    )
    assert unvetted_substitutions(original, restated) == ()


def test_only_restates_own_sentences_count_as_courtesy():
    original = "I need to find dosing tables for adults."
    assert without_courtesy("Hi! I need to find dosing tables for adults. Thank you!") == original
    signed = "Hi! I need to find dosing tables for adults. Kind regards, Maria."
    assert without_courtesy(signed) == f"{original} Kind regards, Maria."
    assert unvetted_substitutions(original, signed) != ()


def test_a_moved_opening_is_aligned_back_only_to_vet_words():
    original = "I am a nurse. I need dosing tables for adults."
    swapped_with_a_synonym = "I need dosing tables for grown-ups. I am a nurse."
    assert unvetted_substitutions(original, swapped_with_a_synonym) != ()
