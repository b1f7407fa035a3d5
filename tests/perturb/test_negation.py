import random

import pytest
from hypothesis import HealthCheck, given, settings

from instructprobe.perturb import (
    Case,
    CorpusStats,
    ExpectationKind,
    Family,
    RelevantDocument,
    get_operator,
)
from instructprobe.perturb.negation import (
    GENERIC,
    capitalised_form,
    sub_aspect_terms,
    written_form,
)
from instructprobe.perturb.strategies import cases, instruction_texts, seeds
from instructprobe.perturb.text import has_negation, stem, words

DOCS = (
    RelevantDocument(
        "d1", "Roth IRA contributions grow tax-free; withdrawals after retirement.", 1
    ),
    RelevantDocument(
        "d2", "A traditional IRA gives a tax deduction now; penalties apply early.", 1
    ),
    RelevantDocument("d3", "Employer matching in a 401k plan is free money for retirement.", 2),
)


def case(instruction, query="retirement savings account", relevant=DOCS):
    return Case("q", query, instruction, relevant)


def run(name, instruction, **kwargs):
    return get_operator(name).variants(case(instruction, **kwargs), random.Random(0), CorpusStats())


def mentions(doc_id, term):
    text = next(d.text for d in DOCS if d.id == doc_id)
    return stem(term) in {stem(w) for w in words(text)}


@pytest.mark.parametrize(
    ("instruction", "before", "after", "pattern"),
    [
        (
            "Results must discuss penalties for early use.",
            "must discuss",
            "must not discuss",
            "modal",
        ),
        (
            "My search needs to include employer matching.",
            "needs to include",
            "must not include",
            "modal",
        ),
        ("I want documents that discuss penalties.", "discuss", "avoid", "verb"),
        ("Find passages explaining employer matching.", "explaining", "avoiding", "verb"),
    ],
)
def test_predicate_negation_forms(instruction, before, after, pattern):
    (variant,) = run("predicate-negation", instruction)
    (edit,) = variant.edits
    assert (edit.before, edit.after) == (before, after)
    assert dict(variant.params)["pattern"] == pattern
    assert variant.form == "predicate-negation" and variant.family is Family.NEGATION
    assert has_negation(variant.request.instruction)
    term = dict(variant.params)["term"]
    assert variant.expectation.down == {d.id for d in DOCS if mentions(d.id, term)}


@pytest.mark.parametrize(
    ("instruction", "after"),
    [
        ("I prefer documents about employer matching.", "avoid"),
        ("Please focus on penalties for withdrawals.", "ignore"),
        ("The search should prioritize employer matching.", "avoid"),
        ("Results focusing on penalties are best.", "ignoring"),
        ("I am interested in employer matching.", "not interested in"),
        ("My focus is on employer matching.", "focus is not on"),
        ("Articles with a strong emphasis on penalties.", "while ignoring"),
        ("I want all the rules, including penalties for withdrawals.", "excluding"),
        ("I want resources such as penalties tables.", "other than"),
    ],
)
def test_preference_flip_forms(instruction, after):
    (variant,) = run("preference-flip", instruction)
    assert variant.edits[0].after == after
    assert variant.form == "preference-flip"
    assert has_negation(variant.request.instruction)
    down = variant.expectation.down
    assert down and all(mentions(d, dict(variant.params)["term"]) for d in down)


@pytest.mark.parametrize(
    "instruction",
    [
        "As a historian focusing on penalties, I want employer matching data.",
        "I am a planner with a focus on penalties. I want employer matching data.",
        "I run a market and want a sign that discusses penalties.",
        "My manager explains penalties to staff. I want employer matching data.",
        "I need to explain penalties to my staff, so I want employer matching data.",
    ],
)
def test_who_the_searcher_is_is_never_negated(instruction):
    """A persona's own focus or a third party's action is not what the search brings back."""
    assert run("preference-flip", instruction) == ()
    assert all(
        "penalt" not in dict(v.params)["term"] for v in run("predicate-negation", instruction)
    )


def test_already_negated_predicates_are_left_alone():
    assert run("predicate-negation", "Results must not discuss penalties.") == ()
    assert run("preference-flip", "Do not focus on penalties.") == ()


def test_nothing_is_made_when_no_relevant_document_mentions_the_object():
    assert run("preference-flip", "Please focus on cryptocurrency.") == ()
    assert run("predicate-negation", "Documents that discuss penalties.", relevant=()) == ()


def test_noun_uses_of_verbs_are_not_negated():
    assert run("predicate-negation", "The details of penalties. Its features of matching.") == ()


def test_object_terms_prefer_words_the_query_does_not_use():
    (variant,) = run("preference-flip", "Please focus on retirement penalties.")
    assert dict(variant.params)["term"] == "penalties"
    assert dict(variant.params)["term_in_query"] == "false"


NARROWABLE = (
    RelevantDocument("d1", "A Roth IRA suits savings; dividends and dividends grow.", 1),
    RelevantDocument("d2", "An annuity turns savings into income; an annuity is paid yearly.", 1),
    RelevantDocument("d3", "A pension holds savings; a pension is taxed. Gold is a hedge.", 1),
)


def test_sub_aspect_terms_are_in_some_but_not_all_relevant_documents():
    stats = CorpusStats(100, {"dividends": 2, "annuity": 3, "pension": 4, "savings": 50})
    terms = sub_aspect_terms(
        case("Find information about IRA tax rules.", relevant=NARROWABLE), stats
    )
    assert terms and "savings" not in terms  # in every relevant document: no narrowing
    asked = {stem(w) for w in words("retirement savings account Find information IRA tax rules")}
    for term in terms:
        assert term not in GENERIC and len(term) >= 4 and stem(term) not in asked
        holders = {d.id for d in NARROWABLE if stem(term) in {stem(w) for w in words(d.text)}}
        assert holders and holders != {d.id for d in NARROWABLE}


def test_a_word_used_once_is_no_aspect():
    stats = CorpusStats(100, {"dividends": 2, "annuity": 3, "pension": 4, "gold": 1})
    terms = sub_aspect_terms(case("Find information.", relevant=NARROWABLE), stats)
    assert "gold" not in terms and "income" not in terms


def test_no_clause_with_one_relevant_document():
    """InstructIR's case: excluding a word of the only answer contradicts the need."""
    docs = (RelevantDocument("d1", "Mayflower is in Faulkner County. Kayaks, kayaks.", 1),)
    assert run("exclusion-clause", "Where is it?", query="where is mayflower", relevant=docs) == ()


def test_no_clause_that_leaves_fewer_than_two_relevant_documents():
    docs = (
        RelevantDocument("d1", "Pension and pension.", 1),
        RelevantDocument("d2", "Pension, another pension.", 1),
        RelevantDocument("d3", "Annuity and annuity.", 1),
    )
    terms = sub_aspect_terms(case("Find information.", relevant=docs), CorpusStats())
    assert "pension" not in terms and "annuity" in terms


def test_exclusion_clause_expected_down_are_the_documents_mentioning_the_term():
    stats = CorpusStats(100, {"dividends": 2, "annuity": 3, "pension": 4})
    for seed in range(6):
        (variant,) = get_operator("exclusion-clause").variants(
            case("Find information about savings.", relevant=NARROWABLE),
            random.Random(seed),
            stats,
        )
        term = dict(variant.params)["term"]
        down = {d.id for d in NARROWABLE if stem(term) in {stem(w) for w in words(d.text)}}
        assert variant.expectation.down == down and len(down) < len(NARROWABLE)
        assert variant.request.instruction.endswith(
            f'Do not include documents that mention "{term}".'
        )


@pytest.mark.parametrize(
    ("term", "texts", "written"),
    [
        ("lesotho", ("The capital of Lesotho is Maseru. Lesotho is landlocked.",), "Lesotho"),
        (
            "missouri",
            ("Missouri is a state. It borders the MISSOURI and Missouri towns.",),
            "Missouri",
        ),
        ("nasa", ("NASA launched it. The launch by NASA failed.",), "NASA"),
        ("duke", ("A dog (born January 28) named Duke.",), "Duke"),
        ("lesotho", ("Lesotho is a kingdom.",), None),
        ("apple", ("An apple a day. Apple pie is sweet; an apple is red.",), None),
        ("status", ("Check The Running Status Of Your Train Live Here.",), None),
    ],
)
def test_a_term_is_capitalised_where_the_documents_always_capitalise_it(term, texts, written):
    assert capitalised_form(term, texts) == written


@pytest.mark.parametrize(
    ("term", "texts", "written"),
    [
        ("status", ("Check the 19252 Running Status by checking it live!",), "status"),
        ("lesotho", ("Lesotho is a kingdom.",), "Lesotho"),
        ("january", ("Clocks change (January 28).",), "January"),
        ("lemay", ("The museum of LeMay opened.",), "LeMay"),
        ("elliot", ("Elliot is a name.",), "Elliot"),
        ("apple", ("Apple pie.",), "apple"),
        ("python", ("Once typing, Python helps. A version of Python runs.",), "Python"),
        # a word WordNet does not know: lower case only where its sentences write it so at
        # least as often as capitalised alone (not inside a longer name), and more often than
        # with inner capitals
        (
            "netgear",
            ("Call NETGEAR and NETGEAR support, or Netgear help: big netgear tips.",),
            "Netgear",
        ),
        ("geonames", ("Data from the GeoNames database. The geonames id is 1.",), "GeoNames"),
        ("geonames", ("The geonames id is 1. A geonames id, from GeoNames.",), "geonames"),
        (
            "excipients",
            ("Drugs or Excipients, in syrups; drugs, excipients, or products.",),
            "excipients",
        ),
        (
            "osteopathic",
            (
                "Doctor of Osteopathic Medicine. A Doctor of Osteopathic Medicine is an "
                "osteopathic physician.",
            ),
            "osteopathic",
        ),
    ],
)
def test_an_excluded_term_is_written_as_a_reader_expects(lexicon, term, texts, written):
    assert written_form(term, texts) == written


def test_fragments_are_not_words(lexicon):
    from instructprobe.perturb.negation import a_word

    assert not a_word("prot", ("0% prot. per serving",))
    assert a_word("protein", ("0% protein",))
    assert a_word("amerita", ("Amerita serves clients.",))


def test_words_only_used_as_verbs_or_in_markup_are_not_excluded(lexicon):
    docs = (
        RelevantDocument(
            "d1",
            "Heat triggers a response and triggers more. Run env\\Scripts\\activate or"
            ' env\\Scripts\\deactivate. <div data-ad-slot="1"> <div data-ad-slot="2">'
            " The thermostat and the radiator matter; a thermostat or a radiator helps.",
            1,
        ),
        RelevantDocument("d2", "Insulation keeps heat in.", 1),
        RelevantDocument("d3", "Curtains keep heat in.", 1),
    )
    (variant,) = get_operator("exclusion-clause").variants(
        case("Find heating advice.", query="home heating", relevant=docs),
        random.Random(0),
        CorpusStats(
            100,
            {"triggers": 1, "scripts": 1, "slot": 1, "thermostat": 3, "radiator": 3}
            | {w: 90 for w in ("heat", "response", "matter", "activate", "data", "env", "div")},
        ),
    )
    assert dict(variant.params)["term"] in ("thermostat", "radiator")


@pytest.mark.parametrize(
    ("text", "term", "why"),
    [
        ("The buyers and the buyers.", "buyers", "only ever a person"),
        ("Symptoms vary; symptoms pass.", "symptoms", "a category"),
        ("Add grams, then grams more.", "grams", "a unit"),
        ("Until September; in September.", "september", "a time"),
        ("The meat rests; meat is juicy.", "meat", "a hypernym of the query's chicken"),
        ("With shortness of breath or shortness of breath.", "shortness", "head of an of-phrase"),
        ("Turn it upside down; upside down again.", "upside", "part of a compound"),
    ],
)
def test_words_that_name_no_aspect_are_not_excluded(lexicon, text, term, why):
    docs = (RelevantDocument("d1", text, 1), RelevantDocument("d2", "Roast it well.", 1))
    found = sub_aspect_terms(
        case("Find advice.", query="roast chicken", relevant=docs), CorpusStats()
    )
    assert term not in found, why


def test_a_term_inside_a_word_of_a_staying_document_is_not_excluded():
    docs = (
        RelevantDocument("d1", "Mix flax with water; flax gels.", 1),
        RelevantDocument("d2", "Ground flaxseed binds.", 1),
        RelevantDocument("d3", "Applesauce, then more applesauce.", 1),
    )
    terms = sub_aspect_terms(
        case("Find egg substitutes.", query="vegan baking", relevant=docs), CorpusStats()
    )
    assert "flax" not in terms and "applesauce" in terms


def test_exclusion_clause_keeps_a_name_capitalised():
    docs = (
        RelevantDocument("d1", "Banks in Lesotho. Lesotho has banks.", 1),
        RelevantDocument("d2", "Banks in Maseru. Maseru has banks.", 1),
        RelevantDocument("d3", "Banks abroad.", 1),
    )
    (variant,) = get_operator("exclusion-clause").variants(
        case("Find information about savings.", relevant=docs),
        random.Random(0),
        CorpusStats(100, {"banks": 90, "lesotho": 1, "maseru": 1}),
    )
    term = dict(variant.params)["term"]
    assert term in ("lesotho", "maseru")
    assert variant.request.instruction.endswith(f'mention "{term.capitalize()}".')


NEGATION_OPERATORS = ("exclusion-clause", "predicate-negation", "preference-flip", "curated")


@pytest.mark.parametrize("name", NEGATION_OPERATORS)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(drawn=cases(), seed=seeds())
def test_every_negation_variant_has_a_cue_and_a_non_empty_down_set(name, drawn, seed):
    for variant in get_operator(name).variants(drawn, random.Random(seed), CorpusStats()):
        assert variant.expectation.kind is ExpectationKind.DIRECTIONAL
        assert variant.expectation.down or variant.expectation.up
        assert variant.expectation.down <= {d.id for d in drawn.relevant}
        if name != "curated":
            assert has_negation(variant.request.instruction)
            assert variant.expectation.down


@settings(max_examples=60, deadline=None)
@given(instruction=instruction_texts(), seed=seeds())
def test_targeted_negations_on_instruction_like_text(instruction, seed):
    for name in ("predicate-negation", "preference-flip"):
        op = get_operator(name)
        for variant in op.variants(case(instruction), random.Random(seed), CorpusStats()):
            assert has_negation(variant.request.instruction)
            term = dict(variant.params)["term"]
            assert variant.expectation.down == {d.id for d in DOCS if mentions(d.id, term)}


def starter_terms(suite):
    """Every term the exclusion clause can draw for each starter query, by query text."""
    from collections import Counter

    from instructprobe.perturb.negation import SHORTLIST
    from instructprobe.perturb.text import content_words

    frequency = Counter(w for d in suite.documents for w in set(content_words(d.text)))
    stats = CorpusStats(len(suite.documents), dict(frequency))
    found = {}
    for query in suite.queries:
        relevant = tuple(
            RelevantDocument(doc, suite.document(doc).text, grade)
            for doc, grade in query.qrels.items()
            if grade > 0
        )
        drawn = Case(query.id, query.text, query.instruction, relevant)
        texts = tuple(d.text for d in relevant)
        terms = sub_aspect_terms(drawn, stats)[:SHORTLIST]
        found[query.text] = {written_form(t, texts) for t in terms}
    return found


REJECTED_ON_READING = {
    "Angkor Wat history": {"temple", "Khmer", "Suryavarman"},
    "knife sharpening whetstone angle": {"edge"},
    "sourdough starter from scratch": {"yeasts"},
    "wifi keeps disconnecting laptop": {"network"},
    "emergency fund how many months": {"target"},
    "store user passwords securely": {"choice", "servers"},
    "chmod file permissions explained": {"access"},
    "python virtual environment setup": {"requirements"},
    "MMR vaccine age schedule": {"immunisation", "Immunisation"},
    "prevent SQL injection attacks": {"string", "input"},
    "Schengen short stay rules": {"entry", "passport"},
    "flying with a baby": {"cabin"},
    "how to use EpiPen": {"thigh"},
    "overpay mortgage early repayment charge": {"allowance"},
    "Lifetime ISA house deposit": {"cash"},
    "slow postgres query index": {"column"},
    "gluten-free flour substitute baking": {"muffins"},
}
"""Terms of the starter's clauses a reader rejected (benchmarks/audit/subset-development and
held-out-5): the topic itself, the answer, or an aside no reader would exclude."""
ACCEPTED_ON_READING = {
    "python virtual environment setup": {"conda"},
    "celiac disease foods to avoid": {"toaster"},
    "taking my dog to France": {"tapeworm"},
    "MMR vaccine age schedule": {"MMRV"},
    "store user passwords securely": {"OWASP"},
    "best first programming language for kids": {"Roblox", "Python"},
    "how to build credit score": {"Experian"},
    "vegan egg replacement baking": {"applesauce"},
    "Japan Rail Pass worth it": {"Kyoto"},
}
"""Terms a reader accepted, written as the clause writes them (names keep their case)."""


def test_starter_clauses_a_reader_rejected_are_not_made(lexicon, starter):
    found = starter_terms(starter)
    for query, rejected in REJECTED_ON_READING.items():
        assert not found[query] & rejected, query


def test_starter_clauses_a_reader_accepted_are_still_made_with_names_in_case(lexicon, starter):
    found = starter_terms(starter)
    for query, accepted in ACCEPTED_ON_READING.items():
        assert accepted <= found[query], query


def test_a_word_the_documents_write_in_lower_case_stays_lower_case(lexicon):
    texts = ("Fill a mister with water, then use the mister daily.",)
    assert written_form("mister", texts) == "mister"


ASIDES = (
    RelevantDocument(
        "d1", "Salt the dough. Bake as long as your ovens allow; dust with semolina.", 1
    ),
    RelevantDocument("d2", "Knead well. Semolina stops sticking, and more semolina helps.", 1),
    RelevantDocument("d3", "Rest the dough overnight. Preheat as far as ovens go.", 1),
    RelevantDocument("d4", "Photo: Flickr. Stretch by hand. Photo: Flickr.", 1),
    RelevantDocument("d5", "Hydration of 60% suits a home bake.", 1),
)


def test_image_credits_and_asides_are_not_excluded(lexicon):
    terms = sub_aspect_terms(
        case("Find tips.", query="pizza dough", relevant=ASIDES), CorpusStats()
    )
    assert "flickr" not in terms and "photo" not in terms  # an image credit
    assert "ovens" not in terms  # named once per document, in passing
    assert "semolina" in terms  # twice in one document: one of its subjects


def test_a_word_of_a_longer_name_is_not_excluded(lexicon):
    docs = (
        RelevantDocument("d1", "Under the National Immunisation Program the dose is free.", 1),
        RelevantDocument(
            "d2", "Immunisation is free. Ask at the National Immunisation Program.", 1
        ),
        RelevantDocument("d3", "The first dose is at twelve months.", 1),
        RelevantDocument("d4", "A second dose follows at four years.", 1),
        RelevantDocument("d5", "Catch-up doses are given to older children.", 1),
    )
    terms = sub_aspect_terms(
        case("Find the schedule.", query="vaccine", relevant=docs), CorpusStats()
    )
    assert "immunisation" not in terms


@pytest.mark.parametrize("query", ["sourdough starter", "pancakes"])
def test_a_word_of_the_definition_of_a_request_word_is_not_excluded(lexicon, query):
    docs = (
        RelevantDocument("d1", "Wild yeasts feed on flour; the yeasts need warmth.", 1),
        RelevantDocument("d2", "Feed it rye flour daily.", 1),
        RelevantDocument("d3", "Discard half before each feed.", 1),
        RelevantDocument("d4", "Keep the jar loosely covered.", 1),
        RelevantDocument("d5", "Bubbles show it is ready.", 1),
    )
    terms = sub_aspect_terms(case("Find guides.", query=query, relevant=docs), CorpusStats())
    # WordNet defines a sourdough as "a leaven ... containing yeast", so yeasts are what one is
    assert ("yeasts" in terms) is (query == "pancakes")
