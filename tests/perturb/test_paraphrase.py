import itertools
import random
import re
import warnings

import pytest

from instructprobe.perturb import Case, CorpusStats, get_operator
from instructprobe.perturb.paraphrase import GradedParaphrase, PhraseParaphrase, WordNetParaphrase
from instructprobe.perturb.phrases import PHRASE_RULES
from instructprobe.perturb.text import NEGATION_CUES, has_negation, stem, words

LEXICON_MISSING = pytest.mark.filterwarnings("ignore:WordNet is missing")


def rewrite(instruction, query="x", seed=0):
    case = Case("q", query, instruction)
    return PhraseParaphrase().variants(case, random.Random(seed), CorpusStats())


class TestPhraseRules:
    def test_there_are_at_least_150_rules(self):
        assert len(PHRASE_RULES) >= 150

    def test_no_phrase_is_the_source_of_two_rules(self):
        sources = [p for rule in PHRASE_RULES for p in rule.phrases]
        assert len(sources) == len(set(sources))

    def test_rules_never_carry_a_negation_cue(self):
        for rule in PHRASE_RULES:
            for phrase in (*rule.phrases, *rule.targets):
                assert not has_negation(phrase), phrase
                assert not set(words(phrase)) & NEGATION_CUES, phrase

    @pytest.mark.parametrize("word", ["like", "so", "key", "current", "many", "clear"])
    def test_ambiguous_words_are_never_sources(self, word):
        assert all(word not in rule.phrases for rule in PHRASE_RULES)

    def test_every_rule_has_somewhere_to_go(self):
        for rule in PHRASE_RULES:
            for phrase in rule.phrases:
                assert rule.replacements(phrase), phrase

    @pytest.mark.parametrize(
        "instruction",
        [
            "My search for cheap flights.",  # noun 'search'
            "With a sharp focus on results.",  # noun 'focus'
            "I need to leave.",  # 'I need to' is not 'I require to'
            "Should I buy a house?",  # question inversion
            "I am not sure.",  # no contraction before a negation
            "Natural resources that renew.",  # compound head
        ],
    )
    def test_guards_keep_rules_out_of_wrong_contexts(self, instruction):
        for seed in range(5):
            for variant in rewrite(instruction, seed=seed):
                changed = {e.before.lower() for e in variant.edits}
                assert not changed & {
                    "search for",
                    "focus on",
                    "i need",
                    "should",
                    "i am",
                    "resources that",
                }, (instruction, variant.edits)

    @pytest.mark.parametrize(
        ("instruction", "edit"),
        [
            # rejected in the reading audits (benchmarks/audit), each still made before its guard
            ("Find the most recent and reliable source.", "the most recent"),
            ("I need a targeted search for TV shows.", "search for"),
            ("To design the wardrobe, we search for her husband.", "search for"),
            ("Case studies defining it, specifically in a medical setting.", "specifically"),
            ("Quotes from native speakers discussing the name Addae.", "discussing"),
            ("Surveys on the psychological understanding of what it means.", "understanding of"),
            # filter-held-out's rejections
            ("A post for my audience, which ranges from experts to novices.", "my audience"),
            ("Data on biology, specifically focused on where it takes place.", "specifically"),
            ("I need to search for detailed dimensions and designs.", "detailed"),
            ("I need a detailed floor plan of the house.", "a detailed"),
            ("Serve them at the same time as the main courses.", "the main"),
            # paraphrase-held-out-6's rejections
            ("A lecture with practical advice to my audience.", "my audience"),
            ("Photos and detailed ingredient lists of the products.", "detailed"),
            ("I need to search for detailed fault line maps.", "detailed"),
            ("Gardeners must understand if soil is a factor.", "understand"),
            ("Aspects of the systems, specifically those using VoIP.", "specifically"),
            ("Data on biology, specifically the testes.", "specifically"),
            ("My readers rely on me for news.", "my readers"),
            # paraphrase-held-out-7's rejections
            ("I need to conduct an extensive search for studies.", "search for"),
            # paraphrase-held-out-8's rejections
            ("I'm a photographer with a focus on urban scenes.", "with a focus on"),
            ("I'm looking for the search to yield maps.", "i'm looking for"),
            # paraphrase-held-out-9's rejections
            ("I want the most detailed and truck-friendly directions.", "detailed"),
            ("I need a detailed seasonal calendar for mushrooms.", "a detailed"),
            ("Prioritize official announcements and credible leaks.", "credible"),
            ("I need to clearly understand the region.", "clearly"),
            # reworded-held-out
            ("Instead of relying on the information on the web, I want reports.", "information on"),
            ("I need sources for the thesis I am due to present.", "due to"),
            ("I need a chart presenting meters in terms of yards.", "in terms of"),
        ],
    )
    def test_the_audits_rejected_rewrites_are_not_made(self, instruction, edit):
        for seed in range(5):
            for variant in rewrite(instruction, seed=seed):
                assert edit not in {e.before.lower() for e in variant.edits}, variant.edits

    @pytest.mark.parametrize(
        ("instruction", "edit"),
        [
            ("Please search for recipes.", "search for"),
            ("Specifically, I want recipes.", "specifically"),
            ("Documents discussing the tax.", "discussing"),
            ("I want a better understanding of taxes.", "understanding of"),
            ("Find the most recent figures.", "the most recent"),
            # the neighbours of filter-held-out's rejections
            ("I want my readers to understand it.", "my readers"),
            ("I want to provide my readers with examples.", "my readers"),
            ("I want detailed breakdowns including portion sizes.", "detailed"),
            ("Students must understand how it works.", "understand"),
            ("Thus, I want recipes.", "thus,"),
            ("I want a source to confirm the county.", "confirm"),
            ("I need the AI to search for prices.", "search for"),
            ("I need studies with a focus on urban scenes.", "with a focus on"),
            ("I'm looking for a search tool that shows maps.", "i'm looking for"),
            ("I want detailed and accurate explanations.", "detailed"),
            ("Prioritize official announcements and credible sources.", "credible"),
            ("Guides that clearly explain the rules.", "clearly"),
            ("I study biology. Specifically, I need data on the testes.", "specifically"),
            ("I need to search for detailed explanations and designs.", "detailed"),
            ("I need a detailed breakdown of the costs.", "a detailed"),
            ("I want to know the main ingredients.", "the main"),
            ("I need information on the tax credit.", "information on"),
            ("I need reports on delays due to weather.", "due to"),
            ("I need an analysis in terms of cost.", "in terms of"),
        ],
    )
    def test_the_guarded_rules_still_apply_where_they_read_well(self, instruction, edit):
        made = {
            e.before.lower()
            for seed in range(10)
            for v in rewrite(instruction, seed=seed)
            for e in v.edits
        }
        assert edit in made

    @pytest.mark.parametrize(
        "instruction",
        # paraphrase-held-out-7: "ought to hence prioritise", "ought to, hence, be"
        ["My search should thus prioritize articles.", "My search should, thus, be directed."],
    )
    def test_hence_only_opens_a_sentence(self, instruction):
        made = [
            v.request.instruction for seed in range(10) for v in rewrite(instruction, seed=seed)
        ]
        assert any("therefore" in m for m in made)
        assert not any("hence" in m.lower() for m in made)
        opened = {
            v.request.instruction
            for seed in range(10)
            for v in rewrite("Thus, I want it.", seed=seed)
        }
        assert "Hence, I want it." in opened

    def test_rewrites_in_context(self):
        (variant,) = rewrite("I am looking for documents that explain the tax rules.")
        text = variant.request.instruction
        assert text != "I am looking for documents that explain the tax rules."
        assert text.endswith("the tax rules.")
        assert text[0] == "I"

    def test_articles_follow_the_new_word(self):
        seen = set()
        for seed in range(20):
            (variant,) = rewrite("Give me a detailed account.", seed=seed)
            seen.add(variant.request.instruction)
        assert "Give me an in-depth account." in seen
        assert not any(re.search(r"\ba in-depth|\ban thorough", s) for s in seen)

    def test_query_words_and_capitalised_names_are_protected(self):
        for seed in range(10):
            for variant in rewrite(
                "Find documents that Discuss tax.", query="documents", seed=seed
            ):
                assert "documents" in variant.request.instruction
                assert "Discuss" in variant.request.instruction


class TestLexicon:
    def test_part_of_speech_from_sense_counts_and_context(self, lexicon):
        assert lexicon.pos_of(["the", "need"], 1)[0] == "n"
        assert lexicon.pos_of(["must", "explain", "the"], 1)[0] == "v"
        assert lexicon.pos_of(["quickly"], 0)[0] == "r"

    def test_synonyms_come_from_the_most_frequent_sense(self, lexicon):
        assert "instructor" in lexicon.synonyms("teacher", "n")
        assert all(" " not in s or len(s.split()) == 2 for s in lexicon.synonyms("teacher", "n"))

    def test_inflection_is_rebuilt(self, lexicon):
        lemma, inflection = lexicon.inflection("teachers", "n")
        assert lemma == "teacher" and inflection.suffix == "s"
        assert lexicon.inflect("instructor", inflection) == "instructors"
        lemma, inflection = lexicon.inflection("explaining", "v")
        assert lexicon.inflect("describe", inflection) == "describing"
        _, past = lexicon.inflection("described", "v")
        assert lexicon.inflect("give", past) is None, "irregular past forms are not guessed"

    def test_spelling_rules(self):
        from instructprobe.perturb.lexicon import inflect_verb, pluralize

        assert pluralize("study") == "studies" and pluralize("box") == "boxes"
        assert inflect_verb("stop", "ing") == "stopping"
        assert inflect_verb("make", "ing") == "making"
        assert inflect_verb("visit", "ed") is None, "doubling unsure for two syllables"
        assert inflect_verb("tie", "ing") == "tying"


INSTRUCTION = (
    "I am a teacher preparing lessons for my students in Boston. I need documents that explain "
    "the causes of the 1929 crash and describe how ordinary families coped, and I do not want "
    "opinion pieces. The passages should be accurate and written for young readers."
)


@pytest.fixture(scope="module")
def variants(lexicon):
    case = Case("q", "stock market crash causes", INSTRUCTION)
    return WordNetParaphrase().variants(case, random.Random(3), CorpusStats())


class TestWordNetParaphrase:
    def test_one_variant_per_strength_level_with_nested_edits(self, variants):
        assert len(variants) >= 2
        strengths = [v.strength for v in variants]
        assert strengths == sorted(strengths) and len(set(strengths)) == len(strengths)
        assert [dict(v.params)["level"] for v in variants] == ["0.1", "0.25", "0.5"][
            : len(variants)
        ]
        for low, high in itertools.pairwise(variants):
            assert set(low.edits) <= set(high.edits)

    def test_strength_is_the_share_of_content_words_changed(self, variants):
        from instructprobe.perturb.text import content_words

        total = len(content_words(INSTRUCTION))
        for variant in variants:
            level = float(dict(variant.params)["level"])
            assert variant.strength >= round(level * total) / total - 1e-9

    def test_protected_terms_are_kept(self, variants):
        for variant in variants:
            text = variant.request.instruction
            for kept in ("Boston", "1929", "not", "causes", "crash"):
                assert kept in text, (kept, text)
            assert has_negation(text)

    def test_edits_replace_whole_words_and_keep_plurals(self, variants, lexicon):
        for variant in variants:
            for edit in variant.edits:
                assert INSTRUCTION[edit.start : edit.start + len(edit.before)] == edit.before
                if edit.before.endswith("s") and len(words(edit.before)) == 1:
                    base = lexicon.lemma(edit.before.lower(), "n")
                    if base and base != edit.before.lower():
                        assert words(edit.after)[-1].endswith("s"), edit

    def test_deterministic_for_a_seed_and_varies_with_it(self, lexicon):
        case = Case("q", "crash", INSTRUCTION)
        op = WordNetParaphrase()
        first = op.variants(case, random.Random(1), CorpusStats())
        assert first == op.variants(case, random.Random(1), CorpusStats())
        others = [op.variants(case, random.Random(s), CorpusStats()) for s in range(2, 6)]
        assert any(o != first for o in others)

    def test_query_stems_are_never_introduced_or_removed(self, variants):
        query = {stem(w) for w in words("stock market crash causes")}
        for variant in variants:
            before = [stem(w) for w in words(INSTRUCTION) if stem(w) in query]
            after = [stem(w) for w in words(variant.request.instruction) if stem(w) in query]
            assert sorted(before) == sorted(after)


@LEXICON_MISSING
def test_without_wordnet_the_synonym_paraphrase_uses_phrase_rules_and_warns_once(
    tmp_path, monkeypatch
):
    import instructprobe.perturb.lexicon as lexicon_module

    monkeypatch.setattr(lexicon_module, "_WARNED", [])
    missing = lexicon_module.wordnet_lexicon.__wrapped__

    monkeypatch.setattr(lexicon_module, "wordnet_lexicon", lambda: missing((str(tmp_path),)))
    case = Case("q", "crash", INSTRUCTION)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        variants = WordNetParaphrase().variants(case, random.Random(0), CorpusStats())
        WordNetParaphrase().variants(case, random.Random(1), CorpusStats())
    messages = [str(w.message) for w in caught if "WordNet is missing" in str(w.message)]
    assert len(messages) == 1 and "probe setup" in messages[0]
    assert variants, "phrase rules still paraphrase"
    rule_phrases = {p for rule in PHRASE_RULES for p in rule.phrases}
    for variant in variants:
        assert all(e.before.lower().replace("’", "'") in rule_phrases for e in variant.edits)


def test_graded_paraphrase_edits_with_phrase_rules_only(monkeypatch):
    import instructprobe.perturb.lexicon as lexicon_module

    def no_wordnet() -> None:
        raise AssertionError("graded-paraphrase must not read WordNet")

    monkeypatch.setattr(lexicon_module, "wordnet_lexicon", no_wordnet)
    variants = GradedParaphrase().variants(
        Case("q", "crash", INSTRUCTION), random.Random(0), CorpusStats()
    )
    assert variants
    rule_phrases = {p for rule in PHRASE_RULES for p in rule.phrases}
    for variant in variants:
        assert all(e.before.lower().replace("’", "'") in rule_phrases for e in variant.edits)


def test_wordnet_paraphrase_runs_only_where_it_is_named():
    from instructprobe.perturb import Family, operators_for

    default = [op.name for op in operators_for((Family.PARAPHRASE,))]
    assert "wordnet-paraphrase" not in default and "graded-paraphrase" in default
    named = [op.name for op in operators_for((Family.PARAPHRASE,), ("wordnet-paraphrase",))]
    assert named == [
        *default[: default.index("graded-paraphrase") + 1],
        "wordnet-paraphrase",
        *default[default.index("graded-paraphrase") + 1 :],
    ]


def test_phrase_rules_operator_is_registered():
    assert get_operator("phrase-rules").family.value == "paraphrase"
    assert get_operator("graded-paraphrase").family.value == "paraphrase"


def test_particularly_opening_a_sentence_stays_particularly():
    """restate-moved-held-out: "Especially, I need passages…" does not open a sentence."""
    for seed in range(10):
        for variant in rewrite("Particularly, I need documents on tides.", seed=seed):
            assert "particularly" not in {e.before.lower() for e in variant.edits}
    made = {
        e.after.lower()
        for seed in range(10)
        for variant in rewrite("I am particularly keen on tides.", seed=seed)
        for e in variant.edits
    }
    assert any("especially" in after for after in made)


@pytest.mark.parametrize(
    ("instruction", "edit", "written"),
    [
        # restate-held-out-2: a label is detailed, not in depth
        ("I need detailed nutritional labels for cereals.", "detailed", "in-depth"),
        # restate-held-out-2: "given the task of a research project" reads as the project's task
        ("I've been tasked with a research project on cattle.", "tasked with", "given the task"),
    ],
)
def test_restates_readings_rejected_rewrites_are_not_made(instruction, edit, written):
    for seed in range(10):
        for variant in rewrite(instruction, seed=seed):
            for e in variant.edits:
                assert not (e.before.lower() == edit and written in e.after.lower()), e


@pytest.mark.parametrize(
    ("instruction", "edit"),
    [
        # paraphrase-held-out-10 and restate-held-out-3's rejections
        ("I need a detailed illustration of the knot.", "detailed"),
        ("I'm curious to find the optimal time to plant.", "to find"),
        ("I am seeking guidance documents on exports.", "guidance"),
        ("An influencer who discusses celebrity facts with followers.", "discusses"),
        ("I need documents with detailed examples of extradition.", "examples of"),
        # "my tips on money market accounts is up-to-date"
        ("I must ensure my advice on money market accounts is current.", "advice on"),
        # paraphrase-held-out-11 and restate-held-out-4: parameters are not in depth, and
        # nothing is "highly in-depth"
        ("I need detailed legal parameters and current precedents.", "detailed"),
        ("I want highly detailed reviews of blenders.", "detailed"),
        # filter-held-out-2: "in case it's, prioritising", "grasp at what age moles appear",
        # "so I can address bulk pricing choices"
        ("I ask about rates, and in case it is, prioritizing the cheap ones.", "it is"),
        ("My goal is to understand at what age moles appear.", "understand"),
        ("I need prices so I can discuss bulk orders with vendors.", "discuss"),
        # paraphrase-held-out-12 and restate-held-out-5: "a number of of my students",
        # "with particular attention to" after a long persona, "details on genotypes that
        # specifically includes", "reliable information that my customers can rely on"
        ("I see several of my students struggle.", "several"),
        (
            "I am a graduate student in urban planning with a focus on transit networks.",
            "with a focus on",
        ),
        ("I need information on genotypes that specifically includes markers.", "information on"),
        ("I want trustworthy information that my customers can rely on.", "trustworthy"),
        # restate-held-out-6: "details on … is critical", "parental advice ratings", "bid on
        # giving goods"
        ("Localized information on average temperature is critical.", "information on"),
        ("I need the parental guidance ratings of films.", "guidance"),
        ("A bid on providing goods to the prison.", "providing"),
        # restate-held-out-7 and paraphrase-held-out-14: "visually in-depth guides", "searching
        # for a search that", "grasp the costs … and if", "gain a better understanding of and
        # support", "to guarantee that", "have been responsible for"
        ("My search prioritizes visually detailed guides.", "detailed"),
        ("I need highly detailed information on tides.", "detailed information"),
        ("I'm looking for a search that concentrates on tides.", "i'm looking for"),
        ("Searching for a search that covers tides.", "searching for"),
        ("I want to understand the costs and if there are subsidies.", "understand"),
        ("I can better understand and support my clients.", "better understand"),
        ("I have been tasked with writing a report.", "tasked with"),
        # paraphrase-held-out-15 and restate-held-out-8: "how many seats it must fit",
        # "various information", "what services Google gives", "gives notary services",
        # "located regarding major highways", "are explicitly relating to"
        ("I want to know how many seats it has to fit families.", "it has to"),
        ("I want a range of information on tides.", "a range of"),
        ("Which services and solutions Google provides in the cloud.", "provides"),
        ("A business that provides mobile notary services.", "provides"),
        ("Where the town is located with respect to major highways.", "with respect to"),
        ("Passages that are explicitly related to his case.", "related to"),
        # paraphrase-held-out-16: "suppliers who can give international shipping", "grasp when
        # the natural lighting will be at its best"
        ("I need suppliers who can provide international shipping.", "provide"),
        ("It is essential to understand when the light is best.", "understand"),
        # restate-held-out-10: "I am looking for out literary texts", "implemented under their
        # advice"
        ("I'm seeking out literary texts.", "i'm seeking"),
        ("Initiatives implemented under their guidance.", "guidance"),
        # paraphrase-held-out-17: "I need to locate who wrote the original", "ought to
        # preferably"
        ("It is hard to find who wrote the original.", "to find"),
        ("My search should ideally cover tides.", "ideally"),
        # paraphrase-held-out-18: "ought to thus search for"
        ("My search should therefore look for tides.", "my search should"),
        ("Results should clearly list tides.", "should"),
        # paraphrase-held-out-19: "My search ought to, thus, be focused on"
        ("My search should, therefore, be focused on tides.", "my search should"),
        # restate-held-out-13: "a number of are equipped", "change the grasp of how to use it";
        # borderline calls of paraphrase-held-out-17 to -20: "grasp her weight and height",
        # "locate a legal way"
        ("Some are old, and several are equipped with furnaces.", "several"),
        ("It could change the understanding of how to use this drug.", "understanding of"),
        ("Readers understand her weight and height.", "understand"),
        ("It is hard to find a legal way to stay.", "to find"),
        # paraphrase-held-out-21: "address their approaches and tips", "a better understanding
        # of if", "treatment ways to recommend", "along with compared to", "trustworthy
        # internet", "it is become essential"
        ("I want to better understand if the fund aligns.", "better understand"),
        ("New treatment methods to recommend to teams.", "methods to"),
        ("Salaries here, as well as compared to other districts.", "as well as"),
        ("For me, reliable internet is crucial.", "reliable"),
        ("Lately it's become essential to know.", "it's"),
        # restate-held-out-15: "along with in personal development", "my search ought to
        # prioritise search results"
        ("Tips in careers as well as in personal development.", "as well as"),
        ("My search should prioritize results that offer maps.", "results that"),
        # paraphrase-held-out-23 and restate-held-out-16: "cover their initial symptoms" and
        # "she covers her size" said of people, "interested in learning about discovering",
        # "whether Wunderlist gives an app", "the primary sources" for the main ones
        ("Forums where individuals discuss their symptoms.", "discuss"),
        ("An interview where she discusses her size.", "discusses"),
        ("Fans curious about discovering the artist.", "curious about"),
        ("I am confirming whether Wunderlist provides an app.", "provides"),
        ("I want the main sources of iron.", "the main"),
        # restate-held-out-17: "grasp more about"
        ("Readers understand more about tides.", "understand"),
        # restate-held-out-18: "videos describing that…", "historical along with geographical"
        ("Videos explaining that water is vapor.", "explaining"),
        ("Historical as well as geographical information.", "as well as"),
        # restate-held-out-19: "an observational visit to read up on their kitchen operations"
        ("I plan a visit to learn about their kitchen operations.", "learn about"),
        # the final code's readings (paraphrase-held-out-28, restate-held-out-20 and -21):
        # "data about digital platforms", "their conversions plainly", "rich thoroughly and
        # emotion", "a keen concentrate on", "methodologies and search results"
        ("Patient data on digital platforms.", "data on"),
        ("Help my students grasp the concept clearly.", "clearly"),
        ("Reports that are rich in detail and emotion.", "in detail"),
        ("A hotel with a keen focus on safety.", "focus on"),
        ("Methodologies and results that inform analyses.", "results that"),
        # the final code's faults (paraphrase-held-out-29, restate-held-out-22 and -23):
        # "details on 'hazardous constituents' that not only describes", "this details on",
        # "how it is changed", "the past a number of years", "a vivid yet classic search for"
        (
            "I need information on 'hazardous constituents' that not only explains risks.",
            "information on",
        ),
        ("I prefer to find this information on official trade websites.", "information on"),
        ("I want to see how it's changed over the seasons.", "it's"),
        ("Over the past several years, prices rose.", "several"),
        ("A movie that requires a vivid yet classic look for a scene.", "look for"),
        # paraphrase-held-out-32: "This will ascertain how many cars we need", "I grasp that
        # ram air plays a role"
        ("This will determine how many cars we need.", "determine"),
        ("I understand that ram air plays a significant role.", "understand"),
        # paraphrase-held-out-31 and restate-held-out-25: "an informed investigate how…",
        # "sports statistics about local economies" for people; "grasp the cuts of meat"
        # (borderline 11 times)
        ("Resources that give me an informed look into how size affects sales.", "look into"),
        ("My thesis on the impact of sports figures on local economies.", "figures on"),
        ("Readers understand the cuts of meat.", "understand"),
        # paraphrase-held-out-34: "Understanding who wrote it's essential"
        ("Understanding who wrote it is crucial.", "it is"),
        # restate-held-out-26: "must prioritise X, along with provide…"
        ("It needs to prioritize maps as well as provide guides.", "as well as"),
        # paraphrase-held-out-35: "I'm in look for", "wanting to read up on pregnancy" for
        # finding out whether, "extra child tax credit" for the named credit
        ("I am in search for economic reports.", "search for"),
        ("Couples wanting to find out about pregnancy early.", "find out about"),
        ("Those who qualify for the additional child tax credit.", "additional"),
        # reworded-held-out-2 and -3: "pieces that offer me with a grasp", "texts that
        # delineate synthesis along with chronicle its development"
        ("I want pieces that provide me with a basic grasp.", "that provide"),
        ("Texts that delineate synthesis as well as chronicle its development.", "as well as"),
        # reworded-held-out-4 and -5: "a well-rounded and reputable character", "my role
        # needs that I help", and the borderline "needs me, as a driver, to"
        ("I want a well-rounded and credible character.", "credible"),
        ("My role as an accountant requires that I assist a client.", "requires"),
        ("The route requires me, as a driver, to identify the county.", "requires"),
    ],
)
def test_the_latest_readings_rejected_rewrites_are_not_made(instruction, edit):
    for seed in range(10):
        for variant in rewrite(instruction, seed=seed):
            assert edit not in {e.before.lower() for e in variant.edits}, variant.edits


@pytest.mark.parametrize(
    ("instruction", "retired"),
    [
        # "to guarantee that" promised more, "hits that" read oddly (borderline in several
        # readings, the last paraphrase-held-out-14 and -15)
        ("I write notes to ensure that I pass.", "guarantee"),
        ("I need search results that cover tides.", "hits"),
        # "address their approaches and tips" (paraphrase-held-out-10 and -21)
        ("Pages that discuss their tips.", "address"),
        # "research articles and verified research articles" (restate-held-out-13)
        (
            "I will prioritize academic papers and verified research articles.",
            "research articles and verified",
        ),
        # "guidance" <-> "advice" broke a fixed term in four readings ("guidance counselor")
        ("As a guidance counselor, I need to find legal advice.", "advice counselor"),
        ("As a guidance counselor, I need to find legal advice.", "legal guidance"),
        # "a complete guide", "the notion of": borderline five and two times
        # (paraphrase-held-out-15 and -16)
        ("I want a comprehensive guide to tides.", "complete"),
        ("I want the concept of tides explained.", "notion"),
        # "a teaching plan" lost the fixed term, borderline six times (restate-held-out-16 the
        # last)
        ("I am creating a lesson plan on tides.", "teaching plan"),
        # "investigations" for studies, borderline 17 times (paraphrase-held-out-26 the last)
        ("I need studies that measure tides.", "investigations"),
        # no rewrite brings in a word that stands next to it (restate-held-out-17 and
        # paraphrase-held-out-24)
        ("It is hard to find the location of Lakeshore Drive.", "locate the location"),
        ("Research papers or articles from the past five years.", "articles or articles"),
        # "describe" for "explain", "comprehend" and "applicable": called weaker or stiff 34,
        # 28 and 12 times in the readings since paraphrase-held-out-23 and restate-held-out-16
        ("I want pages that explain tides and currents.", "describ"),
        ("Readers can understand why dogs age.", "comprehend"),
        ("I want relevant maps of tides.", "applicable"),
        # "the sources of vitamin An appropriate for…" (paraphrase-held-out-31), "I need a grasp
        # of" (borderline about 30 times since paraphrase-held-out-23)
        ("I need the sources of vitamin A suitable for different species.", "vitamin An"),
        ("I need an understanding of tides.", "a grasp of"),
        # borderline in the readings since paraphrase-held-out-23: "instances" for examples
        # (eight times), "in order that" (five), "needs me to" (four), "a nursing student, at
        # the moment studying" (22)
        ("I need examples of extradition laws.", "instances"),
        ("I need notes so that my team knows the plan.", "in order that"),
        ("My search should find a course that requires me to write.", "needs me to"),
        ("I am a nursing student, currently studying lungs.", "at the moment"),
        # borderline in reworded-held-out to -3: "check" for confirm or verify (five times),
        # "At the moment enrolled" (seven), "therefore enhancing" (four); "check" was also
        # rejected where a source does it ("websites that can check the county",
        # filter-held-out) and before "as" ("check Stephen King as the author",
        # restate-held-out-19)
        ("Websites that can confirm the county.", "check"),
        ("My search must confirm Stephen King as the author.", "check"),
        ("I want a source to confirm the county.", "check"),
        ("Currently enrolled in nursing, I need information on lungs.", "At the moment"),
        ("Currently enrolled in nursing, I need information on lungs.", "At present"),
        ("It rains often, thus enhancing growth. I need information on it.", "therefore enhancing"),
    ],
)
def test_retired_wordings_and_slips_are_never_written(instruction, retired):
    made = {v.request.instruction for seed in range(10) for v in rewrite(instruction, seed=seed)}
    assert made and not any(retired in text for text in made), made


@pytest.mark.parametrize(
    ("instruction", "edit"),
    [
        ("I want detailed analysis of the knot.", "detailed"),
        ("I am eager to find the optimal time to plant.", "to find"),
        ("A page that discusses celebrity facts.", "discusses"),
        ("I need tips on money market accounts.", "tips on"),
        ("I want detailed scientific explanations of tides.", "detailed"),
        ("I want the most detailed reviews of blenders.", "detailed"),
        ("I ask if it is cheap.", "it is"),
        ("My goal is to understand how moles grow.", "understand"),
        ("I need articles that discuss bulk orders.", "discuss"),
        ("I see several students struggle.", "several"),
        ("I need documents with a focus on transit networks.", "with a focus on"),
        ("I need information on genotypes.", "information on"),
        ("I want trustworthy sources.", "trustworthy"),
        ("Articles providing insight into the prison.", "providing"),
        ("I want detailed guides to tides.", "detailed"),
        ("I'm looking for studies of tides.", "i'm looking for"),
        ("Readers can understand why dogs bark.", "understand"),
        ("I can better understand my clients.", "better understand"),
        ("I am tasked with writing a report.", "tasked with"),
        ("I think it has to fit families.", "it has to"),
        ("I want a range of recipes for tides.", "a range of"),
        ("A page that provides insight into tides.", "provides"),
        ("Rules with respect to tides.", "with respect to"),
        ("Passages related to his case.", "related to"),
        ("I need suppliers who can provide maps.", "provide"),
        ("I'm seeking literary texts.", "i'm seeking"),
        ("My search should look for tides.", "my search should"),
        ("Readers try to find the nearest store.", "to find"),
        ("Ideally, the search covers tides.", "ideally"),
        ("Pages that discuss tides.", "discuss"),
        ("I want new methods to teach algebra.", "methods to"),
        ("Tides as well as currents.", "as well as"),
        ("I want results that offer maps.", "results that"),
        ("Forums that also discuss tides.", "discuss"),
        ("A page that discusses tides.", "discusses"),
        ("Readers curious about tides.", "curious about"),
        ("It is hard to find the address of the park.", "to find"),
        ("My search must confirm the author of the book.", "confirm"),
        ("Readers learn about their kitchen operations.", "learn about"),
        ("Patient data on tides.", "data on"),
        ("Pages that show tides clearly.", "clearly"),
        ("Pages that explain tides in detail.", "in detail"),
        ("Guides focus on tides.", "focus on"),
        ("It should provide accurate and recent information.", "provide"),
        ("I want reliable sources on tides.", "reliable"),
        ("I want to see how it's shaped by wind.", "it's"),
        ("Over several years, prices rose.", "several"),
        ("I need this map and information on tides.", "information on"),
        ("I am a nurse and I look for tides.", "look for"),
        ("Readers determine how many cars we need.", "determine"),
        ("I want to look into tides.", "look into"),
        ("I need the latest figures on tides.", "figures on"),
        ("Readers understand the implications of tides.", "understand"),
        ("I need a better understanding of tides.", "understanding of"),
        ("A detailed guide to tides.", "a detailed"),
        ("I know it is crucial.", "it is"),
        ("The course requires writing an essay and it requires time.", "requires"),
        ("Currently, I study lungs.", "currently"),
        ("I am eager to search for economic reports.", "search for"),
        ("Readers want to learn about pregnancy.", "learn about"),
        ("Those who want additional maps of tides.", "additional"),
        ("It needs maps as well as providing guides.", "as well as"),
        ("I want pieces that provide a basic grasp.", "that provide"),
        ("Texts that delineate synthesis as well as the history of it.", "as well as"),
        ("I want studies from reliable and credible journals.", "credible"),
        ("The route requires careful planning.", "requires"),
    ],
)
def test_their_neighbours_are_still_rewritten(instruction, edit):
    made = {
        e.before.lower()
        for seed in range(10)
        for variant in rewrite(instruction, seed=seed)
        for e in variant.edits
    }
    assert edit in made, made


def test_please_stress_is_not_asked_of_a_person():
    from instructprobe.perturb.paraphrase import phrase_sites

    sites = phrase_sites("Please emphasize local tourism boards.", frozenset())
    assert "emphasize" not in {s.before.lower() for s in sites}
    sites = phrase_sites("Guides should emphasize local tourism.", frozenset())
    assert "emphasize" in {s.before.lower() for s in sites}


@pytest.mark.parametrize("operator", ["phrase-rules", "graded-paraphrase", "recast", "rewrite"])
def test_two_wordings_are_not_both_rewritten_into_one(operator):
    # "looking for" and "searching for" both written "hunting for" read as a slip
    instruction = (
        "As a parent looking for a gift for my son, I'm searching for the release date of the "
        "console."
    )
    case = Case("q", "console release date", instruction)
    made = [
        v.request.instruction
        for seed in range(40)
        for v in get_operator(operator).variants(case, random.Random(seed), CorpusStats())
    ]
    assert any("hunting for" in text for text in made), made
    assert not any(text.count("hunting for") > 1 for text in made), made
