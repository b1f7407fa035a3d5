import random
from collections import Counter

import pytest
from hypothesis import given, settings

from instructprobe.perturb import Case, CorpusStats, get_operator
from instructprobe.perturb.restructure import (
    changed_share,
    first_person,
    restructure_edits,
)
from instructprobe.perturb.strategies import instruction_texts, seeds, texts
from instructprobe.perturb.text import NEGATION_CUES, content_words, stem, words


def restructured(instruction: str, seed: int = 0) -> str:
    (variant,) = get_operator("restructure").variants(
        Case("q", "x", instruction), random.Random(seed), CorpusStats()
    )
    return variant.request.instruction


@pytest.mark.parametrize(
    ("instruction", "expected"),
    [
        (
            "I am a nurse who needs dosing tables.",
            "As a nurse, I need dosing tables.",
        ),
        (
            "I'm an event coordinator who has to calculate box volumes.",
            "As an event coordinator, I have to calculate box volumes.",
        ),
        (
            "As a professional photographer, I plan to visit Stanton.",
            "I am a professional photographer, and I plan to visit Stanton.",
        ),
        (
            "I am a political science student, and I'm conducting research on wages.",
            "As a political science student, I'm conducting research on wages.",
        ),
        (
            "I am a teacher, and I have a class of thirty.",
            "As a teacher, I have a class of thirty.",
        ),
        (
            "I am a dietitian crafting a meal plan for clients.",
            "As a dietitian, I am crafting a meal plan for clients.",
        ),
        (
            "I am a botanical illustrator. I want to depict leaf miners.",
            "As a botanical illustrator, I want to depict leaf miners.",
        ),
        (
            # "who" belongs to the character, and stays with it
            "I am an author writing a character who is a heart surgeon.",
            "As an author, I am writing a character who is a heart surgeon.",
        ),
        (
            # a participle phrase after a comma is the persona's either way
            "I am a retiree who recently relocated to Las Vegas, looking to enjoy the pools.",
            "As a retiree, I recently relocated to Las Vegas, looking to enjoy the pools.",
        ),
        (
            # the verb's own complement, not a participle phrase of the persona
            "I am an office worker who recently started experiencing pain in my hip.",
            "As an office worker, I recently started experiencing pain in my hip.",
        ),
        (
            "My search should target peer-reviewed studies.",
            "I want my search to target peer-reviewed studies.",
        ),
        (
            "I'm looking for official nutrition data.",
            "What I'm looking for is official nutrition data.",
        ),
    ],
)
def test_each_rewrite(instruction: str, expected: str) -> None:
    assert restructured(instruction) == expected


def test_search_should_becomes_a_request_or_a_wish() -> None:
    seen = {restructured("The search should prioritize recent trials.", s) for s in range(12)}
    assert seen == {
        "Please prioritize recent trials.",
        "I want the search to prioritize recent trials.",
    }


@pytest.mark.parametrize(
    "instruction",
    [
        # a persona's "my" would dangle after "As a …,"
        "I am an architect, and my project is a cabin.",
        "I am an architect. My project is a cabin.",
        # a second "and" would run three clauses together
        "As a planner, I book venues, and I'm comparing prices.",
        # the cleft would swallow the second clause
        "I'm looking for ratings, and reviews matter too.",
        # a participle inside the persona is not where the persona ends
        "I am a working mother planning meals.",
        # "who" with a verb whose person is unclear
        "I am a teacher who run a club.",
        # a second verb in the third person
        "I am a cook who roasts and grills chicken.",
        # ... also after a comma (paraphrase-held-out-18: "As a truck driver, I often pass
        # through Laurinburg, NC, and faces…")
        "I am a truck driver who frequently passes through Laurinburg, NC, and faces delays.",
        # an adverb ends the persona's words (paraphrase-held-out-18: "a nutritionist always")
        "I am a nutritionist always looking to recommend supplements.",
        # paraphrase-held-out-21: "As a hobbyist, I refurbish old furniture and sells them"
        "I am a hobbyist who refurbishes old furniture and sells them online.",
        # restate-held-out-14: "Please concentrate on …, ensuring it excludes…"
        "My search should focus on health forums, ensuring it excludes other conditions.",
        # a participle phrase after a past "who" clause would hang off the past verb
        # (filter-held-out: "As a veteran, I served at Casey base returning for a reunion")
        "I am a veteran who served at Casey base returning for a reunion.",
        # ... and after a comma, whatever the tense (paraphrase-held-out-28: "As a pet owner, I
        # travel often, looking for…")
        "I'm a pet owner who travels frequently, looking for a home security solution.",
        # a perfect tense that leaves the role (filter-held-out-2: "As a student, I have just
        # graduated and moved to a new town")
        "I am a student who has just graduated and moved to a new town.",
        "I am a teacher who has retired from my school.",
        # the first participle makes a compound with the noun after it (paraphrase-held-out-22:
        # "As a creative, I am writing student…", "As a firefighter, I am training coordinator…")
        "I am a creative writing student searching for inspiration.",
        "I am a firefighter training coordinator searching for case studies.",
        # "who" may belong to the second noun
        "I am a caregiver for my father who was recently diagnosed.",
        # a phrasal verb
        "I'm seeking out industry-specific studies.",
        # "I want my search to…" would weaken "must"
        "My search must cover tariffs.",
        # a clause inside what is looked for
        "I'm looking for maps to give my readers.",
        # "As a part of…" names no person (paraphrase-held-out-32: "I am a part of my mobile
        # app development, and I am adding a feature")
        "As a part of my mobile app development, I am adding a feature for maps.",
        "As a first step, I need maps of the county.",
        # what befell the person (paraphrase-held-out-34: "As a professional herbalist, I have
        # a cold")
        "I am a professional herbalist, and I have a cold.",
        "I am a personal trainer, and I've developed a cold.",
    ],
)
def test_ambiguous_frames_are_left_alone(instruction: str) -> None:
    assert restructure_edits(instruction, random.Random(0)) == []


@pytest.mark.parametrize(
    ("verb", "first"),
    [
        ("needs", "need"),
        ("has", "have"),
        ("studies", "study"),
        ("specializes", "specialize"),
        ("buzzes", "buzz"),
        ("teaches", "teach"),
        ("wanted", "wanted"),
        ("must", "must"),
        ("run", None),
        ("discuss", None),
        ("focuses", None),
    ],
)
def test_first_person(verb: str, first: str | None) -> None:
    assert first_person(verb) == first


FRAME = {stem(w) for w in ("am", "who", "as", "search", "should", "want", "please", "what")}


@settings(max_examples=80, deadline=None)
@given(instruction=texts() | instruction_texts(), seed=seeds())
def test_restructure_keeps_every_content_word_and_negation(instruction: str, seed: int) -> None:
    for name in ("restructure",):
        for variant in get_operator(name).variants(
            Case("q", "x", instruction), random.Random(seed), CorpusStats()
        ):
            after = variant.request.instruction
            kept = {stem(w) for w in content_words(after)}
            assert {stem(w) for w in content_words(instruction)} - FRAME <= kept | FRAME
            cues = Counter(w for w in words(instruction) if w in NEGATION_CUES)
            assert Counter(w for w in words(after) if w in NEGATION_CUES) == cues


def test_rewrite_restructures_and_rewrites_phrases() -> None:
    instruction = "I am a nurse who needs passages about dosing. I'm looking for official tables."
    (variant,) = get_operator("rewrite").variants(
        Case("q", "x", instruction), random.Random(0), CorpusStats()
    )
    after = variant.request.instruction
    assert after.startswith("As a nurse, I need")
    assert "dosing" in after and "official tables" in after
    assert variant.form == "rewrite"
    assert variant.strength == pytest.approx(changed_share(instruction, after))
    assert 0.0 < variant.strength < 1.0


def test_changed_share() -> None:
    assert changed_share("a b c d", "a b c d") == 0.0
    assert changed_share("a b c d", "a x c d") == 0.25
    assert changed_share("", "a") == 0.0
