"""The exclusion clause's term where the relevant documents cannot give one: a word of the
non-relevant documents nearest the request (its distractors), which no relevant document uses."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from instructprobe.perturb.base import CorpusStats
from instructprobe.perturb.model import Case
from instructprobe.perturb.negation import (
    BOILERPLATE,
    GENERIC,
    MIN_USES,
    SHARED_PREFIX,
    _candidate_term,
    _in_a_name,
    _overlapping_word,
    _salient,
    _sentence_forms,
    _topic_noun,
    a_word,
    nouns_among,
    prose,
    written_form,
)
from instructprobe.perturb.neighbours import Neighbour, Neighbours, inflections
from instructprobe.perturb.text import content_words, stem, stopwords, word_set, words

if TYPE_CHECKING:
    from instructprobe.perturb.lexicon import Lexicon

NEAREST = 5
"""How many of the non-relevant documents nearest the request the term is drawn from."""
NEAR_MISS = 0.3
"""The share of the idf of the query's words a distractor must hold: a near miss of the query
("chloramine" passages for how long chlorine takes to leave water), not a passage that shares
one common word with it ("lemon trees" and their "care" for how long hospice care lasts)."""
MAX_DOWN = 5
"""Documents of the corpus a term may name at most: a clause that excludes more names a
common word, not a distractor a reader can picture (and p-MRR averages its moves over every
one of them, most far down the ranking before and after)."""


@dataclass(frozen=True)
class Distractor:
    """A term of the distractors and every document of the corpus that mentions it."""

    term: str
    down: frozenset[str]
    texts: tuple[str, ...]
    """The texts of the ``down`` documents (how they write the term), less a template line
    that writes it in another case ("Look up valentina in Wiktionary")."""


def distractor_terms(case: Case, stats: CorpusStats) -> tuple[Distractor, ...]:
    """Words that name a distractor of ``case``, best first, each with every document of the
    corpus that mentions it: what an exclusion clause of it moves down.

    The words come from the query's near misses: the ``NEAREST`` non-relevant documents
    nearest the query (BM25) among those with its rarest word that one of them has, each
    holding at least ``NEAR_MISS`` of the idf of its words. Every rule of
    :func:`negation.sub_aspect_terms` for a word a reader would exclude holds (a noun a reader
    knows, rare, specific, salient where it stands, not instruction vocabulary, page furniture,
    part of a longer name, or related to a word of the request), and it is used at least twice
    among them. No relevant document may mention it: none has its stem, a word inside it or
    around it, or a word sharing its first five letters ("prescribed" for "prescription"); nor
    may a document of the corpus outside those it names hold a longer word around it
    ("flaxseed" for "flax") or write its irregular other number ("tooth" for "teeth"). It
    names one to ``MAX_DOWN`` documents of the corpus (those that write it or an inflection
    of it), one of them a near miss, and none uses a common word of its stem inside a longer
    name ("Coral Gables"); one of them writes it outside a longer name (not only "Linkin
    Park", "Sprague Dawley", "San Luis Obispo"); and a reader can tell its case (WordNet knows
    it, or a document writes it inside a sentence, not in a template line such as "Look up
    valentina in Wiktionary"). Ranked by tf-idf over the near misses, each use weighed by one
    over its document's rank; one form per stem.
    """
    found = stats.neighbours
    if found is None:
        return ()
    near, texts = near_misses(case, found)
    nearness: defaultdict[str, float] = defaultdict(float)
    for doc, text in zip(near, texts, strict=True):
        for word, count in Counter(content_words(text)).items():
            nearness[word] += count / doc.rank
    candidates = unsaid_nouns(case, texts)
    request = {w.lower() for w in words(case.query) + words(case.instruction)}
    request -= GENERIC | BOILERPLATE
    initials = _initials(case)
    ranked = sorted(candidates, key=lambda t: (-nearness[t] * stats.idf(t), t))
    seen: set[str] = set()
    best = []
    for term in ranked:
        if stem(term) in seen or not _a_distractor(term, texts, request):
            continue
        if _abbreviates(term, texts, initials):
            continue
        down = _named(term, found, near)
        named = _as_written(found.texts(down))
        if down and _reads_as_named(term, named):
            seen.add(stem(term))
            best.append(Distractor(term, down, named))
    return tuple(best)


def near_misses(case: Case, found: Neighbours) -> tuple[tuple[Neighbour, ...], tuple[str, ...]]:
    """The query's near misses (``NEAREST`` non-relevant documents, each holding ``NEAR_MISS``
    of the idf of its words), and their prose."""
    relevant = frozenset(doc.id for doc in case.relevant)
    near = found.nearest(case.query, relevant, NEAREST, NEAR_MISS)
    return near, tuple(prose(doc.text) for doc in near)


def unsaid_nouns(case: Case, texts: tuple[str, ...]) -> set[str]:
    """The nouns of ``texts`` a term may be drawn from: used twice, candidate words, and no
    word of the request or of a relevant document (the cheap rules, before the reader's)."""
    tf: Counter[str] = Counter(w for text in texts for w in content_words(text))
    said = _Said.of(case)
    return nouns_among({w for w in tf if said.allows(w, tf, texts)}, texts)


_LOOK_UP = re.compile(
    r"\bLook up [^.\n]{1,60}? in Wiktionary(?:, the free dictionary)?\.?[ \t]*", re.I
)
"""Wikipedia's pointer to the dictionary, which writes the page's title in lower case
("Look up valentina in Wiktionary"): no sentence of the page, so not how it writes the word."""


def _as_written(texts: tuple[str, ...]) -> tuple[str, ...]:
    """``texts`` without the lines of a template that writes a word in another case than the
    page does, so that they do not decide the clause's case; what follows such a line starts
    a sentence."""
    return tuple(_LOOK_UP.sub("", text).strip() for text in texts)


@dataclass(frozen=True)
class _Said:
    """The words of the request and of the relevant documents, which a term must not be."""

    stems: frozenset[str]
    prefixes: frozenset[str]
    relevant_texts: tuple[str, ...]

    @classmethod
    def of(cls, case: Case) -> _Said:
        said = words(case.query) + words(case.instruction)
        said += [w for doc in case.relevant for w in words(doc.text)]
        return cls(
            frozenset(stem(w) for w in said),
            frozenset(w[:SHARED_PREFIX] for w in said if len(w) >= SHARED_PREFIX),
            tuple(doc.text for doc in case.relevant),
        )

    def allows(self, term: str, tf: Counter[str], texts: tuple[str, ...]) -> bool:
        """The cheap rules: a candidate word, used twice, of no word of the request and of no
        relevant document."""
        return (
            tf[term] >= MIN_USES
            and _candidate_term(term)
            and stem(term) not in self.stems
            and term[:SHARED_PREFIX] not in self.prefixes
            and not _overlapping_word(term, self.relevant_texts)
            and a_word(term, texts)
        )


GREETINGS = word_set("hello hi hey welcome thanks goodbye greetings cheers")
"""Words a page greets its reader with ("Hello all"), not what it is about."""


def _a_distractor(term: str, texts: tuple[str, ...], request: set[str]) -> bool:
    return term not in GREETINGS and (
        _topic_noun(term, texts, request) and _salient(term, texts) and not _in_a_name(term, texts)
    )


def _initials(case: Case) -> tuple[str, ...]:
    """The first letters of the words of the query and of the instruction, in order, with
    and without their function words: consecutive words' initials are a stretch of one."""
    found = []
    for text in (case.query, case.instruction):
        said = words(text)
        found.append("".join(w[0] for w in said))
        found.append("".join(w[0] for w in said if w not in stopwords()))
    return tuple(found)


def _abbreviates(term: str, texts: tuple[str, ...], initials: tuple[str, ...]) -> bool:
    """Whether ``term`` is written in capitals and its letters are the initials of
    consecutive words of the request: "ACTC" where the instruction asks about the
    "additional child tax credit", which a clause excluding it would turn against."""
    return written_form(term, texts).isupper() and any(term.lower() in run for run in initials)


def _case_known(term: str, texts: tuple[str, ...]) -> bool:
    """Whether the clause can write ``term`` as a reader expects: WordNet knows it as a common
    word, or as a name the documents write capitalised (not "dubai" of a page in lower case),
    or a document writes it inside a running sentence. A word seen only at the start of a
    sentence or in a heading may be a name or a common word ("Dihydroquercetin (taxifolin)
    is a flavonoid")."""
    from instructprobe.perturb.lexicon import wordnet_lexicon

    lexicon = wordnet_lexicon()
    if lexicon is None:
        return True
    common = lexicon.written_in_lower_case(term)
    if common is False:  # a name to WordNet, which a page in lower case writes "dubai"
        return not written_form(term, texts).islower()
    return common is not None or bool(_sentence_forms(term, texts))


def _reads_as_named(term: str, texts: tuple[str, ...]) -> bool:
    """Whether each of the documents an exclusion of ``term`` names writes it as a reader of
    the clause would look for it: in the clause's case, whole, as a noun."""
    return (
        _case_known(term, texts)
        and _whole(term, texts)
        and _common_in_each(term, texts)
        and _a_noun_in_each(term, texts)
    )


def _common_in_each(term: str, texts: tuple[str, ...]) -> bool:
    """Where the clause writes ``term`` in lower case, whether every text uses it once as
    the common word: not only capitalised as a name, inside a longer one ("Friendship 7",
    John Glenn's capsule, names no friendship) or alone after a common word ("the ones
    Emerald makes", a nut brand), and not only in lower case among a page's tags, which
    write every tag so ("Tags: blackwater", the contractor its title calls "Blackwater")."""
    if not written_form(term, texts).islower():
        return True
    pattern = inflections(term)
    return all(_common_in(text, list(pattern.finditer(text))) for text in texts)


def _common_in(text: str, uses: list[re.Match[str]]) -> bool:
    """Whether one of ``uses`` in ``text`` is no name's, and, where the text's tags hold one,
    its sentences write it in lower case too."""
    prose = [use for use in uses if not _in_tags(text, use.start())]
    if len(prose) < len(uses) and not any(use.group(0).islower() for use in prose):
        return False
    return any(not _a_name_use(text, use) for use in uses)


_TAGS = re.compile(
    r"\b(?:tags|tagged|keywords)\s*:\s*(?:[^,.;!?\n]{1,40},\s*)*[^,.;!?\n]{1,40}", re.I
)
"""A page's tag list: "Tags:" and short items between commas, no sentence."""


def _in_tags(text: str, start: int) -> bool:
    return any(tags.start() < start < tags.end() for tags in _TAGS.finditer(text))


_NUMBER_AFTER = re.compile(r"[ -]\d")
_COMMON_BEFORE = re.compile(r"(?<![\w'-])([a-z][\w'-]*) $")
"""A lower-case word just before a use, joined to it by a space."""


CONTENT_STOPWORDS = word_set(
    """amount bill bottom call con cry describe detail done empty fill find fire found front
    full get give go interest keep made mill move name part put see seem seemed seeming seems
    serious show side sincere system take thick thin top become became becomes becoming"""
)
"""The nouns, verbs and adjectives of the Glasgow stop list: no function words, so a
capitalised word after one inside a sentence is a name ("The name Blender was inspired")."""


def _a_function_word(word: str) -> bool:
    return word in stopwords() and word not in CONTENT_STOPWORDS


def _a_name_use(text: str, use: re.Match[str]) -> bool:
    """Whether ``use`` is capitalised and joined to another word of a name: a capitalised
    word or a number after it ("Friendship 7") or a capitalised word before it; or stands
    alone inside a sentence after a word that is no function word, where a common noun
    would not be capitalised ("the ones Emerald makes", "the name Blender"; not "the
    Larynx", "crust or Lithosphere")."""
    if not use.group(0)[:1].isupper():
        return False
    after, before = text[use.end() :], text[: use.start()]
    common_before = _COMMON_BEFORE.search(before)
    return (
        _name_after(after)
        or bool(_NUMBER_AFTER.match(after))
        or _name_before(before, frozenset())
        or (common_before is not None and not _a_function_word(common_before.group(1)))
    )


def _a_noun_in_each(term: str, texts: tuple[str, ...]) -> bool:
    """Whether every text uses a form of ``term`` as a noun that names a thing of its own,
    where WordNet knows the common word as an adjective too: not only before another noun
    ("a manual gearbox" for "manual", "staple foods" for "staples"), where the word names
    another thing than the clause does."""
    from instructprobe.perturb.lexicon import wordnet_lexicon

    lexicon = wordnet_lexicon()
    if lexicon is None or not written_form(term, texts).islower() or not lexicon.is_adjective(term):
        return True
    pattern = inflections(term)
    for text in texts:
        tokens = words(text)
        uses = [i for i, token in enumerate(tokens) if pattern.fullmatch(token)]
        if not any(_heads(lexicon, tokens, i, text) for i in uses):
            return False
    return True


def _heads(lexicon: Lexicon, tokens: list[str], i: int, text: str) -> bool:
    """Whether ``tokens[i]`` is a noun not directly followed (in the same phrase) by another
    noun that it modifies."""
    guess = lexicon.pos_of(tokens, i)
    if guess is not None and guess[0] != "n":
        return False
    after = tokens[i + 1] if i + 1 < len(tokens) else ""
    if not after or after in stopwords():
        return True
    joined = re.search(rf"{re.escape(tokens[i])}[ ]{re.escape(after)}", text, re.IGNORECASE)
    return not (joined and lexicon.is_noun(after))


NAME_HEADS = frozenset({"County", "Counties"})
"""Words after a name that leave the name whole: "Fayette County" is the county of Fayette."""


_NAME_BEFORE = re.compile(r"(?:^|(?<=[^\w'-]))([A-Z][\w'-]*)[ -]$")
"""A capitalised word just before a use, joined to it by a space or a hyphen."""
_SENTENCE_START = re.compile(r"(?:^|[.!?:;\n\"(])\s*$")


def _whole(term: str, texts: tuple[str, ...]) -> bool:
    """Whether the clause's form of ``term`` is written so in a document, not only as a
    word of a longer name: its first ("Linkin" of "Linkin Park", "Clifton" of "Clifton
    Springs"), its last ("Dawley" of "Sprague Dawley" or "Sprague-Dawley") or an inner one
    ("Luis" of "San Luis Obispo"; "Casey" of "Camp Casey" at a sentence's start, where the
    documents write "Camp Hovey" inside one)."""
    written = written_form(term, texts)
    pattern = inflections(written, any_case=False)
    uses = [(text, m.start(), m.end()) for text in texts for m in pattern.finditer(text)]
    if not uses or written.islower():
        return bool(uses)
    heads = _name_heads(texts)
    return any(
        not _name_after(text[end:]) and not _name_before(text[:start], heads)
        for text, start, end in uses
    )


_HEAD_INSIDE = re.compile(r"(?<=[\w,;] )([A-Z][\w'-]*) [A-Z]")
"""A capitalised word inside a sentence before another capitalised one ("…, Camp Hovey")."""


def _name_heads(texts: tuple[str, ...]) -> frozenset[str]:
    """The capitalised words the documents write inside a sentence before another capitalised
    word: a common word so written ("Camp" of "Camp Hovey") heads names there."""
    return frozenset(m.group(1) for text in texts for m in _HEAD_INSIDE.finditer(text))


def _name_after(rest: str) -> bool:
    following = re.match(r"[ -]([A-Z][\w'-]*)", rest)
    return following is not None and following.group(1) not in NAME_HEADS


def _name_before(before: str, heads: frozenset[str]) -> bool:
    """Whether a name's word ends ``before``: a capitalised word joined to the use, which is
    no function word ("The", "In") and, at the start of a sentence, no common word WordNet
    writes in lower case ("Visit Naples") unless it is one of the ``heads`` of names."""
    from instructprobe.perturb.lexicon import wordnet_lexicon

    found = _NAME_BEFORE.search(before)
    if found is None or found.group(1).lower() in stopwords():
        return False
    if not _SENTENCE_START.search(before[: found.start(1)]) or found.group(1) in heads:
        return True
    lexicon = wordnet_lexicon()
    return lexicon is None or not lexicon.written_in_lower_case(found.group(1).lower())


def _named(term: str, found: Neighbours, near: tuple[Neighbour, ...]) -> frozenset[str]:
    """The documents an exclusion of ``term`` names, or none where it names too many, none of
    the distractors, where a document outside them has a longer word around it
    ("osteoarthritis" for "arthritis"), writes it in two words ("mm Hg" for "mmHg"), in its
    other spelling ("esophagus" for "oesophagus") or in its irregular other number ("tooth"
    for "teeth") or has a word of its stem that is no inflection of it ("cancelled" for
    "cancellation": a reader may count each), or where one of them uses a common word of its
    stem inside a longer name ("Coral Gables" for "corals")."""
    down = found.mentioning(term, MAX_DOWN)
    if down is None or not 0 < len(down) <= MAX_DOWN or not down & {doc.id for doc in near}:
        return frozenset()
    if (found.around(term) | found.written_otherwise(term)) - down:
        return frozenset()
    if found.sharing_stem(term) != down:
        return frozenset()
    texts = found.texts(down)
    forms = {w for text in texts for w in words(text) if stem(w) == stem(term)}
    return frozenset() if any(_in_a_name(form, texts) for form in forms) else down
