"""The exclusion clause's term from the query's near misses (a case with one relevant passage)."""

import random
import re

import pytest

from instructprobe.perturb import Case, CorpusStats, RelevantDocument, get_operator
from instructprobe.perturb.distractors import distractor_terms
from instructprobe.perturb.neighbours import Neighbours
from instructprobe.perturb.text import stem, words

RELEVANT = RelevantDocument(
    "r1",
    "Hospice care is for a terminally ill person expected to live six months or less. "
    "Hospice care goes on while a doctor certifies the illness.",
    1,
)
NEAR_MISSES = (
    RelevantDocument(
        "n1",
        "Many people in hospice care have dementia. A hospice in Nuremberg treats dementia, "
        "and the doctor there says Nuremberg families visit daily.",
        0,
    ),
    RelevantDocument(
        "n2",
        "Hello all! Hospice volunteers say hello weekly. Hello again from the hospice team.",
        0,
    ),
    RelevantDocument(
        "n3",
        "A benefit concert by Linkin Park raised money for hospice care. Fans of Linkin Park "
        "filled the hall for the hospice.",
        0,
    ),
    RelevantDocument(
        "n4",
        "Did You Know: Benjamin Bradley funded a hospice. Benjamin Bradley's hospice opened "
        "in 1850 for care.",
        0,
    ),
    RelevantDocument(
        "n5",
        "Most hospice vans have a manual gearbox, and drivers of the hospice fleet like a "
        "manual gearbox for care trips.",
        0,
    ),
)
ELSEWHERE = (
    RelevantDocument("u1", "Dementia is a decline in memory and thinking.", 0),
    RelevantDocument("u2", "Sourdough bread needs a starter and flour.", 0),
)
CORPUS = (RELEVANT, *NEAR_MISSES, *ELSEWHERE)


def hospice_case(relevant=(RELEVANT,)):
    return Case("q", "hospice care", "I need the time limits.", relevant)


def stats(corpus=CORPUS):
    return CorpusStats(len(corpus), {}, Neighbours(corpus))


def test_a_clause_from_the_near_misses_names_every_document_that_writes_the_term(lexicon):
    found = {d.term: d for d in distractor_terms(hospice_case(), stats())}
    assert "dementia" in found
    assert found["dementia"].down == {"n1", "u1"}  # u1 is no near miss, but it writes it
    (variant,) = get_operator("exclusion-clause").variants(
        hospice_case(), random.Random(0), stats()
    )
    term = dict(variant.params)["term"]
    assert term in found and ("from", "distractors") in variant.params
    assert variant.expectation.down == found[term].down
    assert variant.request.instruction.startswith("I need the time limits. Do not include")


def test_the_relevant_passage_never_mentions_the_term(lexicon):
    terms = distractor_terms(hospice_case(), stats())
    assert terms
    relevant = {stem(w) for w in words(RELEVANT.text)}
    for found in terms:
        assert stem(found.term) not in relevant
        assert "r1" not in found.down
    assert "doctor" not in {d.term for d in terms}  # in a near miss, but the answer's word too


def test_known_bad_terms_are_not_made(lexicon):
    terms = {d.term for d in distractor_terms(hospice_case(), stats())}
    assert "hello" not in terms
    assert "linkin" not in terms  # the first word of "Linkin Park"
    assert "benjamin" not in terms  # a name the clause would write in lower case
    assert "manual" not in terms  # "a manual gearbox" names no manual


def test_a_greeting_is_no_distractor(lexicon):
    from instructprobe.perturb.distractors import _a_distractor

    texts = ("Hello all! Volunteers say hello weekly. Hello again from the team.",)
    assert not _a_distractor("hello", texts, set())
    assert _a_distractor("dementia", ("Many have dementia. Dementia care is hard.",), set())


def test_names_keep_their_case(lexicon):
    named = {d.term: d for d in distractor_terms(hospice_case(), stats())}
    assert "nuremberg" in named
    operator = get_operator("exclusion-clause")
    for seed in range(20):
        for variant in operator.variants(hospice_case(), random.Random(seed), stats()):
            if dict(variant.params)["term"] == "nuremberg":
                assert variant.request.instruction.endswith('mention "Nuremberg".')
                return
    pytest.fail("no seed drew the name")


def test_a_term_whose_stem_other_documents_write_otherwise_is_not_made(lexicon):
    relevant = RelevantDocument("r1", "An emergency fund holds six months of expenses.", 1)
    corpus = (
        relevant,
        RelevantDocument(
            "n1",
            "Travel insurance covers trip cancellation. A cancellation fee is refunded from "
            "the emergency fund.",
            0,
        ),
        RelevantDocument("n2", "A flight that is cancelled at short notice earns money.", 0),
    )
    case = Case("q", "emergency fund months", "I need a size.", (relevant,))
    assert "cancellation" not in {d.term for d in distractor_terms(case, stats(corpus))}
    alone = corpus[:2]  # with no "cancelled" elsewhere, the clause names exactly n1
    named = {d.term: d.down for d in distractor_terms(case, stats(alone))}
    assert named.get("cancellation") == {"n1"}


def test_no_clause_without_the_corpus_or_a_near_miss():
    assert (
        get_operator("exclusion-clause").variants(hospice_case(), random.Random(0), CorpusStats())
        == ()
    )
    only_elsewhere = (RELEVANT, *ELSEWHERE)
    assert distractor_terms(hospice_case(), stats(only_elsewhere)) == ()


def test_a_case_with_a_minority_term_keeps_it(lexicon, starter):
    """The near misses are only asked where the relevant documents give no term."""
    from instructprobe.probes.plan import case_for, corpus_stats

    every = corpus_stats(starter)
    case = case_for(next(q for q in starter.queries if q.id == "computing-q01"), starter)
    variants = get_operator("exclusion-clause").variants(case, random.Random(0), every)
    assert variants and all(("from", "distractors") not in v.params for v in variants)
    relevant = {d.id for d in case.relevant}
    assert all(v.expectation.down <= relevant for v in variants)


def test_inflections_are_mentions_and_stem_mates_are_not():
    from instructprobe.perturb.neighbours import inflections

    pattern = inflections("radiator")
    assert pattern.search("Check the Radiators' cap.")
    assert not pattern.search("Radiation therapy")
    assert re.fullmatch(inflections("carrots"), "carrot")
    assert not inflections("Isna", any_case=False).search("ISNA(value)")


NAME_ENDS = (
    RelevantDocument(
        "e1",
        "Hospice drugs were first tried on Sprague Dawley rats. Sprague Dawley rats in "
        "hospice trials got care, and Sprague-Dawley rats live long.",
        0,
    ),
    RelevantDocument(
        "e2",
        "A hospice in San Luis Obispo County gives care. Families of San Luis Obispo visit "
        "the hospice daily for care.",
        0,
    ),
)


def test_the_last_or_an_inner_word_of_a_longer_name_is_not_made(lexicon):
    """negation-held-out-3's two rejections: "Dawley" of "Sprague Dawley" and "Obispo" of
    "San Luis Obispo"; "Nuremberg", a name of one word, is still made."""
    corpus = (RELEVANT, NEAR_MISSES[0], *NAME_ENDS, *ELSEWHERE)
    terms = {d.term for d in distractor_terms(hospice_case(), stats(corpus))}
    assert "nuremberg" in terms
    assert not terms & {"dawley", "sprague", "obispo", "luis"}


def test_a_name_is_whole_unless_another_capitalised_word_is_joined_to_it():
    from instructprobe.perturb.distractors import _whole

    assert not _whole("dawley", ("Tests used Sprague-Dawley rats and Sprague Dawley mice.",))
    assert not _whole("sprague", ("Tests used Sprague-Dawley rats.",))
    assert not _whole("obispo", ("Sprague Dawley. San Luis Obispo County is dry.",))
    assert _whole("nuremberg", ("The Nuremberg trials. In Nuremberg, it rains.",))
    assert _whole("nuremberg", ("Visit Nuremberg in May.",))


def test_neighbours_find_a_longer_common_word_two_words_and_another_spelling():
    from instructprobe.perturb.neighbours import other_spellings

    corpus = (
        RelevantDocument("a", "Knee pain caused by osteoarthritis is treated.", 0),
        RelevantDocument("b", "Investigation of the Manchester Flatliners fan club.", 0),
        RelevantDocument("c", "A systolic reading of 120 mm Hg is normal.", 0),
        RelevantDocument("d", "Acid rises into the esophagus.", 0),
        RelevantDocument("e", "Arthritis and mmHg, in the oesophagus.", 0),
        RelevantDocument("f", "It rained during the day.", 0),
    )
    found = Neighbours(corpus)
    assert found.around("arthritis") == {"a"}  # the stems "osteoarthr", "arthriti" hide it
    assert not found.around("stiga") | found.around("chester") | found.around("liners")
    assert not found.around("ring")  # "during" ends with it, but it is short
    assert found.written_otherwise("mmhg") == {"c"}
    assert found.written_otherwise("oesophagus") == {"d"}
    assert found.written_otherwise("esophagus") == {"e"}
    assert other_spellings("colour") == {"color"} and other_spellings("anemia") >= {"anaemia"}
    assert not other_spellings("canoes") | other_spellings("michael")  # no "canes", "Michel"


NEAR_SPELLINGS = (
    RelevantDocument(
        "s1",
        "Hospice patients with cancer of the oesophagus get care. The oesophagus narrows, and "
        "arthritis slows hospice patients, who have arthritis and a pressure of 90 mmHg; the "
        "hospice nurse reads 80 mmHg.",
        0,
    ),
    RelevantDocument("s2", "Acid reflux reaches the esophagus.", 0),
    RelevantDocument("s3", "Knee pain caused by osteoarthritis is common.", 0),
    RelevantDocument("s4", "A systolic reading of 120 mm Hg is normal.", 0),
)


def test_a_term_that_other_documents_write_otherwise_is_not_made(lexicon):
    """negation-held-out-5 and -6's inexact rejections: a passage that writes "esophagus",
    "osteoarthritis" or "mm Hg" stays while the clause names "oesophagus", "arthritis" or
    "mmHg"; each term is made where no other passage writes it so."""
    corpus = (RELEVANT, *NEAR_SPELLINGS, *ELSEWHERE)
    terms = {d.term for d in distractor_terms(hospice_case(), stats(corpus))}
    assert not terms & {"oesophagus", "arthritis", "mmhg"}
    alone = (RELEVANT, NEAR_SPELLINGS[0], *ELSEWHERE)
    named = {d.term: d.down for d in distractor_terms(hospice_case(), stats(alone))}
    assert {named.get(t) for t in ("oesophagus", "arthritis", "mmhg")} == {frozenset({"s1"})}


FRIENDSHIP = (
    RelevantDocument(
        "f1",
        "Hospice volunteers bring friendship. Yellow roses in the hospice mean friendship and "
        "care.",
        0,
    ),
    RelevantDocument("f2", "John Glenn orbited the Earth in the capsule Friendship 7.", 0),
)


def test_a_common_word_only_inside_a_name_is_not_named(lexicon):
    """negation-held-out-5's case rejection: "friendship" also named John Glenn's capsule
    "Friendship 7"; where no document writes it only so, it is made."""
    from instructprobe.perturb.distractors import _common_in_each

    corpus = (RELEVANT, *FRIENDSHIP, *ELSEWHERE)
    assert "friendship" not in {d.term for d in distractor_terms(hospice_case(), stats(corpus))}
    alone = (RELEVANT, FRIENDSHIP[0], *ELSEWHERE)
    named = {d.term: d.down for d in distractor_terms(hospice_case(), stats(alone))}
    assert named.get("friendship") == {"f1"}
    assert _common_in_each("fluoride", ("Chloramine, Fluoride, metals and fluoride.",))
    assert _common_in_each("beets", ("Beets and tomatoes. Cook the beets.", "Beets are red."))


EMERALD = (
    RelevantDocument(
        "g1",
        "Hospice gifts include a ring with an emerald. The hospice sold the emerald to pay "
        "for care.",
        0,
    ),
    RelevantDocument(
        "g2", "I like almonds roasted, cocoa roasted like the ones Emerald makes, for care.", 0
    ),
)


def test_a_common_word_only_capitalised_alone_after_a_common_word_is_not_named(lexicon):
    """negation-held-out-7's "emerald": a passage whose only use is the nut brand ("the
    ones Emerald makes") stays while the clause names the gem in lower case; where no
    passage writes it only so, it is made."""
    from instructprobe.perturb.distractors import _common_in_each

    corpus = (RELEVANT, NEAR_MISSES[0], *EMERALD, *ELSEWHERE)
    terms = {d.term for d in distractor_terms(hospice_case(), stats(corpus))}
    assert "emerald" not in terms and "nuremberg" in terms
    alone = (RELEVANT, NEAR_MISSES[0], EMERALD[0], *ELSEWHERE)
    named = {d.term: d.down for d in distractor_terms(hospice_case(), stats(alone))}
    assert named.get("emerald") == {"g1"}
    assert not _common_in_each("emerald", ("Cocoa roasted like the ones Emerald makes.",))
    capitalised_as_a_common_noun = {
        "larynx": "The respiratory tract: the Nostrils, Pharynx, and the Larynx.",
        "lithosphere": "Plates move within the earths crust or Lithosphere.",
        "fluoride": "Chloramine, Fluoride, metals, and other nasties are removed.",
    }
    for term, text in capitalised_as_a_common_noun.items():
        assert _common_in_each(term, (text,))


BLACKWATER = (
    RelevantDocument(
        "w1",
        "Hospice boats pump out blackwater. The blackwater tank of the hospice boat needs care.",
        0,
    ),
    RelevantDocument(
        "w2",
        "Blackwater / Xe now called Academi. Posted in News by Steve Johnson with 24 Comments "
        "Tags: blackwater, military, News",
        0,
    ),
)


def test_a_common_word_in_lower_case_only_among_a_pages_tags_is_not_named(lexicon):
    """negation-held-out-4 and -7's "blackwater": the contractor Blackwater, in lower case
    only in its page's tag list, moved down under the common word; where no passage writes
    it only so, it is made."""
    from instructprobe.perturb.distractors import _common_in_each

    corpus = (RELEVANT, NEAR_MISSES[0], *BLACKWATER, *ELSEWHERE)
    terms = {d.term for d in distractor_terms(hospice_case(), stats(corpus))}
    assert "blackwater" not in terms and "nuremberg" in terms
    alone = (RELEVANT, NEAR_MISSES[0], BLACKWATER[0], *ELSEWHERE)
    named = {d.term: d.down for d in distractor_terms(hospice_case(), stats(alone))}
    assert named.get("blackwater") == {"w1"}
    assert not _common_in_each("blackwater", (BLACKWATER[1].text,))
    tagged_and_said = "Boats pump out blackwater daily. Tags: blackwater, boats"
    assert _common_in_each("blackwater", (tagged_and_said,))


HQRP = RelevantDocument(
    "h1",
    "Every hospice reports to the HQRP. The HQRP collects hospice care data each quarter.",
    0,
)


def test_the_initials_of_words_the_request_says_are_not_made(lexicon):
    """negation-held-out-7's "ACTC", the initials of the "additional child tax credit" the
    instruction asks about: a clause excluding it turns against the need. The same letters
    are made where the request does not say the words."""
    from instructprobe.perturb.distractors import _abbreviates, _initials

    corpus = (RELEVANT, NEAR_MISSES[0], HQRP, *ELSEWHERE)
    plain = {d.term for d in distractor_terms(hospice_case(), stats(corpus))}
    assert {"hqrp", "nuremberg"} <= plain
    asking = Case(
        "q",
        "hospice care",
        "I need the time limits the hospice quality reporting program sets.",
        (RELEVANT,),
    )
    terms = {d.term for d in distractor_terms(asking, stats(corpus))}
    assert "hqrp" not in terms and "nuremberg" in terms
    credit = Case(
        "q",
        "how fast does irs process refunds",
        "I need times for those who qualify for Earned Income Tax Credit or additional "
        "child tax credit.",
        (RELEVANT,),
    )
    texts = ("Hold the refund for the EITC or the ACTC, and for EITC or ACTC both.",)
    assert _abbreviates("actc", texts, _initials(credit))
    assert _abbreviates("eitc", texts, _initials(credit))
    assert not _abbreviates("actc", texts, _initials(hospice_case()))


CAMP = "Camp Casey is a base in Korea. Camp Casey, Camp Red Cloud and Camp Hovey are near it."


def test_a_name_after_a_common_word_that_heads_names_elsewhere_is_not_whole():
    """negation-held-out-7's "Casey", only ever "Camp Casey" at a sentence's start: the
    documents write "Camp Hovey" inside a sentence, so "Camp" heads a name there; "Visit"
    before "Nuremberg" still leaves it whole."""
    from instructprobe.perturb.distractors import _whole

    assert not _whole("casey", (CAMP,))
    assert _whole("casey", ("Camp Casey is a base in Korea. Casey is near Seoul.",))
    assert _whole("nuremberg", ("Visit Nuremberg in May. We visit Nuremberg Castle.",))


TEETH = (
    RelevantDocument(
        "t1",
        "Hospice patients lose teeth. The hospice dentist cleans their teeth as part of care.",
        0,
    ),
    RelevantDocument("t2", "A fake tooth costs little, and fluoride reduces tooth decay.", 0),
)


def test_a_term_whose_irregular_other_number_another_passage_writes_is_not_made(lexicon):
    """negation-held-out-9's "teeth" (twice): passages that write "fake tooth" and "tooth
    decay" stay while the clause names "teeth"; where no other passage writes the other
    number, it is made."""
    from instructprobe.perturb.neighbours import other_numbers

    corpus = (RELEVANT, NEAR_MISSES[0], *TEETH, *ELSEWHERE)
    terms = {d.term for d in distractor_terms(hospice_case(), stats(corpus))}
    assert "teeth" not in terms and "nuremberg" in terms
    assert Neighbours(corpus).written_otherwise("teeth") == {"t2"}
    alone = (RELEVANT, NEAR_MISSES[0], TEETH[0], *ELSEWHERE)
    named = {d.term: d.down for d in distractor_terms(hospice_case(), stats(alone))}
    assert named.get("teeth") == {"t1"}
    assert {"tooth", "tooth's"} <= other_numbers("teeth")
    assert "teeth" in other_numbers("tooth") and "mice" in other_numbers("mouse")
    assert "child" in other_numbers("children") and "feet" in other_numbers("foot")
    assert not other_numbers("dementia") and not other_numbers("radiators")


VALENTINA = RelevantDocument(
    "v1",
    "Look up valentina in Wiktionary, the free dictionary. Valentina is a hospice in Nuremberg. "
    "Valentina gives care.",
    0,
)


def test_a_wiktionary_line_does_not_decide_the_case(lexicon):
    """negation-held-out-9's "valentina": only Wikipedia's "Look up valentina in Wiktionary"
    writes the name in lower case, which made the clause write it so; without that line no
    sentence shows its case. A page that writes a name inside a sentence still gives it."""
    from instructprobe.perturb.distractors import _as_written, _case_known

    corpus = (RELEVANT, NEAR_MISSES[0], VALENTINA, *ELSEWHERE)
    terms = {d.term for d in distractor_terms(hospice_case(), stats(corpus))}
    assert "valentina" not in terms and "nuremberg" in terms
    assert _as_written((VALENTINA.text,)) == (
        "Valentina is a hospice in Nuremberg. Valentina gives care.",
    )
    assert not _case_known("valentina", _as_written((VALENTINA.text,)))
    said = "Look up valentina in Wiktionary. The hospice of Valentina gives care."
    assert _case_known("valentina", _as_written((said,)))


BLENDER = (
    RelevantDocument(
        "b1",
        "Hospice cooks puree food in a blender. The hospice blender makes soup for care.",
        0,
    ),
    RelevantDocument(
        "b2",
        "Neo Geo developed Blender in 1995. The name Blender was inspired by a song, and NaN "
        "went on to further develop Blender.",
        0,
    ),
)


def test_a_common_word_capitalised_after_a_stop_list_noun_or_verb_is_a_name(lexicon):
    """negation-held-out-9's "blender": the 3D program's passage ("The name Blender was
    inspired…") moved down under the lower-case appliance; "name" is on the Glasgow stop
    list but is no function word. Where no passage writes it only so, it is made."""
    from instructprobe.perturb.distractors import _common_in_each

    corpus = (RELEVANT, NEAR_MISSES[0], *BLENDER, *ELSEWHERE)
    terms = {d.term for d in distractor_terms(hospice_case(), stats(corpus))}
    assert "blender" not in terms and "nuremberg" in terms
    alone = (RELEVANT, NEAR_MISSES[0], BLENDER[0], *ELSEWHERE)
    named = {d.term: d.down for d in distractor_terms(hospice_case(), stats(alone))}
    assert named.get("blender") == {"b1"}
    assert not _common_in_each("blender", ("The name Blender was inspired by a song.",))
    assert _common_in_each("larynx", ("The respiratory tract: the Nostrils, and the Larynx.",))


CASED = (
    RelevantDocument(
        "c1",
        "Alllll NETGEAR tech support number for hospice care NETGEAR router number for the "
        "hospice Netgear router help desk number Big netgear tech support phone number "
        "NETGEAR Router customer service number NETGEAR router support number",
        0,
    ),
    RelevantDocument(
        "c2",
        "The hospice of Wuhan cares for 900 people according to the GeoNames geographical "
        "database. Geonames ID The geonames id for the Wuhan hospice is 1791247.",
        0,
    ),
    RelevantDocument(
        "c3",
        "Hospice drugs hold active substances or Excipients, in syrups; hospice care checks "
        "substances, excipients, or drug products.",
        0,
    ),
)


def test_a_name_written_in_lower_case_once_keeps_its_own_spelling(lexicon):
    """negation-held-out-11's "netgear" (twice), from one spam line's "Big netgear" among
    five "NETGEAR" and "Netgear", and -10's "geonames", from a template's "The geonames id"
    against the prose's "GeoNames": a word WordNet does not know is written in lower case
    only where its sentences write it so at least as often, and more often than with inner
    capitals. A sloppy capital ("or Excipients") against one lower-case use leaves it
    lower case."""
    from instructprobe.perturb.negation import written_form

    corpus = (RELEVANT, NEAR_MISSES[0], *CASED, *ELSEWHERE)
    named = {d.term: d for d in distractor_terms(hospice_case(), stats(corpus))}
    written = {term: written_form(term, named[term].texts) for term in named}
    assert written["netgear"] == "Netgear" and named["netgear"].down == {"c1"}
    assert written["geonames"] == "GeoNames" and named["geonames"].down == {"c2"}
    assert written["excipients"] == "excipients" and named["excipients"].down == {"c3"}
    alone = stats((RELEVANT, CASED[0], *ELSEWHERE))
    clauses = {
        variant.request.instruction
        for seed in range(10)
        for variant in get_operator("exclusion-clause").variants(
            hospice_case(), random.Random(seed), alone
        )
    }
    assert 'I need the time limits. Do not include documents that mention "Netgear".' in clauses
    assert not any('"netgear"' in clause for clause in clauses)
