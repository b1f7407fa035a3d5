import random
from collections import Counter

import pytest
from hypothesis import given, settings

from instructprobe.perturb import Case, CorpusStats, ExpectationKind, Family, get_operator
from instructprobe.perturb.recast import recast_text
from instructprobe.perturb.registry import operators_for, opt_in_names
from instructprobe.perturb.restate import (
    CALLS_FOR_HELP,
    GREETINGS,
    POLITE_SENTENCES,
    THANKS,
    need_first,
    polite,
    restate_text,
)
from instructprobe.perturb.strategies import instruction_texts, seeds, texts
from instructprobe.perturb.text import NEGATION_CUES, has_negation, words

PERSONA = "I am a healthcare consultant improving the patient experience at walk-in clinics."
REQUEST = "My search should focus on protocols that reduced wait times."


def moved(text: str, query: str = "wait times", original: str | None = None) -> str | None:
    return need_first(text, Case("q", query, text if original is None else original))


def test_the_opening_moves_after_the_request():
    assert moved(f"{PERSONA} {REQUEST}") == f"{REQUEST} {PERSONA}"


def test_a_request_after_a_phrase_that_sets_it_up_counts():
    request = "In my search, I will have to locate protocols that reduced wait times."
    assert moved(f"{PERSONA} {request}") == f"{request} {PERSONA}"


def test_every_block_after_the_opening_keeps_its_order():
    third = "Peer-reviewed studies are best."
    assert moved(f"{PERSONA} {REQUEST} {third}") == f"{REQUEST} {third} {PERSONA}"


@pytest.mark.parametrize(
    "instruction",
    [
        # one block: nothing to move
        f"{REQUEST}",
        # a dependent sentence stays with the one before it, so there is one block
        f"{REQUEST} It should be recent.",
        # the opening asks for something itself
        f"I am a nurse looking for dosing tables. {REQUEST}",
        # what follows is not the request
        f"{PERSONA} At present, I am working on the section about Asia.",
        # a pronoun could point back into the opening
        "I am a wine collector. Please help me find how to store its bottles.",
        "I am a consultant for two clinics. My search should focus on their wait times.",
        # "the"/"that"/"each" before a word of the opening
        "I am writing a novel set in Arkansas. I want to know where the novel's town lies.",
        # "the"/"each" before a noun that often stands for something named before
        "I am an investor in a high-tech startup. I need to know the company's leverage ratio.",
        "I teach the sales cycle. I'm looking for materials on customer behavior in each stage.",
        # "doing so" points back to the act the opening names (restate-held-out-6)
        "I plan to buy a wine cabinet. Before doing so, I want a definition of wine cabinets.",
        # what a factor contributes to, and what "thus" follows from (sentence_blocks keeps
        # the two sentences one block), the opening said (restate-held-out-8)
        "I treat patients with low sodium. I want to verify if the drug could be a factor.",
        "I am a new teacher of algebra. Thus, I need simple worked examples of equations.",
        # "during that era" points back to "the 17th century" (restate-held-out-12)
        "I am a novelist writing about Barbados in the 1600s. I want the hardships of that era.",
        # a connective follows on from the opening, and what is included goes into what the
        # opening named (restate-held-out-15)
        "I host live events. My search for what a livestream is therefore covers tools.",
        "I'm developing an exhibit on the brain. I'd like to include displays on reflexes.",
        # "other", "by including" and "my client" point back to the opening (near misses of
        # restate-held-out-19)
        "I have a vestibular disorder. I want to know what other underlying causes exist.",
        "I'm preparing a lesson on fractions. I want to enrich my students' learning by including "
        "real examples.",
        "I am a lawyer working for a client in Ohio. I want to know my client's rights.",
        # what is compared, the opening said (restate-held-out-22)
        "I teach 3D modelling in Blender and in Maya. I want studies that highlight the "
        "similarities and differences with a focus on shading.",
        # "my age" leans on the persona (final-guards-check: "Given my age, I want to find out
        # about the causes…" before "As a senior citizen…")
        "As a senior citizen, I feel spasms in my knee. Given my age, I want to learn about "
        "the usual triggers for people over 60.",
        # the request uses an abbreviation the opening spells out (reworded-held-out-3: "TI
        # allowances" before "tenant improvement (TI) allowances")
        "I am writing a dissertation on how tenant improvement (TI) allowances shape leases. "
        "I need articles on bargaining strategies for TI allowances.",
        # "To prepare," prepares for what the opening named (reworded-held-out-5)
        "My practice will soon care for a pregnant hedgehog. To prepare, I am seeking texts on "
        "hedgehog births.",
    ],
)
def test_the_opening_stays_where_a_move_could_break_the_text(instruction: str):
    assert moved(instruction) is None


def test_a_comparison_that_names_what_it_compares_can_move():
    opening = "I am a nurse on an adult medical ward."
    request = "I need the differences between ibuprofen and paracetamol doses for an adult."
    assert moved(f"{opening} {request}", query="ibuprofen adult dose") == f"{request} {opening}"


def test_that_before_a_general_noun_is_read_as_a_relative_pronoun():
    opening = "I am a nurse on an adult medical ward."
    request = "I need passages that state the maximum ibuprofen dose for an adult."
    assert moved(f"{opening} {request}", query="ibuprofen adult dose") == f"{request} {opening}"


def test_the_opening_stays_where_it_alone_names_the_querys_topic():
    text = (
        "I'm planning an outdoor wedding in Fort Worth next March. "
        "I need the average temperatures and the best time of day for guests."
    )
    assert moved(text, query="fort worth weather in march") is None
    assert moved(text, query="temperatures for guests") is not None


def test_the_opening_stays_where_it_asked_before_recast_reworded_it():
    original = (
        "I'm searching for IRS refund schedules as a finance app developer. "
        "Please add user notifications to the list."
    )
    recast = (
        "I'm hunting for IRS refund schedules as a finance app developer. "
        "Please add user notifications to the list."
    )
    assert moved(recast, query="user notifications", original=recast) is not None
    assert moved(recast, query="user notifications", original=original) is None


def test_polite_puts_an_opening_before_and_thanks_after():
    text = "I need dosing tables."
    framed = polite(text, random.Random(0))
    opening, _, rest = framed.partition(f" {text} ")
    assert opening in (*GREETINGS, *CALLS_FOR_HELP)
    assert rest in THANKS


def test_polite_never_asks_for_help_twice_nor_repeats_its_words():
    text = "I need dosing tables."
    called = 0
    for seed in range(20):
        assert not polite(f"Please help me find {text}", random.Random(seed)).startswith(
            CALLS_FOR_HELP
        )
        said = polite(text, random.Random(seed))
        opening, _, closing = said.partition(f" {text} ")
        if opening in CALLS_FOR_HELP:
            called += 1
            assert not set(words(opening)) & set(words(closing))
    assert called  # some seed drew a call for help, so the check above ran


def test_polite_asks_for_no_search_right_before_the_word_search():
    # "Could you help me with a search? My search should…" (borderline in restate-held-out-22
    # to -25)
    for text in ("My search should prioritize tides.", "I am searching for tide tables."):
        for seed in range(20):
            assert not polite(text, random.Random(seed)).startswith(CALLS_FOR_HELP)


def test_polite_adds_no_second_greeting_or_thanks():
    text = "Hello! I need dosing tables. Thank you."
    assert polite(text, random.Random(0)) == text


def test_restate_composes_recast_the_move_and_courtesy():
    case = Case("q", "x", f"{PERSONA} {REQUEST}")
    text, names = restate_text(case, random.Random(0))
    recast, _ = recast_text(case, random.Random(0))
    assert names[-2:] == ("need-first", "polite")
    assert "I'd like my search to concentrate on" in text or "Please concentrate on" in text
    assert text.split(" ", 1)[0] in {s.split(" ", 1)[0] for s in POLITE_SENTENCES}
    assert need_first(recast, case) is not None


def test_restate_is_a_default_invariant_paraphrase_and_deterministic_for_a_seed():
    assert "restate" not in opt_in_names()
    operator = get_operator("restate")
    assert operator.name in [op.name for op in operators_for((Family.PARAPHRASE,))]
    case = Case("q", "x", f"{PERSONA} {REQUEST}")
    first = operator.variants(case, random.Random(3), CorpusStats())
    again = operator.variants(case, random.Random(3), CorpusStats())
    assert first == again
    (variant,) = first
    assert variant.expectation.kind is ExpectationKind.INVARIANT
    assert variant.form == "restate"
    assert "polite" in dict(variant.params)["rewrites"].split(",")
    assert 0 < variant.strength <= 1


@settings(max_examples=60, deadline=None)
@given(instruction=texts() | instruction_texts(), seed=seeds())
def test_restate_keeps_every_word_of_recast_and_every_negation(instruction: str, seed: int):
    case = Case("q", "x", instruction)
    recast, _ = recast_text(case, random.Random(seed))
    for variant in get_operator("restate").variants(case, random.Random(seed), CorpusStats()):
        after = variant.request.instruction
        assert not Counter(words(recast)) - Counter(words(after))
        cues = Counter(w for w in words(instruction) if w in NEGATION_CUES)
        assert Counter(w for w in words(after) if w in NEGATION_CUES) == cues
        assert has_negation(after) == has_negation(instruction)
