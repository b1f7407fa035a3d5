import random
from collections import Counter

import pytest
from hypothesis import given, settings

from instructprobe.perturb import Case, CorpusStats, Family, get_operator
from instructprobe.perturb.recast import (
    as_to_being,
    frame_edits,
    from_imperative,
    from_interested,
    nominalise,
    persona_doing,
    recast_text,
    to_help,
    to_passive,
)
from instructprobe.perturb.recast_phrases import RECAST_RULES
from instructprobe.perturb.registry import operators_for, opt_in_names
from instructprobe.perturb.restructure import changed_share
from instructprobe.perturb.strategies import instruction_texts, seeds, texts
from instructprobe.perturb.text import NEGATION_CUES, has_negation, words


def recast(instruction: str, query: str = "x", seed: int = 0) -> str:
    text, _ = recast_text(Case("q", query, instruction), random.Random(seed))
    return text


@pytest.mark.parametrize(
    ("frame", "sentence", "expected"),
    [
        (to_help, "I need to find dosing tables.", "Please help me find dosing tables."),
        (to_help, "I want to know the county.", "Please help me find out the county."),
        (
            to_help,
            "Additionally, I'm searching for preventive measures.",
            "Additionally, please help me find preventive measures.",
        ),
        (to_help, "I am looking for reviews of X.", "Please help me find reviews of X."),
        (
            to_help,
            "I'm looking for a search tool that shows the time.",
            "Please help me find a search tool that shows the time.",
        ),
        (
            persona_doing,
            "I am a real estate investor looking at trends.",
            "As a real estate investor, I am looking at trends.",
        ),
        (
            from_interested,
            "I'm interested in learning about tides.",
            "I would like to learn about tides.",
        ),
        (as_to_being, "As a nurse, I need tables.", "Being a nurse, I need tables."),
        (
            from_imperative,
            "Find documents that list doses.",
            "I'm looking for documents that list doses.",
        ),
        (from_imperative, "Focus on adult doses.", "Please focus on adult doses."),
        (
            nominalise,
            "I need to compare the HbA1c targets of two countries.",
            "I need a comparison of the HbA1c targets of two countries.",
        ),
        (
            nominalise,
            "As a nurse, I want to understand how doses are set.",
            "As a nurse, I want an understanding of how doses are set.",
        ),
        (
            nominalise,
            "I want to understand my condition, and better ways to manage it.",
            "I want an understanding of my condition, and better ways to manage it.",
        ),
    ],
)
def test_each_frame(frame, sentence: str, expected: str) -> None:
    assert frame(sentence) == expected


@pytest.mark.parametrize(
    ("frame", "sentence"),
    [
        # a phrasal verb: "Please help me find out X" would change the ask
        (to_help, "I'm seeking out industry studies."),
        # a persona before the request would be left without its subject
        (to_help, "As a nurse, I need to find dosing tables."),
        (to_help, "Intrigued by it, I want to search for its meaning."),
        # the first participle is inside the persona, not where it ends
        (persona_doing, "I am a college student specializing in urban planning, and I study."),
        (persona_doing, "I am a caregiver for my father working nights."),
        # "As a nurse, my ward…": the persona is not the subject
        (as_to_being, "As a nurse, my ward needs tables."),
        # a second verb, a pronoun, a negation: no plain object to nominalise
        (nominalise, "I want to understand and apply the rules."),
        (nominalise, "I need to understand it."),
        (nominalise, "I don't want to compare prices."),
        (from_interested, "I'm not interested in finding prices."),
        # what paraphrase-held-out-6's reading rejected: the adverb needs the verb, and a
        # search that should behave so is not a thing to find
        (nominalise, "I want to understand my condition better."),
        (to_help, "I'm looking for a search that prioritizes case studies."),
        # paraphrase-held-out-7: the searcher explains to someone, and must stay the one who does
        (nominalise, "I want to explain DockPanel to my students."),
        (to_help, "I'm looking for the search to yield maps."),
        # restate-held-out-9: "an understanding of thoroughly what…"
        (nominalise, "I want to understand in detail what lies at the base of the aorta."),
        (nominalise, "I want to understand exactly what lies at the base of the aorta."),
        # restate-held-out-11 and paraphrase-held-out-18: "Please help me find X and would
        # prioritise", "As a truck driver, I often pass through Laurinburg, NC, and faces",
        # "As a nutritionist always, I am looking to…"
        (to_help, "I'm looking for how chlorine is used and would prioritize manuals."),
        (persona_doing, "I am a nutritionist always looking to recommend supplements."),
        # paraphrase-held-out-21: "Please help me find a deep grasp of…"
        (to_help, "I'm seeking a deep understanding of persuasive essays."),
        # restate-held-out-8: "Thus, please help me…" reads stiffly
        (to_help, "Therefore, I'm searching for preventive measures."),
        # paraphrase-held-out-22: "As a firefighter, I am training coordinator…"; restate-held-
        # out-15: "a professor who's, and I am creating…", "a grasp of X in a way that…"
        (persona_doing, "I am a firefighter training coordinator searching for case studies."),
        (persona_doing, "I'm a political science professor who's creating a lecture."),
        (nominalise, 'I need to understand "contralateral" in a way that can be translated.'),
        # paraphrase-held-out-23: "Please help me find X, so my search ought to…"
        (to_help, "I'm looking for night classes, so my search should prioritize childcare."),
        # paraphrase-held-out-24: "Please help me find the price … but must make sure"
        (to_help, "I need to find the price but must ensure the sources are reliable."),
        # paraphrase-held-out-25: "Please help me ascertain…; therefore, I'll search…"
        (to_help, "I need to determine its county; thus, I'll search for maps."),
        # restate-held-out-19 and paraphrase-held-out-26: "Please help me discover its
        # population and preferably would find…", "Please help me discover it is safe"
        (to_help, "I need to know its population and ideally would find documents."),
        (to_help, "I need to know it's safe for my pets."),
        # restate-held-out-27: "I need an understanding of who wrote it" (borderline)
        (nominalise, "I need to understand who wrote the poem."),
    ],
)
def test_frames_leave_ambiguous_sentences_alone(frame, sentence: str) -> None:
    assert frame(sentence) is None


@pytest.mark.parametrize(
    ("instruction", "kept"),
    [
        # inside a negated clause nothing is reworded
        ("Do not include various websites or summaries.", "various websites or summaries"),
        ("I'm not interested in strategies.", "interested in strategies"),
        # a quoted name stays as written
        ('I need a definition of "various strategies" in chess.', '"various strategies"'),
        # "it's been" is "it has been"
        ("My GPS is old and it's been acting up.", "it's been"),
        # "details" would not agree with "is"
        ("This information is vital to me.", "information"),
        # "to discuss" is the searcher's act
        ("I want a number to discuss partnerships.", "to discuss"),
        # "currently" after a noun stays ("a student at present researching" reads wrong)
        ("I am a student currently researching tides.", "currently researching"),
        # "it's related to" has a copula: "it is relating to" is not English
        ("I suspect it's related to this process.", "related to"),
        # natural resources and energy sources are domain terms
        ("Natural resources and energy sources of Peru.", "Natural resources and energy sources"),
        # what recast-held-out-2's reading rejected
        ("I want results with a particular focus on tides.", "a particular focus on"),
        ("A phrase that would describe her actions.", "describe her actions"),
        ("I need information that explains tides.", "information that"),
        ("I am making a list of recommendations for viewers.", "recommendations"),
        ("Detail the methods of spread.", "methods of spread"),
        ("The sources that can loan these items.", "sources"),
        ("The plants it affects.", "affects"),
        # what recast-held-out-3's reading rejected
        ("Maps of protected natural areas and resources.", "areas and resources"),
        (
            "My search should emphasize expert sources and should prioritize vet reviews.",
            "My search",
        ),
        # what filter-held-out's reading rejected
        ("Ready at the same time as the main courses.", "the main courses"),
        ("A post for my audience, which ranges from experts to novices.", "my audience"),
        # restate-held-out-4: "highly" governs both adjectives ("highly ... particular data")
        ("I need highly detailed and specific data on tides.", "detailed and specific data"),
        # filter-held-out-2: "in-depth temperature forecasts", "bulk pricing choices"
        ("I need detailed temperature forecasts for the hike.", "detailed temperature forecasts"),
        ("I want to compare bulk pricing options.", "pricing options"),
        # paraphrase-held-out-12 and restate-held-out-5: "keen on the precise distance",
        # "As a vegan, I've got a cold", "As a parent whose teenager is, I am starting…"
        ("I'm interested in the exact distance to Orlando.", "interested in the"),
        ("I am a vegan, and I've got a cold.", "a vegan, and I've got a cold."),
        (
            "I am a parent whose teenager is starting to complain about jaw pain.",
            "a parent whose teenager is starting",
        ),
        # restate-held-out-6: "Please help me find a business-focused search that'll lead me"
        (
            "I'm looking for a business-focused search that'll lead me to loans.",
            "search that'll lead",
        ),
        # paraphrase-held-out-13: "I favor the search results to come from", "asked to offer
        # my U.S. passport number", binding guidelines made "recommendations"
        ("I prefer the search results to come from agencies.", "prefer the search results"),
        ("I've been asked to provide my passport number.", "provide my passport number"),
        ("I need the payer-specific guidelines for billing.", "guidelines"),
        # restate-held-out-7: "I wish to find out who founded it and searching for papers",
        # "visually in-depth guides"; paraphrase-held-out-14: "grasp the costs … and if"
        (
            "I am interested in finding out who founded GE and looking for papers.",
            "finding out who founded GE and",
        ),
        ("My search prioritizes visually detailed guides.", "visually detailed guides"),
        ("I want to understand the costs of dogs and if there are subsidies.", "understand the"),
        # restate-held-out-13: "my client is searching for a lenient sentence"
        ("My client is seeking a lenient sentence.", "is seeking"),
        # paraphrase-held-out-16: "keen on the impact of population growth", "alongside the
        # academic has to become"
        ("I'm interested in the impact of growth on resources.", "interested in the"),
        ("I'm interested in the history of Lesotho.", "interested in the history"),
        ("The athletic and the academic needs to become an athlete.", "academic needs to"),
        # paraphrase-held-out-22: "There's a pressing have to send him"; restate-held-out-15:
        # "the particular care vinyl siding has to withstand", "layman's term descriptions"
        ("There's a pressing need to send him the itinerary.", "pressing need to"),
        ("I want the specific care vinyl siding needs to withstand rain.", "needs to withstand"),
        ("My search should stress layman's term explanations.", "term explanations"),
        # paraphrase-held-out-23: "as I enhance my English", "online choices"
        ("I want help as I improve my English.", "improve my English"),
        ("I want programs with online options.", "online options"),
        # restate-held-out-17: "My search is geared towards discover where…"
        ("My search is tailored to answer where it is held.", "tailored to answer"),
        # paraphrase-held-out-28: "a piece of data I have to continue my analysis"
        ("It is a crucial piece of data I need to continue my analysis.", "data I need to"),
    ],
)
def test_rules_do_not_fire_where_they_would_change_the_meaning(instruction: str, kept: str) -> None:
    for seed in range(6):
        assert kept in recast(instruction, seed=seed)


def test_recast_composes_frames_restructure_and_both_phrasebooks() -> None:
    instruction = (
        "I am a nurse who needs passages about dosing. I need to find various strategies "
        "for children. My search should prioritize reputable sources."
    )
    after = recast(instruction)
    assert after.startswith("As a nurse, I need")
    assert "Please help me find different strategies for children." in after
    assert "be given to trusted sources" in after  # the passive, then the phrasebook
    assert "dosing" in after and "children" in after


def test_recast_is_a_default_paraphrase_and_deterministic_for_a_seed() -> None:
    operator = get_operator("recast")
    assert "recast" not in opt_in_names()
    assert operator.name in [op.name for op in operators_for((Family.PARAPHRASE,))]
    case = Case("q", "x", "I am a nurse. I'm looking for various strategies.")
    first = operator.variants(case, random.Random(3), CorpusStats())
    again = operator.variants(case, random.Random(3), CorpusStats())
    assert first == again
    (variant,) = first
    assert variant.form == "recast"
    assert variant.strength == pytest.approx(
        changed_share(case.instruction, variant.request.instruction)
    )


def test_recast_makes_no_variant_where_nothing_applies() -> None:
    assert (
        get_operator("recast").variants(Case("q", "x", "Tides."), random.Random(0), CorpusStats())
        == ()
    )


def test_frame_edits_rewrite_one_frame_per_sentence() -> None:
    found = frame_edits("I need to find tides. As a sailor, I want charts.")
    assert [name for _, name in found] == ["to-help", "as-to-being"]


class TestRecastPhrasebook:
    def test_no_phrase_is_the_source_of_two_rules(self) -> None:
        sources = [p for rule in RECAST_RULES for p in rule.phrases]
        assert len(sources) == len(set(sources))

    def test_rules_never_carry_a_negation_cue(self) -> None:
        for rule in RECAST_RULES:
            for phrase in (*rule.phrases, *rule.targets):
                assert not has_negation(phrase), phrase

    def test_every_rule_has_somewhere_to_go(self) -> None:
        for rule in RECAST_RULES:
            for phrase in rule.phrases:
                assert rule.replacements(phrase), phrase


@settings(max_examples=60, deadline=None)
@given(instruction=texts() | instruction_texts(), seed=seeds())
def test_recast_keeps_every_negation_and_number(instruction: str, seed: int) -> None:
    for variant in get_operator("recast").variants(
        Case("q", "x", instruction), random.Random(seed), CorpusStats()
    ):
        after = variant.request.instruction
        cues = Counter(w for w in words(instruction) if w in NEGATION_CUES)
        assert Counter(w for w in words(after) if w in NEGATION_CUES) == cues
        assert has_negation(after) == has_negation(instruction)
        numbers = Counter(w for w in words(instruction) if any(ch.isdigit() for ch in w))
        assert Counter(w for w in words(after) if any(ch.isdigit() for ch in w)) == numbers


def test_the_request_frame_never_asks_for_help_twice():
    """restate-moved-held-out: "Please help me find an AI search engine to help me find…"."""
    assert to_help("I'm looking for an AI search engine to help me find tide tables.") is None
    assert to_help("I'm looking for tide tables.") == "Please help me find tide tables."


def test_the_searcher_who_explains_is_not_made_to_ask_for_an_explanation():
    """paraphrase-held-out-10: "I want an explanation of complex words … with clarity"."""
    assert nominalise("I want to explain complex words like prostration with clarity.") is None
    compared = "I want a comparison of mortgage rates."
    assert nominalise("I want to compare mortgage rates.") == compared


def test_set_out_is_written_only_before_a_question_or_the_parts_of_something() -> None:
    # paraphrase-held-out-22: "resources that set out the technology world to patrons"
    to_patrons = "I want guides that explain the technology world to patrons."
    how = "I want guides that explain how tides work."
    assert not any("set out" in recast(to_patrons, seed=seed) for seed in range(12))
    assert any("set out how" in recast(how, seed=seed) for seed in range(12))


def test_needs_to_is_still_reworded_after_its_own_subject() -> None:
    made = {recast("My research team needs to verify the data.", seed=seed) for seed in range(6)}
    assert any("team has to" in text for text in made), made


def test_the_help_frame_is_written_once() -> None:
    # "Please help me find X. … Please help me find Y." (borderline, restate-held-out-18)
    instruction = "I need to find the depth of the lake. I'm looking for maps of its shores."
    made = [recast(instruction, seed=seed) for seed in range(6)]
    assert all(text.count("help me") == 1 for text in made), made


@pytest.mark.parametrize(
    ("instruction", "retired"),
    [
        # borderline in 22 and 31 readings' reasons, then "online choices" and "logical
        # descriptions" (paraphrase-held-out-23 and -25)
        ("I want the best options for tires.", "choices"),
        ("I want logical explanations of the claims.", "descriptions"),
        # "I am intending to" (borderline 16 times), "the particular heights" (56 times)
        ("I am planning to visit Rome.", "intending"),
        ("I want the specific heights of the towers.", "particular"),
        # "coping approaches" (borderline nine times in paraphrase-held-out-31 and
        # restate-held-out-24 and -25), "rapidly discover" for without delay
        ("I want coping strategies for grief.", "approaches"),
        ("I need to quickly find out which county Ridgway is in.", "rapidly"),
        # wordings that broke their sentence (restate-held-out-19 and paraphrase-held-out-26):
        # "give priority to my search towards", "where I rapidly have to substitute"
        ("I'd prioritize my search towards DIY forums.", "priority"),
        ("I'd prioritize answers towards the end.", "priority"),
        ("It is where I quickly need to substitute a pole.", "rapidly"),
    ],
)
def test_retired_or_breaking_wordings_are_never_written(instruction: str, retired: str) -> None:
    made = {recast(instruction, seed=seed) for seed in range(10)}
    assert made != {instruction} and not any(retired in text for text in made), made


def test_the_help_frame_still_asks_a_question_with_find_out() -> None:
    asked = to_help("I need to know what county Ames is in.")
    assert asked == "Please help me find out what county Ames is in."


@pytest.mark.parametrize(
    "instruction",
    [
        # "my studies need me to delve" (borderline, reworded-held-out-4), "my role needs that
        # I help" (reworded-held-out-5)
        "My studies in zoology require me to study the turtle's lifecycle.",
        "My role as an accountant may require that I assist a client.",
        "These projects require planning carefully for the weather.",
    ],
)
def test_require_stays_before_a_person_a_clause_or_an_ing(instruction: str) -> None:
    made = {recast(instruction, seed=seed) for seed in range(8)}
    assert not any(
        " need me" in text or " need that" in text or " need planning" in text for text in made
    ), made


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (
            "My search should prioritize peer-reviewed studies from the last five years.",
            "Priority should be given to peer-reviewed studies from the last five years.",
        ),
        ("The search must favor recent sources.", "Preference must be given to recent sources."),
        (
            "My search needs to prioritize finding contact details.",
            "Priority needs to be given to finding contact details.",
        ),
        (
            "Additionally, my search will emphasize maps.",
            "Additionally, emphasis will be placed on maps.",
        ),
    ],
)
def test_what_a_search_gives_is_said_in_the_passive(sentence: str, expected: str) -> None:
    assert to_passive(sentence) == expected


@pytest.mark.parametrize(
    "sentence",
    [
        # a second verb would lose its subject, the search
        "My search should prioritize reports and avoid blogs.",
        "My search should prioritize reports while avoiding blogs.",
        "My search should prioritize studies and examine the results.",
        "My search should emphasize expert sources and should prioritize vet reviews.",
        "My search should prioritize reports, focusing on Texas.",
        "My search should not prioritize blogs.",
        "I should prioritize reports.",
        # "Priority would be given to" (borderline twice in passive-check)
        "My search would prioritize archaeological resources.",
    ],
)
def test_the_passive_is_not_made_where_it_would_break(sentence: str) -> None:
    assert to_passive(sentence) is None
