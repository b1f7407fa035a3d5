"""Phrase rules for the language of search instructions, for the phrase-level paraphraser.

A rule holds phrases that can replace one another in an instruction without changing what is
asked for (``phrases``: each one is matched and each one can be written), plus replacements that
are only ever written (``targets``) because as a source they would be ambiguous ("cover",
"address", "offer" are also nouns). Guards keep a rule out of contexts where it would break the
sentence: ``not_after`` is a regular expression the text before a match must not end with,
``not_before`` one the text after it must not start with.

Rules are written for precision, not coverage: no phrase is a negation cue (a rewrite keeps the
instruction's polarity), no phrase is a domain term (a rewrite keeps its topic), and words that
are often something else in context ("like", "so", "key", "current", "clear", "many") are
never sources. Matching is case-insensitive on word boundaries; the longest match wins.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PhraseRule:
    phrases: tuple[str, ...]
    targets: tuple[str, ...] = ()
    not_after: str | None = None
    not_before: str | None = None
    only_after: str | None = None

    def replacements(self, source: str) -> tuple[str, ...]:
        """What ``source`` (one of ``phrases``, any case) may become."""
        lowered = source.lower().replace("’", "'")
        return tuple(p for p in (*self.phrases, *self.targets) if p != lowered)


def rule(
    *phrases: str,
    targets: tuple[str, ...] = (),
    not_after: str | None = None,
    not_before: str | None = None,
    only_after: str | None = None,
) -> PhraseRule:
    """A rule of ``phrases`` (each may become any other) and one-way ``targets``, with its
    guards; the phrase rules and the recast phrasebook are written with it."""
    return PhraseRule(tuple(phrases), targets, not_after, not_before, only_after)


_DETERMINER_BEFORE = (
    r"\b(?:a|an|the|my|our|your|his|her|its|their|this|that|main|sharp|special)\s+$"
)
"""A noun use of a word that is also a verb ("the focus on", "my search for")."""
_NOUN_SLOT = (
    r"(?:^|[.;:,!?(]\s*|\b(?:a|an|the|any|some|all|more|other|relevant|reliable|credible|recent|"
    r"reputable|find|retrieve|return|need|want|seek|seeking|prioritize|prioritizing|include|"
    r"including|on|about|for|from|of|to|with|and|or|are|is|be|yield|locate|list|suggest)\s+)$"
)
"""A noun phrase that starts here and is not the head of a compound ("natural resources")."""

_OBJECT_THEN_WITH = r"(?:\s+[\w'’-]+){1,4}?\s+with\b"
"""'provide X with Y': its object takes "with", which "give" and "offer" do not."""
_DOCUMENTS_BEFORE = (
    r"\b(?:documents|articles|sources|resources|results|papers|studies|passages|texts|websites|"
    r"sites|pages|guides|materials|content|reports|publications|books|search|information)\s+$"
)
"""Where a participle's subject is the documents ("studies focusing on X"): said of a person
("a designer focusing on X"), "concentrating on" or "centering on" reads wrong."""

_DOCUMENTS_DO = r"\b(?:that|which)\s+(?:(?:also|both|further|[a-z]+ly)\s+)?$|" + _DOCUMENTS_BEFORE
"""Where a verb's subject is most often the documents: a relative clause ("articles that
discuss", "forums that also discuss") or right after a word for them."""

BARE_VERBS = (
    r"provide|offer|include|give|discuss|cover|explain|describe|list|show|highlight|focus|"
    r"find|help|support|contain|feature|address|prioriti[sz]e|emphasi[sz]e|explore|examine|"
    r"compare|suggest|recommend|identify|detail|outline|present|share|teach|learn|"
    r"understand|know|consider|be|have|make|get|take|ensure|answer|analy[sz]e|evaluate|"
    r"assess|clarify|demonstrate|illustrate|mention|touch|reflect|meet|fit|use|cater"
)
"""Bare verbs of instruction language (an alternation): after "as well as" or "and" one starts a
second verb phrase ("must prioritise X, along with provide…")."""
OWN_OBJECT_NEXT = r"\s+[a-z]+\s+(?:its|their|his|her|this|these|those|our|my|your|the)\b"
"""A word with an object of its own after it, most likely a verb ("chronicle its
development")."""

_ON_A_PLACE = (
    r"\s+(?:the\s+|their\s+|its\s+)?(?:web|internet|net|website|websites|site|sites|page|pages|"
    r"forums?|line|ground|market|shelves|label|labels|packaging)\b"
)
"""Where "information on" says where it is found ("information on the web", reworded-held-out),
which "about" would turn into its topic."""
_EXPRESSED = (
    r"\b(?:present|presents|presenting|presented|express|expresses|expressing|expressed|"
    r"measure|measures|measuring|measured|convert|converts|converting|converted|state|stated|"
    r"quoted|priced|valued|given)\b(?:\s+[\w'’-]+){0,3}?\s+$"
)
"""Where "in terms of" names the unit an amount is given in."""

NOT_NEEDED = r"\s+\w+ing\b|\s+(?:me|us|him|her|them|you|that)\b"
"""Where "require(s)" is not "need(s)": before an -ing ("needs knowing"), a person ("needs me
to") or a clause ("needs that I help")."""
_GRASP_AFTER = (
    r"\b(?:my|our|your|his|her|their|better|good|clear|basic|deep|deeper|solid|"
    r"thorough|full|fuller|firm|general|broad|broader)\s+$"
)
"""Where "understanding of" and "grasp of" can replace each other ("a better grasp of"); not
after "the": "the understanding of how to use it" is a field's, "the grasp of" one person's
(restate-held-out-13); nor after a bare "a": "I need a grasp of" is a stiff nominalisation
(borderline about 30 times in the readings since paraphrase-held-out-23)."""

_NOT_IN_DEPTH = (
    r"(?!\s+(?:(?:[a-z-]+(?:al|ic|ive|ous|ful|ate|ent|ant|ible|able|ary|ory)|and),?\s+){0,3}"
    r"(?:information|descriptions?|explanations?|breakdowns?|guides?|research|insights?|"
    r"reports?|reporting|accounts?|analys[ie]s|articles?|comparisons?|understanding|reviews?|"
    r"stud(?:y|ies)|case studies|knowledge|content|coverage|discussions?|overviews?|look|"
    r"examinations?|exploration|investigations?|interviews?|assessments?|evaluations?|"
    r"profiles?|tutorials?|treatment)\b)"
)
"""Where "detailed" cannot become "in-depth" or "a thorough" (nor back): anywhere but before a
noun of study, explanation or report, perhaps after adjectives (by their endings: -al, -ic,
-ive, -ous, -ate, -ent...) and "and" ("detailed scientific explanations", "detailed and
accurate information"). Measurements, lists, maps, pictures, labels, directions, prices and
parameters are detailed, not in depth ("in-depth dimensions", "in-depth ingredient lists",
"in-depth nutritional labels", "an in-depth illustration", "in-depth legal parameters": five
readings, each with a noun the list of such nouns before it lacked, so the nouns that allow it
are listed instead)."""
DEGREE_ADVERBS = r"(?:highly|very|extremely|incredibly|really|quite|rather|fairly|so|too)"
"""Adverbs of degree: "highly detailed" is said, "highly in-depth" is not (restate-held-out-4)."""
_DEGREE_BEFORE = rf"\b(?:{DEGREE_ADVERBS}|[a-z]+ly)\s+$"
"""An adverb of degree or manner before "detailed": "visually detailed guides" are not "visually
in-depth" (restate-held-out-7)."""
_DETERMINER_AND_MODIFIERS = (
    r"|\b(?:a|an|the|this|that|my|our|your|his|her|their|its|any|another)\s+"
    r"(?:(?!(?:to|can|could|will|would|should|must|may|might|and|or|who|that|which)\b)"
    r"[\w-]+\s+){1,2}$"
)
"""A noun with a determiner and modifiers before it ("an extensive search for" is not "an
extensive look for"; paraphrase-held-out-7)."""
_THING_THAT = r"\b(?:that|which)\s+(?:(?:can|could|will|would|may|might|should|must)\s+)?$"
"""The verb of a relative clause, whose subject is a thing more often than a person."""
_MAIN_COMPOUND = (
    r"\s+(?:course|courses|dish|dishes|meal|meals|entrees?|clause|deck|diagonal|drag|entry|"
    r"file|line|office|road|rotor|street|yard|sources?)\b"
)
"""Fixed phrases of "main" (WordNet's compounds, and the dishes of a meal): "the main courses"
are not "the primary courses" (filter-held-out), and "the main sources" are not primary
sources, a term of its own (restate-held-out-16)."""

_ADVERB_NEXT = r",?\s+(?:therefore|thus|hence|also|still|always|just|[a-z]+ly)\b"
"""An adverb after a modal ("should therefore look", "should, therefore, be"), which "ought to"
would split from its verb (paraphrase-held-out-18 and -19)."""
_WAYS_AFTER = (
    r"(?:^|[.;:!?,(]\s*|\b(?:the|a|an|my|our|your|their|his|her|its|some|any|other|new|best|"
    r"better|good|effective|practical|simple|easy|safe|different|various|possible|alternative|"
    r"creative|natural|common|specific|proven|innovative|quick|efficient|healthy|and|or|of|for|on|"
    r"about|in|to|with|find|finding|explore|exploring|learn|include|including|suggest|suggesting|"
    r"recommend|recommending|discuss|discussing|explain|explaining|list|listing|offer|offering|"
    r"provide|providing|seek|seeking|need|want|are|is)\s+)$"
)
"""Before "ways to" / "methods to": a word that cannot make a compound with it."""
HAS_AS_POSSESSION = r"\b(?:how\s+(?:many|much)|what|which|whatever)\s+(?:[\w'’-]+\s+){0,3}$"
"""A fronted object before "has to" ("how many seats it has to fit"): "has" is possession and
"to" begins a purpose, so neither "must" nor "needs to" can stand for it."""
_UNCOUNTABLE = (
    r"\s+(?:[\w-]+\s+){0,2}?(?:information|data|advice|guidance|knowledge|research|content|"
    r"material|evidence|equipment|news|feedback|support|coverage|expertise|insight|help)\b"
)
"""A noun with no plural: "various information" is not said (paraphrase-held-out-15)."""
_SUPPLIED = (
    r"(?:services?|solutions|products|goods|supplies|equipment|materials|shipping|delivery|"
    r"support|coverage|access|care|assistance|insurance|financing|installation|repairs?|"
    r"maintenance|training)\b"
)
"""What a business provides or offers and does not give: "what services Google gives", "gives
mobile notary services", "suppliers who can give international shipping" (paraphrase-held-out-15
and -16, restate-held-out-6 and -8)."""
_SERVICES_NEAR = r"\s+(?:[\w-]+\s+){0,3}?" + _SUPPLIED
_NOT_INFORMATION = (
    r"(?!\s+(?:[\w'’-]+,?\s+){0,3}?(?:information|insights?|details?|definitions?|analys[ie]s|"
    r"advice|explanations?|descriptions?|overviews?|examples?|data|context|answers?|guidance|"
    r"tips|comparisons?|breakdowns?|evidence|statistics|figures|perspectives?|summar(?:y|ies)|"
    r"updates?|instructions|steps|understanding|clarity|background|case\s+studies|look|"
    r"picture|accounts?|facts|numbers|estimates?|recommendations?|suggestions?|references?|"
    r"reviews?|feedback|knowledge|clarification|sources?|citations?|studies|research|"
    r"results|reports?|guidelines|strategies|methods|ideas|options|coverage|discussions?|"
    r"narratives?|stories|quotes?|testimonials?|opinions?|maps?|charts?|diagrams?|images?|"
    r"pictures?|photos?|visuals?|illustrations?|tables?|lists?|links?|timelines?|guides?|"
    r"tutorials?)\b)"
)
"""Where "provide" is not "give" or "offer": anywhere but before something said or shown,
perhaps after a few modifiers ("accurate and up-to-date information", "a clear definition").
Companies provide apps, services, goods and shipping, and each reading found another such noun
("whether Wunderlist gives an app", restate-held-out-16), so what may be given is listed."""
_SERVICES_BEFORE = r"\b" + _SUPPLIED + r"[^.;:!?]{0,60}$"

_SEARCH_TO = (
    r"\s+(?:the|a|an|my|our)\s+(?:[\w-]+\s+){0,2}?(?:search|results?|engine|AI|tool)\s+to\b"
)
"""'looking for the search to yield X': a wish about the search, not a thing to look for."""
_NOT_SET_OUT = r"(?!\s+(?:how|why|what|when|where|whether|which|the\s+(?:[\w-]+\s+){1,3}?of)\b)"
"""Where "that set out" is not written: anywhere but before a question word or "the … of"."""
PARTICLE_OR_TO = r"\s+(?:to|out|after|up)\b"
"""'seeking to X', 'seeking out X': not 'looking for' ("I am looking for out literary texts";
restate-held-out-10)."""
A_SEARCH_THAT = r"\s+(?:the|a|an|my|our)\s+(?:[\w-]+\s+){0,2}?search\s+(?:that|which)\b"
"""'looking for a search that…' (a search to behave so, not a search tool): "searching for a
search that" says search twice (borderline in three readings, restate-held-out-7 and
paraphrase-held-out-14 the last)."""
_SEARCH_AS_OBJECT = _SEARCH_TO + "|" + A_SEARCH_THAT

PHRASE_RULES: tuple[PhraseRule, ...] = (
    # --- what the searcher is doing ---------------------------------------------------------
    rule(
        "i am looking for",
        "i am searching for",
        "i'm looking for",
        "i'm searching for",
        targets=("i am seeking", "i am trying to find"),
        # "I'm looking for the search to yield X" wants the search to yield it: "I am seeking
        # the search to yield" is not English (paraphrase-held-out-8)
        not_before=_SEARCH_AS_OBJECT,
    ),
    rule("i am seeking", "i'm seeking", targets=("i am looking for",), not_before=PARTICLE_OR_TO),
    rule("i need to find", "i have to find", "i must find"),
    rule("i need to search for", "i need to look for", "i have to search for"),
    rule("i want to find", "i would like to find", "i'd like to find", "i wish to find"),
    rule("i want to search for", "i would like to search for", "i'd like to search for"),
    rule("i want to know", "i would like to know", "i'd like to know", "i wish to know"),
    rule("i want to understand", "i would like to understand", "i'd like to understand"),
    rule("i want to learn", "i would like to learn", "i'd like to learn"),
    rule("i need to understand", "i have to understand", "i must understand"),
    rule("i need to know", "i have to know", "i must know"),
    rule("i need to confirm", "i have to confirm", "i must confirm"),
    rule("i need to verify", "i have to verify", "i must verify"),
    rule("i need to determine", "i have to determine", "i must determine"),
    rule("i need to ensure", "i have to ensure", "i must ensure"),
    rule("i need to research", "i have to research", "i must research"),
    rule("i need to learn", "i have to learn", "i must learn"),
    rule("i need to identify", "i have to identify", "i must identify"),
    rule("i need", "i require", not_before=r"\s+to\b"),
    rule("i want", "i would like", "i'd like", not_before=r"\s+(?:you|him|her|them|it)\b"),
    rule("i am researching", "i'm researching", targets=("i am investigating",)),
    rule("i am trying to", "i'm trying to", "i am attempting to", "i'm attempting to"),
    rule("i aim to", "i intend to"),
    rule("my goal is to", "my aim is to", "my objective is to"),
    rule("i am curious about", "i'm curious about"),
    rule("i am interested in", "i'm interested in"),
    rule("i have been", "i've been"),
    rule("i would", "i'd", not_before=r"\s+(?:not|never)\b"),
    rule("i am", "i'm", not_before=r"\s+(?:not|never)\b"),
    rule("we are", "we're", not_before=r"\s+(?:not|never)\b"),
    # "it's been" is "it has been", which "it is" is not
    # nor can "it's" end a clause ("in case it's, prioritising": filter-held-out-2)
    # "it's become" is "it has become" ("it is become": paraphrase-held-out-21)
    rule(
        "it is",
        "it's",
        # nor where "it's" is "it has" before a verb that takes no object: "how it is changed"
        # (restate-held-out-22)
        not_before=r"\s+(?:not|never|been|got|gotten|had|become|grown|gone|come|done|made|taken|"
        r"changed|evolved|developed|increased|decreased|improved|worsened|risen|fallen|dropped|"
        r"declined|shifted|happened|occurred|lasted|ended|started|begun|expanded)\b"
        r"|\s*(?:[,.;:!?)]|$)",
        # nor where "it" is a verb's object before the main verb: "who wrote it is crucial"
        # (paraphrase-held-out-34)
        not_after=r"\b(?:who|what|which|whoever|whatever|that)\s+[a-z]+\s+$",
    ),
    rule("please retrieve", "please find", "please return", "please fetch", "please locate"),
    rule("help me understand", "help me to understand", "allow me to understand"),
    rule("help me find", "help me to find", "allow me to find"),
    rule("so that i can", "so i can", "so that i am able to"),
    rule("in order to", "so as to"),
    # no "so that" -> "in order that": stiff (borderline five times since
    # paraphrase-held-out-23); the other way is plain
    rule("in order that", targets=("so that",)),
    # "to guarantee that" promises more than "to ensure that" (borderline in several readings,
    # twice in paraphrase-held-out-14)
    rule("to ensure that", "to make sure that"),
    rule("ensure that", "make sure that"),
    # "curious to find the optimal time" is finding out: "curious to locate" is not
    # (paraphrase-held-out-10)
    # nor is "find who wrote it": one locates a thing, not an answer (paraphrase-held-out-17)
    rule(
        "to find",
        "to locate",
        # nor "locate a legal way", "locate jobs" (borderline, paraphrase-held-out-20)
        not_before=r"\s+(?:out|who|whom|whose|what|which|whether|if|when|where|why|how)\b"
        r"|\s+(?:a\s+(?:[\w-]+\s+)?way|jobs?|work|time)\b",
        not_after=r"\bcurious\s+$",
    ),
    rule("searching for", "looking for", targets=("hunting for",), not_before=_SEARCH_AS_OBJECT),
    # "a targeted search for" is a noun; "look for her husband" reads as seeking the person
    rule(
        "search for",
        "look for",
        not_after=_DETERMINER_BEFORE
        + r"|\b(?:in-depth|complete|thorough|comprehensive|detailed|quick|broad|[\w-]+ed)\s+$"
        + _DETERMINER_AND_MODIFIERS
        # nor the fixed "in search for/of": "I'm in look for" (paraphrase-held-out-35)
        + r"|\bin\s+$"
        # coordinated modifiers: "a vivid yet classic look for" (restate-held-out-22)
        + r"|\b(?:a|an|the|this|that|my|our|your|his|her|their|its|any)\s+[\w-]+,?\s+"
        r"(?:yet|but|and|or)\s+(?!(?:i|we|you|they|he|she|also|often|then|now|still|always|"
        r"never|so|[a-z]+ly)\s)[\w-]+\s+$",
        not_before=r"\s+(?:her|his|him|their|them|my|me|us)\b",
    ),
    # not of a visit or an observation: "an observational visit to read up on their kitchen"
    # (restate-held-out-19); "find out about" is only written: it may be to find out whether
    # ("couples wanting to find out about pregnancy at the earliest moment" are not reading up
    # on it; paraphrase-held-out-35)
    rule(
        "learn about",
        "read up on",
        targets=("find out about",),
        not_after=r"\b(?:visit|tour|trip|observ|attend|watch)\w*\b[^.;:!?]*$",
    ),
    rule("find out", targets=("discover",), not_before=r"\s+about\b"),
    # not the noun: "an informed look into how…" (paraphrase-held-out-31)
    rule("look into", "investigate", not_after=_DETERMINER_BEFORE + _DETERMINER_AND_MODIFIERS),
    # not before an activity: "interested in learning about discovering" (paraphrase-held-out-23)
    rule("curious about", "interested in learning about", not_before=r"\s+[a-z]+ing\b"),
    # --- what the search should do ----------------------------------------------------------
    # not before an adverb: "ought to thus search" splits the infinitive (paraphrase-held-out-18)
    rule("my search should", "my search ought to", not_before=_ADVERB_NEXT),
    rule("the search should", "the search ought to", not_before=_ADVERB_NEXT),
    rule(
        "should",
        "ought to",
        not_before=r"\s+(?:i|we|you|he|she|it|they|not|never)\b|" + _ADVERB_NEXT,
    ),
    rule("my search must", "my search has to", "my search needs to"),
    rule("the search must", "the search has to", "the search needs to"),
    rule("the results must", "the results have to", "the results need to"),
    rule("i must", "i have to", not_before=r"\s+(?:not|never)\b"),
    # "how many seats it has to fit families" is what it has, not what it must do
    # (paraphrase-held-out-15)
    rule(
        "it must",
        "it has to",
        not_before=r"\s+(?:not|never)\b",
        not_after=HAS_AS_POSSESSION,
    ),
    rule("my search will", "the search will"),
    rule("i am hoping to", "i'm hoping to", "i hope to"),
    # --- what is searched for ---------------------------------------------------------------
    rule("documents that", "passages that", targets=("texts that",), only_after=_NOUN_SLOT),
    rule("documents which", "passages which", only_after=_NOUN_SLOT),
    rule("find documents", "find passages"),
    rule("retrieve documents", "retrieve passages"),
    rule("articles that", "write-ups that", only_after=_NOUN_SLOT),
    rule("resources that", targets=("materials that",), only_after=_NOUN_SLOT),
    # one way: "sources that can sell these items" are suppliers, not references
    rule("references that", targets=("sources that",), only_after=_NOUN_SLOT),
    # no "hits that": borderline in several readings (paraphrase-held-out-15 three times)
    # not where the sentence has named a search: "my search ought to prioritise search results
    # that" (restate-held-out-15)
    # nor in a list, where "results" are a study's: "methodologies and search results"
    # (restate-held-out-21)
    rule(
        "search results that",
        "results that",
        only_after=_NOUN_SLOT,
        not_after=r"\bsearch\b[^.;:!?]*$|\b(?:and|or),?\s+$",
    ),
    rule("websites that", "web pages that", targets=("sites that",), only_after=_NOUN_SLOT),
    rule("scholarly articles", "academic articles", "scholarly papers"),
    rule("research papers", "academic papers", "research articles", only_after=_NOUN_SLOT),
    rule("peer-reviewed", "peer reviewed", targets=("refereed",)),
    # "details" is plural: not where a relative clause's verb agrees with the noun ("details on
    # genotypes that specifically includes", restate-held-out-5), also past a quoted term and
    # "not only" ("details on 'hazardous constituents' that not only describes",
    # paraphrase-held-out-29), nor after "this" ("this details on", restate-held-out-23)
    rule(
        "information about",
        "information on",
        "details about",
        "details on",
        not_before=r"\s+(?:[\w'‘’\"“”-]+,?\s+){0,5}?(?:(?:that|which)\s+"
        r"(?:(?:not\s+only|also|both|[a-z]+ly)\s+)*[a-z]+s|is|was|has)\b|" + _ON_A_PLACE,
        not_after=r"\b(?:this|that|much|little|less)\s+$",
    ),
    rule("information regarding", "information concerning", "details regarding"),
    rule(
        "detailed information",
        "in-depth information",
        "thorough information",
        not_after=_DEGREE_BEFORE,
    ),
    rule("a detailed", "an in-depth", "a thorough", not_before=_NOT_IN_DEPTH),
    rule(
        "detailed",
        "in-depth",
        not_after=r"\b(?:is|was|are|were|be|been|have|has|had)\s+$|" + _DEGREE_BEFORE,
        not_before=_NOT_IN_DEPTH,
    ),
    # no "a comprehensive" <-> "a complete": a complete guide claims more than a comprehensive
    # one (borderline five times in paraphrase-held-out-15 and -16)
    # no "applicable": "the applicable contact phone number" leans to "that applies" (borderline
    # 12 times in the readings since paraphrase-held-out-23)
    rule("relevant", "pertinent"),
    # not data held on a medium: "patient-generated data about digital platforms"
    # (restate-held-out-20)
    rule(
        "data on",
        "data about",
        not_before=r"\s+(?:[\w-]+\s+){0,2}?(?:platforms?|devices?|servers?|sites?|websites?|apps?|"
        r"cloud|phones?|computers?|disks?|drives?|networks?|media|databases?|systems?)\b",
    ),
    # "sports figures on local economies" are people (restate-held-out-25)
    rule(
        "statistics on",
        "statistics about",
        "figures on",
        not_after=r"\b(?:sports?|public|political|historical|religious|famous|prominent|key|"
        r"leading|literary|cultural|authority|parental|celebrity|iconic|notable|major)\s+$",
    ),
    rule("an overview of", "a summary of", "an outline of"),
    rule("a brief overview", "a short overview", "a concise overview"),
    # no "examples of" <-> "instances of": "visual instances", "clear instances of what sets
    # this voice apart" read stiff (borderline eight times since paraphrase-held-out-23), and
    # "instances of fraud" are occurrences, not examples
    rule("for example", "for instance"),
    rule("types of", "kinds of", "sorts of"),
    rule("different types of", "various types of", "different kinds of"),
    rule("aspects of", "facets of"),
    # "advice" is a mass noun: "my advice on X is" cannot become "my tips on X is"
    # (paraphrase-held-out-10)
    rule("tips on", "pointers on"),
    rule("tips for", "pointers for"),
    # "guidance" <-> "advice" is gone: it broke a fixed term in four readings ("guidance
    # documents", "parental guidance", "under their guidance", "guidance counselor";
    # paraphrase-held-out-10 and -18, restate-held-out-6 and -10)
    # "guidelines" -> "recommendations" is gone: where guidelines bind (billing, coding, legal,
    # child support) recommendations do not, and readers called it borderline nine times in
    # one sample (paraphrase-held-out-13) after three earlier readings
    # "the notion of" was borderline twice (paraphrase-held-out-16): a notion is vaguer
    rule("the concept of", "the idea of"),
    rule("the impact of", "the effect of"),
    # "the most recent and reliable": "most" also governs the next adjective
    rule(
        "the latest",
        "the most recent",
        not_before=r"\s+(?:in|on|at|for|so|in order|and|or)\b",
    ),
    rule("up-to-date", "up to date"),
    rule("step-by-step", "step by step"),
    # only after a determiner, an adjective of how good, or a verb: "treatment methods" is a
    # compound, "treatment ways" is not (paraphrase-held-out-21)
    rule("ways to", "methods to", only_after=_WAYS_AFTER),
    rule("ways of", targets=("methods of", "means of")),  # "the ways of spread" is not English
    rule("the best way", "the optimal way", "the ideal way"),
    rule("the main", "the primary", "the principal", not_before=_MAIN_COMPOUND),
    rule("a wide range of", "a broad range of", "a wide variety of"),
    rule(
        "a variety of",
        "a range of",
        "an array of",
        targets=("various",),
        not_before=_UNCOUNTABLE,
    ),
    rule("numerous", targets=("many",)),
    rule("a lot of", "lots of"),
    # "several of my students" is not "a number of of my students" (paraphrase-held-out-12)
    # nor where "several" stands alone ("several are equipped": "a number of are";
    # restate-held-out-13)
    # nor after a determiner or "past": "the past a number of years" (restate-held-out-22)
    rule(
        "several",
        targets=("a number of", "multiple"),
        not_after=r"\b(?:the|these|those|my|our|your|his|her|its|their|past|last|next|first|"
        r"previous|recent|final)\s+$",
        not_before=r"\s+(?:of|are|were|is|was|have|had|can|could|will|would|may|might|do|did)\b"
        r"|\s*[,.;:!?]",
    ),
    # --- how the documents should read -----------------------------------------------------
    rule("the exact", "the precise"),
    # "the most reliable information that my customers can rely on" (restate-held-out-5)
    # "reliable internet" is dependable, not trustworthy (paraphrase-held-out-21)
    rule(
        "reliable",
        "trustworthy",
        "dependable",
        not_before=r"[^.;!?]*\brel(?:y|ies|ied)\b|\s+(?:[\w-]+\s+)?(?:internet|service|services|"
        r"connection|connectivity|network|wi-?fi|power|electricity|supply|supplier|suppliers|"
        r"transport|transportation|car|cars|vehicle|equipment|income)\b",
    ),
    # what is believed is credible, not reputable: "reputable leaks" (paraphrase-held-out-9),
    # nor what is believable in fiction: "a well-rounded and reputable character"
    # (reworded-held-out-4)
    rule(
        "credible",
        "reputable",
        only_after=r"\b(?:and|or|from|of|on|cite|use|using|find|need|want|with)\s+$",
        not_before=r"\s+(?:leaks?|claims?|evidence|rumou?rs?|information|data|estimates?|"
        r"figures|statistics|numbers|testimon(?:y|ies)|characters?|protagonists?|heroe?s?|"
        r"heroines?|villains?|stor(?:y|ies)|plots?|narratives?|portrayals?|scenarios?|"
        r"dialogues?|performances?|worlds?|settings?)\b",
    ),
    rule("easy to understand", "simple to understand", "easy to grasp"),
    rule("easy to follow", "simple to follow"),
    # "clearly understand" is a degree: "plainly comprehend" is not English (paraphrase-held-out-9)
    # nor after such a verb's object: "grasp … their conversions plainly" (restate-held-out-20)
    rule(
        "clearly",
        "plainly",
        not_before=r"\s+(?:understand|comprehend|grasp|see|know|recogni[sz]e|remember|"
        r"identify|distinguish|differentiate)\b",
        not_after=r"\b(?:understand|comprehend|grasp|see|know|recogni[sz]e|remember|identify|"
        r"distinguish|differentiate)\b[^.;:!?]*$",
    ),
    rule("suitable for", "appropriate for"),
    rule("useful", "helpful"),
    rule("crucial", targets=("vital", "essential")),
    # only the sentence's opener "Specifically, ...": inside a sentence "specifically"
    # restricts and "in particular" emphasises ("…, in particular in a medical setting", "…, in
    # particular focused on", "…, in particular those incorporating VoIP")
    rule(
        "specifically",
        "in particular",
        only_after=r"(?:^|[.;:!?]\s*)$",
        not_before=r"(?!,)",
    ),
    # "Particularly, I need…" opens a sentence; "Especially, I need…" does not (restate-moved-
    # held-out)
    rule("particularly", targets=("especially",), not_after=r"(?:^|[.;:!?]\s*)$"),
    rule("especially", targets=("particularly",)),
    # "should ideally" is not "ought to preferably" (borderline twice, paraphrase-held-out-17)
    rule("ideally", "preferably", not_after=r"\b(?:should|ought to|must|would|will)\s+$"),
    rule("typically", "usually"),
    rule("approximately", "roughly"),
    rule("fully", "completely"),
    # not after an adjective that takes "in": "rich thoroughly and emotion"
    # (paraphrase-held-out-28)
    rule(
        "in detail",
        targets=("thoroughly",),
        not_after=r"\b(?:rich|lacking|abundant|poor|high|low|full|wealthy|varied|vary|varies)\s+$",
    ),
    # not in a credit's or an allowance's name: "additional child tax credit"
    # (paraphrase-held-out-35)
    rule(
        "additional",
        targets=("extra", "further"),
        not_before=r"\s+(?:[\w-]+\s+){0,2}?(?:credit|allowance|deduction|exemption)s?\b",
    ),
    rule(
        "currently",
        targets=("at the moment", "at present"),
        # "a student currently researching X" / "I currently work": only a sentence's opener
        # moves; after a comma, "a nursing student, at the moment studying" is stiff
        # (borderline 22 times since paraphrase-held-out-23)
        only_after=r"(?:^|[.;:!?]\s*)$",
        # nor before a participle: "At the moment enrolled in…" (borderline seven times in
        # reworded-held-out to -3)
        not_before=r"\s+[a-z]+(?:ed|ing)\b",
    ),
    rule("additionally,", "in addition,", "moreover,", "furthermore,"),
    rule("however,", "nevertheless,"),
    # "hence" only opens a sentence: "My search ought to hence prioritise" and "ought to,
    # hence, be" are not English (paraphrase-held-out-7)
    rule("therefore,", "thus,", "hence,", only_after=r"(?:^|[.;:!?]\s*)$"),
    # not before a participle of result: "therefore enhancing" (borderline four times in
    # reworded-held-out to -3)
    rule("therefore", "thus", not_before=r"\s+[a-z]+ing\b"),
    # not before a participle or "to": "along with compared to…" (paraphrase-held-out-21)
    # nor before a preposition: "along with in personal development" (restate-held-out-15),
    # nor between adjectives: "historical along with geographical information"
    # (restate-held-out-18; an adjective told by its ending), nor before a bare verb: "must
    # prioritise X, along with provide…" (restate-held-out-26), a listed one or any word with
    # its own object after it: "delineate synthesis along with chronicle its development"
    # (reworded-held-out-3)
    rule(
        "as well as",
        "along with",
        not_before=OWN_OBJECT_NEXT
        + r"|\s+(?:[a-z]+ed|to|how|what|why|where|when|in|on|at|for|from|with|by|about|"
        r"into|through|during|among|under|over|within|across|between|after|before|"
        + BARE_VERBS
        + r")\b",
        not_after=r"\b[a-z]+(?:al|ic|ive|ous|ful|able|ible|ary|ory)\s+$",
    ),
    rule("in addition to", "besides"),
    # a person "due to" do something is expected to ("the thesis I am due to present",
    # reworded-held-out)
    rule(
        "due to",
        "because of",
        "owing to",
        not_before=r"\s+be\b",
        not_after=r"\b(?:am|are|I'm|I’m|we're|we’re|you're|you’re)\s+$",
    ),
    # "in terms of" a unit expresses an amount in it ("presenting meters in terms of yards",
    # reworded-held-out)
    rule("in terms of", targets=("regarding",), not_after=_EXPRESSED),
    # "located with respect to the highways" is relative to them, not about them
    # (restate-held-out-8)
    rule(
        "regarding",
        "with regard to",
        "with respect to",
        targets=("concerning",),
        not_after=r"\b(?:located|situated|positioned|placed|lies|lie|lying|sits|sitting|"
        r"oriented|orientated)\s+$",
    ),
    rule(
        "related to",
        "relating to",
        targets=("connected to",),
        # also after an adverb: "are explicitly relating to" (restate-held-out-8)
        not_after=r"(?:\b(?:be|is|are|was|were|been|being|seem|seems|seemed|am|get|gets|got)"
        + r"|['’](?:s|re|m))\s+(?:[a-z]+ly\s+)?$",  # "it's related to" is a copula too
    ),
    rule("in the context of", "within the context of"),
    # --- verbs of the request --------------------------------------------------------------
    # no "explain" -> "describe": to describe is not to explain a cause or a term ("could
    # describe this phenomenon", rejected in restate-held-out-23, and called weaker 34 times in
    # the readings since paraphrase-held-out-23 and restate-held-out-16); "describe" ->
    # "explain" claims more
    # one sets out how, why, or the parts of something, not "the technology world to patrons"
    # (paraphrase-held-out-22)
    rule("that explain", targets=("that set out",), not_before=_NOT_SET_OUT),
    # "to discuss X" and "so I can discuss X" are what the searcher does (with someone), not
    # what a document covers (filter-held-out-2: "so I can address bulk pricing choices")
    # and only in a relative clause or after a word for documents: "forums where individuals
    # … cover their initial symptoms" hides them (paraphrase-held-out-23)
    rule(
        "discuss",
        # no "address": people discuss tips, they do not address them (paraphrase-held-out-10
        # and -21)
        targets=("cover",),
        not_after=r"\bto\s+$|\b(?:I|we|you)\s+(?:[\w'’]+\s+){0,2}$",
        only_after=_DOCUMENTS_DO,
    ),
    # one discusses X with people, but does not address it with them (paraphrase-held-out-10)
    rule(
        "discusses",
        targets=("covers",),
        not_before=_OBJECT_THEN_WITH,
        only_after=_DOCUMENTS_DO,
    ),
    # people discussing a name do not "cover" it; documents do
    rule("discussing", targets=("covering",), only_after=_DOCUMENTS_BEFORE),
    # one provides one's own number on a form; to offer it is to volunteer it
    # (paraphrase-held-out-13: "asked to offer my U.S. passport number")
    rule(
        "provide",
        targets=("give", "offer"),
        not_before=_OBJECT_THEN_WITH
        + r"|\s+(?:my|our|your|his|her|their)\b|"
        + _SERVICES_NEAR
        + "|"
        + _NOT_INFORMATION,
        not_after=_SERVICES_BEFORE,
    ),
    rule(
        "provides",
        targets=("gives", "offers"),
        not_before=_OBJECT_THEN_WITH + "|" + _SERVICES_NEAR + "|" + _NOT_INFORMATION,
        not_after=_SERVICES_BEFORE,
    ),
    # providing goods or services is supplying them, not giving them away (restate-held-out-6)
    rule(
        "providing",
        targets=("giving", "offering"),
        not_before=_OBJECT_THEN_WITH + "|" + _SERVICES_NEAR + "|" + _NOT_INFORMATION,
        not_after=_SERVICES_BEFORE,
    ),
    # "pieces that offer me with a grasp" is not English (reworded-held-out-2)
    rule("that offer", "that provide", not_before=_OBJECT_THEN_WITH),
    rule("that include", "that contain", only_after=_DOCUMENTS_BEFORE),
    rule("that includes", "that contains", only_after=_DOCUMENTS_BEFORE),
    # "understand if my hobby could be a factor" asks whether; "grasp if" does not, and
    # "grasp at what age" reads as clutching at (filter-held-out-2)
    rule(
        "understand",
        # no "comprehend": stiff for a plain object ("comprehend the voting population"),
        # borderline 28 times in the readings since paraphrase-held-out-23
        targets=("grasp",),
        # only before a question word or an abstract object: "grasp the cuts of meat", "grasp
        # their injuries" read stiff (borderline 11 times in paraphrase-held-out-31 and -32), and
        # this also keeps "grasp if/whether" (filter-held-out-2, above), "grasp when the light
        # is best" (paraphrase-held-out-16), "grasp more about" (restate-held-out-17) and "I
        # grasp that…" for what one has heard (paraphrase-held-out-32) from being written;
        # nor where a question follows a shared object ("understand the costs and if there
        # are subsidies": "grasp … and if"; paraphrase-held-out-14), or a figure or a place
        # ("grasp her weight and height", "comprehend the precise duration": borderline in four
        # readings, paraphrase-held-out-17 to -20)
        not_before=r"\s+(?!(?:how|what|why|which|who)\b|the\s+(?:[\w-]+\s+)?(?:concepts?|ideas?|"
        r"basics|principles|implications|importance|significance|nuances|meaning|mechanisms?|"
        r"dynamics|intricacies|complexit(?:y|ies)|fundamentals|logic|reasoning|rationale)\b)"
        + r"|[^.;:!?]*?\band\s+(?:if|whether)\b"
        + r"|\s+(?:[\w'’-]+\s+){0,3}?(?:height|weight|dimensions|duration|location|content|"
        r"number|amount|cost|price|temperature|distance|size|districts?|count(?:y|ies)|"
        r"deadlines?|dates?|shelf)\b",
    ),
    # "the psychological grasp of" reads wrong: only after a determiner or a degree adjective
    rule("understanding of", "grasp of", only_after=_GRASP_AFTER),
    # "better understand and support my clients" share one object: "gain a better
    # understanding of and support" leaves "of" hanging (paraphrase-held-out-14)
    rule(
        "better understand",
        targets=("gain a better understanding of",),
        # nor before a question ("a better understanding of if…"; paraphrase-held-out-21)
        not_before=r"\s+(?:and|if|whether|how|what|why|when|where|which|who)\b",
    ),
    rule("gain insight into", "gain an understanding of"),
    rule("demonstrate", targets=("show",)),
    rule("demonstrates", targets=("shows",)),
    # a thing that determines an amount decides it, it does not find it out: "This will
    # ascertain how many cars we need" (paraphrase-held-out-32)
    rule(
        "determine",
        "ascertain",
        not_after=r"\b(?:this|that|it|which|these|those|they)\s+"
        r"(?:(?:will|would|could|can|may|might|should|must|helps?|also)\s+)?$",
    ),
    # "check" for either is a shade weaker (borderline five times in reworded-held-out to -3)
    rule("verify", "confirm"),
    rule("obtain", targets=("get",)),
    # nor "requires me to" -> "needs me to", colloquial (borderline four times since
    # paraphrase-held-out-23), also with words between ("needs me, as a delivery operative,
    # to"), nor before "that": "needs that I help" (reworded-held-out-5)
    rule("requires", targets=("needs",), not_before=NOT_NEEDED),
    rule("assist", targets=("help",)),
    # "given the task of a research project" reads as the project's task (restate-held-out-2):
    # only "responsible for" takes a noun and an -ing verb alike
    # after "have been", "responsible for" turns a task just given into a standing duty
    # (paraphrase-held-out-14)
    rule(
        "tasked with",
        targets=("responsible for",),
        not_after=r"\b(?:have|has|had|['’]ve|['’]s)\s+been\s+$",
    ),
    rule("focusing on", "concentrating on", only_after=_DOCUMENTS_BEFORE),
    rule(
        "focus on",
        "concentrate on",
        not_after=_DETERMINER_BEFORE
        + r"|\b(?:i|i'm|i’m|am)\s+$"
        # "a particular focus on" is the noun too, and "a keen focus on" (paraphrase-held-out-28)
        + r"|\b(?:particular|strong|clear|primary|specific|major|heavy|greater|narrow|broad)\s+$"
        + _DETERMINER_AND_MODIFIERS,
    ),
    rule("focuses on", "concentrates on"),
    # attention is paid in doing something: "a photographer with particular attention to urban
    # environments" is not a photographer's focus (paraphrase-held-out-8), however long the
    # persona ("a graduate student in urban planning", paraphrase-held-out-12)
    rule(
        "with a focus on",
        "with an emphasis on",
        "with particular attention to",
        not_after=r"\b(?:I am|I'm|I’m|As|Being)\s+an?\s+(?:[\w-]+\s+){1,8}$",
    ),
    # asked of a person, "Please stress" takes a point, not a source (restate-held-out-3)
    rule("emphasize", targets=("stress",), not_after=rf"{_DETERMINER_BEFORE}|\bplease\s+$"),
    # --- who the searcher works for --------------------------------------------------------
    # one way: an audience need not read (a lecture's), and "my audience, which ranges" would
    # not agree as "my readers"; "my readers" becomes "my audience" only where no verb, relative
    # clause or second "readers"/"audience" follows, with whose number it would have to agree
    rule(
        "my readers",
        targets=("my audience",),
        not_before=r"\s+(?!(?:with|to|about|in|on|for|of|at|by|from|and|or|a|an|the|what|why|"
        r"how|when|where|whether)\b)[a-z]|,?\s+(?:who|which|that)\b|[^.!?]*\b(?:readers|audience)\b",
    ),
    rule("writing an article", "drafting an article"),
    rule("preparing a lesson", "putting together a lesson"),
    # --- spelling variants (US / UK) ------------------------------------------------------
    rule("analyze", "analyse"),
    rule("analyzing", "analysing"),
    rule("organize", "organise"),
    rule("summarize", "summarise"),
    rule("prioritize", "prioritise"),
    rule("prioritizing", "prioritising"),
    rule("emphasizing", "emphasising"),
    rule("center on", "centre on"),
)
