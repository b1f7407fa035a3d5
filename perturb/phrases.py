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


def _r(
    *phrases: str,
    targets: tuple[str, ...] = (),
    not_after: str | None = None,
    not_before: str | None = None,
    only_after: str | None = None,
) -> PhraseRule:
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

PHRASE_RULES: tuple[PhraseRule, ...] = (
    # --- what the searcher is doing ---------------------------------------------------------
    _r(
        "i am looking for",
        "i am searching for",
        "i'm looking for",
        "i'm searching for",
        targets=("i am seeking", "i am trying to find"),
    ),
    _r("i am seeking", "i'm seeking", targets=("i am looking for",)),
    _r("i need to find", "i have to find", "i must find"),
    _r("i need to search for", "i need to look for", "i have to search for"),
    _r("i want to find", "i would like to find", "i'd like to find", "i wish to find"),
    _r("i want to search for", "i would like to search for", "i'd like to search for"),
    _r("i want to know", "i would like to know", "i'd like to know", "i wish to know"),
    _r("i want to understand", "i would like to understand", "i'd like to understand"),
    _r("i want to learn", "i would like to learn", "i'd like to learn"),
    _r("i need to understand", "i have to understand", "i must understand"),
    _r("i need to know", "i have to know", "i must know"),
    _r("i need to confirm", "i have to confirm", "i must confirm"),
    _r("i need to verify", "i have to verify", "i must verify"),
    _r("i need to determine", "i have to determine", "i must determine"),
    _r("i need to ensure", "i have to ensure", "i must ensure"),
    _r("i need to research", "i have to research", "i must research"),
    _r("i need to learn", "i have to learn", "i must learn"),
    _r("i need to identify", "i have to identify", "i must identify"),
    _r("i need", "i require", not_before=r"\s+to\b"),
    _r("i want", "i would like", "i'd like", not_before=r"\s+(?:you|him|her|them|it)\b"),
    _r("i am researching", "i'm researching", targets=("i am investigating",)),
    _r("i am trying to", "i'm trying to", "i am attempting to", "i'm attempting to"),
    _r("i aim to", "i intend to"),
    _r("my goal is to", "my aim is to", "my objective is to"),
    _r("i am curious about", "i'm curious about"),
    _r("i am interested in", "i'm interested in"),
    _r("i have been", "i've been"),
    _r("i would", "i'd", not_before=r"\s+(?:not|never)\b"),
    _r("i am", "i'm", not_before=r"\s+(?:not|never)\b"),
    _r("we are", "we're", not_before=r"\s+(?:not|never)\b"),
    # "it's been" is "it has been", which "it is" is not
    _r("it is", "it's", not_before=r"\s+(?:not|never|been|got|had)\b"),
    _r("please retrieve", "please find", "please return", "please fetch", "please locate"),
    _r("help me understand", "help me to understand", "allow me to understand"),
    _r("help me find", "help me to find", "allow me to find"),
    _r("so that i can", "so i can", "so that i am able to"),
    _r("in order to", "so as to"),
    _r("so that", "in order that", not_before=r"\s+i\s+can\b"),
    _r("to ensure that", "to make sure that", "to guarantee that"),
    _r("ensure that", "make sure that"),
    _r("to find", "to locate", not_before=r"\s+out\b"),
    _r("searching for", "looking for", targets=("hunting for",)),
    _r(
        "search for",
        "look for",
        not_after=_DETERMINER_BEFORE
        + r"|\b(?:in-depth|complete|thorough|comprehensive|detailed|quick|broad)\s+$",
    ),
    _r("learn about", "find out about", "read up on"),
    _r("find out", targets=("discover",), not_before=r"\s+about\b"),
    _r("look into", "investigate"),
    _r("curious about", "interested in learning about"),
    # --- what the search should do ----------------------------------------------------------
    _r("my search should", "my search ought to"),
    _r("the search should", "the search ought to"),
    _r("should", "ought to", not_before=r"\s+(?:i|we|you|he|she|it|they|not|never)\b"),
    _r("my search must", "my search has to", "my search needs to"),
    _r("the search must", "the search has to", "the search needs to"),
    _r("the results must", "the results have to", "the results need to"),
    _r("i must", "i have to", not_before=r"\s+(?:not|never)\b"),
    _r("it must", "it has to", not_before=r"\s+(?:not|never)\b"),
    _r("my search will", "the search will"),
    _r("i am hoping to", "i'm hoping to", "i hope to"),
    # --- what is searched for ---------------------------------------------------------------
    _r("documents that", "passages that", targets=("texts that",), only_after=_NOUN_SLOT),
    _r("documents which", "passages which", only_after=_NOUN_SLOT),
    _r("find documents", "find passages"),
    _r("retrieve documents", "retrieve passages"),
    _r("articles that", "write-ups that", only_after=_NOUN_SLOT),
    _r("resources that", targets=("materials that",), only_after=_NOUN_SLOT),
    # one way: "sources that can sell these items" are suppliers, not references
    _r("references that", targets=("sources that",), only_after=_NOUN_SLOT),
    _r("studies that", "investigations that", only_after=_NOUN_SLOT),
    _r("search results that", "results that", targets=("hits that",), only_after=_NOUN_SLOT),
    _r("websites that", "web pages that", targets=("sites that",), only_after=_NOUN_SLOT),
    _r("scholarly articles", "academic articles", "scholarly papers"),
    _r("research papers", "academic papers", "research articles", only_after=_NOUN_SLOT),
    _r("peer-reviewed", "peer reviewed", targets=("refereed",)),
    _r("information about", "information on", "details about", "details on"),
    _r("information regarding", "information concerning", "details regarding"),
    _r("detailed information", "in-depth information", "thorough information"),
    _r("a detailed", "an in-depth", "a thorough"),
    _r("detailed", "in-depth", not_after=r"\b(?:is|was|are|were|be|been|have|has|had)\s+$"),
    _r("a comprehensive", "a complete"),
    _r("relevant", "pertinent", targets=("applicable",)),
    _r("data on", "data about"),
    _r("statistics on", "statistics about", "figures on"),
    _r("an overview of", "a summary of", "an outline of"),
    _r("a brief overview", "a short overview", "a concise overview"),
    _r("examples of", "instances of"),
    _r("for example", "for instance"),
    _r("types of", "kinds of", "sorts of"),
    _r("different types of", "various types of", "different kinds of"),
    _r("aspects of", "facets of"),
    _r("tips on", "pointers on", "advice on"),
    _r("tips for", "pointers for"),
    _r("guidance", "advice", not_before=r"\s+counsel"),
    _r("guidelines", targets=("recommendations",)),  # a list of recommended series is no guideline
    _r("the concept of", "the notion of", "the idea of"),
    _r("the impact of", "the effect of"),
    _r("the latest", "the most recent", not_before=r"\s+(?:in|on|at|for|so|in order)\b"),
    _r("up-to-date", "up to date"),
    _r("step-by-step", "step by step"),
    _r("ways to", "methods to"),
    _r("ways of", targets=("methods of", "means of")),  # "the ways of spread" is not English
    _r("the best way", "the optimal way", "the ideal way"),
    _r("the main", "the primary", "the principal"),
    _r("a wide range of", "a broad range of", "a wide variety of"),
    _r("a variety of", "a range of", "an array of", targets=("various",)),
    _r("numerous", targets=("many",)),
    _r("a lot of", "lots of"),
    _r("several", targets=("a number of", "multiple")),
    # --- how the documents should read -----------------------------------------------------
    _r("the exact", "the precise"),
    _r("reliable", "trustworthy", "dependable"),
    _r(
        "credible",
        "reputable",
        only_after=r"\b(?:and|or|from|of|on|cite|use|using|find|need|want|with)\s+$",
    ),
    _r("easy to understand", "simple to understand", "easy to grasp"),
    _r("easy to follow", "simple to follow"),
    _r("clearly", "plainly"),
    _r("suitable for", "appropriate for"),
    _r("useful", "helpful"),
    _r("crucial", targets=("vital", "essential")),
    _r("specifically", "in particular", only_after=r"(?:^|[.,;:!?]\s*)$"),
    _r("especially", "particularly"),
    _r("ideally", "preferably"),
    _r("typically", "usually"),
    _r("approximately", "roughly"),
    _r("fully", "completely"),
    _r("in detail", targets=("thoroughly",)),
    _r("additional", targets=("extra", "further")),
    _r(
        "currently",
        targets=("at the moment", "at present"),
        # "a student currently researching X" / "I currently work": only a clause's opener moves
        only_after=r"(?:^|[.;:!?,]\s*)$",
    ),
    _r("additionally,", "in addition,", "moreover,", "furthermore,"),
    _r("however,", "nevertheless,"),
    _r("therefore", "thus", "hence"),
    _r("as well as", "along with"),
    _r("in addition to", "besides"),
    _r("due to", "because of", "owing to", not_before=r"\s+be\b"),
    _r("in terms of", targets=("regarding",)),
    _r("regarding", "with regard to", "with respect to", targets=("concerning",)),
    _r(
        "related to",
        "relating to",
        targets=("connected to",),
        not_after=r"\b(?:be|is|are|was|were|been|being|seem|seems|seemed|am|get|gets|got)\s+$"
        + r"|['’](?:s|re|m)\s+$",  # "it's related to" is a copula too
    ),
    _r("in the context of", "within the context of"),
    # --- verbs of the request --------------------------------------------------------------
    # one way: a phrase that describes actions does not explain them
    _r("explain", targets=("describe",)),
    _r("explains", targets=("describes",)),
    _r("explaining", targets=("describing",)),
    _r("that explain", "that describe", "that set out"),
    # "to discuss X" is what the searcher does (with someone), not what a document covers
    _r("discuss", targets=("address", "cover"), not_after=r"\bto\s+$"),
    _r("discusses", targets=("addresses", "covers")),
    _r("discussing", targets=("addressing", "covering")),
    _r("provide", targets=("give", "offer"), not_before=_OBJECT_THEN_WITH),
    _r("provides", targets=("gives", "offers"), not_before=_OBJECT_THEN_WITH),
    _r("providing", targets=("giving", "offering"), not_before=_OBJECT_THEN_WITH),
    _r("that offer", "that provide"),
    _r("that include", "that contain", only_after=_DOCUMENTS_BEFORE),
    _r("that includes", "that contains", only_after=_DOCUMENTS_BEFORE),
    _r("understand", targets=("grasp", "comprehend")),
    _r("understanding of", "grasp of"),
    _r("better understand", targets=("gain a better understanding of",)),
    _r("gain insight into", "gain an understanding of"),
    _r("demonstrate", targets=("show",)),
    _r("demonstrates", targets=("shows",)),
    _r("determine", "ascertain"),
    _r("verify", "confirm", targets=("check",)),
    _r("obtain", targets=("get",)),
    _r("requires", targets=("needs",), not_before=r"\s+\w+ing\b"),
    _r("assist", targets=("help",)),
    _r("tasked with", targets=("responsible for", "given the task of")),
    _r("focusing on", "concentrating on", only_after=_DOCUMENTS_BEFORE),
    _r(
        "focus on",
        "concentrate on",
        not_after=_DETERMINER_BEFORE
        + r"|\b(?:i|i'm|i’m|am)\s+$"
        # "a particular focus on" is the noun too
        + r"|\b(?:particular|strong|clear|primary|specific|major|heavy|greater|narrow|broad)\s+$",
    ),
    _r("focuses on", "concentrates on"),
    _r("with a focus on", "with an emphasis on", "with particular attention to"),
    _r("emphasize", targets=("stress",), not_after=_DETERMINER_BEFORE),
    # --- who the searcher works for --------------------------------------------------------
    # a verb after it agrees with its number ("my audience receives" is not "my readers receives")
    _r("my readers", "my audience", not_before=r"\s+[a-z]+s\b"),
    _r("writing an article", "drafting an article"),
    _r("preparing a lesson", "putting together a lesson"),
    _r("a lesson plan", "a teaching plan"),
    # --- spelling variants (US / UK) ------------------------------------------------------
    _r("analyze", "analyse"),
    _r("analyzing", "analysing"),
    _r("organize", "organise"),
    _r("summarize", "summarise"),
    _r("prioritize", "prioritise"),
    _r("prioritizing", "prioritising"),
    _r("emphasizing", "emphasising"),
    _r("center on", "centre on"),
)
