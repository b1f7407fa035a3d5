"""The documents of a corpus nearest a request (BM25 over word stems), for operators that name
documents other than the relevant ones: the exclusion clause's distractors."""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from instructprobe.perturb.text import content_words, stem, words

STEM_MATES = 3
"""How many documents per named one may share a term's stem before it is not looked at."""
SHARED_END = 5
"""The shortest term a longer word ending with it is read as holding ("osteoarthritis" holds
"arthritis"; "during" holds no "ring")."""


def inflected_forms(term: str) -> frozenset[str]:
    """``term``, its plural and its singular."""
    forms = {term, term + "s", term + "es"}
    if term.endswith("ies"):
        forms.add(term[:-3] + "y")
    elif term.endswith("es"):
        forms |= {term[:-2], term[:-1]}
    elif term.endswith("s"):
        forms.add(term[:-1])
    if term.endswith("y"):
        forms.add(term[:-1] + "ies")
    return frozenset(forms)


def other_numbers(term: str) -> frozenset[str]:
    """The other number of ``term`` where WordNet inflects the noun irregularly ("tooth" for
    "teeth", "feet" for "foot"), and their possessives: a reader counts a passage that writes
    one as mentioning ``term``. None without WordNet."""
    from instructprobe.perturb.lexicon import wordnet_lexicon

    lexicon = wordnet_lexicon()
    if lexicon is None:
        return frozenset()
    others = lexicon.other_numbers(term) - inflected_forms(term)
    return others | {other + "'s" for other in others}


def _alternatives(forms: frozenset[str]) -> str:
    return "|".join(sorted(map(re.escape, forms), key=len, reverse=True))


def inflections(term: str, any_case: bool = True) -> re.Pattern[str]:
    """The written forms of ``term`` a reader counts as a mention of it: itself, its plural
    or singular, its possessive, not inside a longer word; in any case, or (``any_case``
    False) in the case ``term`` is written in."""
    alternatives = _alternatives(inflected_forms(term))
    flags = re.IGNORECASE if any_case else 0
    return re.compile(rf"(?<![^\W_])(?:{alternatives})(?:['’]s)?(?![^\W_])", flags)


def _in_two_words(head: str, tail: str) -> re.Pattern[str]:
    """``head`` then an inflection of ``tail``, as two words ("mm Hg", "tool-bar")."""
    tails = _alternatives(inflected_forms(tail))
    return re.compile(rf"(?<![^\W_]){re.escape(head)}[ -](?:{tails})(?![^\W_])", re.IGNORECASE)


SPELLINGS = (
    (re.compile(r"[oa](?=e[b-df-hj-np-tv-z][a-z])"), ""),  # oesophagus, anaemia
    (re.compile(r"(?<![oa])e(?=[b-df-hj-np-tv-z][a-z])"), "oe"),  # esophagus
    (re.compile(r"(?<![oa])e(?=[b-df-hj-np-tv-z][a-z])"), "ae"),  # anemia
    (re.compile(r"(?<=..o)u(?=r(?:s|ed|ing|ite|ful|able)?$)"), ""),  # colour, favourite
    (re.compile(r"(?<=...o)(?=r(?:s|ed|ing|ful|able)?$)"), "u"),  # color
    (re.compile(r"(?<=..[iy])s(?=(?:e|es|ed|ing|ation|ations)$)"), "z"),  # organisation
    (re.compile(r"(?<=..[iy])z(?=(?:e|es|ed|ing|ation|ations)$)"), "s"),  # analyze
    (re.compile(r"(?<=..)tre(?=s?$)"), "ter"),  # centre, litre
    (re.compile(r"(?<=..)ter(?=s?$)"), "tre"),  # center
    (re.compile(r"(?<=..)ogue(?=s?$)"), "og"),  # catalogue
    (re.compile(r"(?<=..)ence(?=s?$)"), "ense"),  # defence, licence
    (re.compile(r"(?<=..)ense(?=s?$)"), "ence"),  # defense
)
"""British and American spellings of one word, each rule one way: a rule applies at one
place at a time. "oe"/"ae" only before a consonant and another letter ("foetus", not
"canoes"/"canes" or "Michael"/"Michel")."""


def other_spellings(word: str) -> frozenset[str]:
    """``word`` (in lower case) spelt the other way, British or American, at one place."""
    found = set()
    for pattern, replacement in SPELLINGS:
        for match in pattern.finditer(word):
            found.add(word[: match.start()] + replacement + word[match.end() :])
    return frozenset(found - {word})


K1 = 0.9
B = 0.4
"""BM25's parameters (Anserini's defaults)."""


class Document(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def text(self) -> str: ...


@dataclass(frozen=True)
class Neighbour:
    """A document of the corpus, with its rank among those nearest a request (1 is nearest)."""

    id: str
    text: str
    rank: int


class _Index:
    """Postings by stem: for each stem, the documents whose words have it and how often."""

    def __init__(self, documents: Sequence[Document]) -> None:
        self.documents = documents
        self.postings: dict[str, dict[int, int]] = {}
        self.written: dict[str, set[int]] = {}
        """The documents of each word as written (in lower case), which stems can hide."""
        lengths = []
        for number, document in enumerate(documents):
            tokens = words(document.text)
            counts = Counter(stem(w) for w in tokens)
            lengths.append(sum(counts.values()))
            for key, count in counts.items():
                self.postings.setdefault(key, {})[number] = count
            for word in set(tokens):
                self.written.setdefault(word, set()).add(number)
        self.lengths = lengths
        self.numbers = {document.id: number for number, document in enumerate(documents)}
        self.mean_length = sum(lengths) / len(lengths) if lengths else 0.0

    def idf(self, key: str) -> float:
        found = len(self.postings.get(key, {}))
        return math.log(1 + (len(self.documents) - found + 0.5) / (found + 0.5))

    def scores(self, stems: set[str]) -> defaultdict[int, float]:
        found: defaultdict[int, float] = defaultdict(float)
        for key in stems:
            idf = self.idf(key)
            for number, tf in self.postings.get(key, {}).items():
                norm = K1 * (1 - B + B * self.lengths[number] / self.mean_length)
                found[number] += idf * tf * (K1 + 1) / (tf + norm)
        return found

    def shared(self, number: int, stems: set[str]) -> float:
        """The share of the idf of ``stems`` that document ``number`` has."""
        total = sum(self.idf(key) for key in stems)
        held = sum(self.idf(key) for key in stems if number in self.postings.get(key, {}))
        return held / total if total else 0.0


class Neighbours:
    """BM25 over a corpus's documents, indexed on first use (an operator that never asks costs
    nothing). Deterministic: ties are broken by the documents' order in the corpus."""

    def __init__(self, documents: Sequence[Document]) -> None:
        self._documents = documents
        self._index: _Index | None = None
        self._around: dict[str, frozenset[str]] = {}

    @property
    def index(self) -> _Index:
        if self._index is None:
            self._index = _Index(self._documents)
        return self._index

    def nearest(
        self, text: str, excluded: frozenset[str], count: int, share: float = 0.0
    ) -> tuple[Neighbour, ...]:
        """The ``count`` documents nearest ``text`` (its content words, by stem) among those
        with the rarest of its words that a document outside ``excluded`` has, leaving out the
        ids in ``excluded`` and the documents that hold less than ``share`` of the idf of its
        words: the query's near misses, not documents that share its common words with it
        ("how long", "water")."""
        index = self.index
        stems = {stem(w) for w in content_words(text)}
        left_out = {index.numbers[i] for i in excluded if i in index.numbers}
        known = [key for key in stems if set(index.postings.get(key, {})) - left_out]
        if not known:
            return ()
        rarest = max(known, key=lambda key: (index.idf(key), key))
        scores = index.scores(stems)
        ranked = sorted(index.postings[rarest], key=lambda number: (-scores[number], number))
        found: list[Neighbour] = []
        for number in ranked:
            document = index.documents[number]
            if document.id in excluded or index.shared(number, stems) < share:
                continue
            found.append(Neighbour(document.id, document.text, len(found) + 1))
            if len(found) == count:
                break
        return tuple(found)

    def texts(self, ids: frozenset[str]) -> tuple[str, ...]:
        """The texts of the documents ``ids``, in the corpus's order."""
        index = self.index
        return tuple(index.documents[n].text for n in sorted(index.numbers[i] for i in ids))

    def mentioning(self, term: str, most: int) -> frozenset[str] | None:
        """The documents of the corpus that write ``term`` or an inflection of it ("teeth's",
        "Beets" for "beet"; not "radiation" for "radiator", though the stem is one), or None
        where more than ``most`` documents share its stem (too common to be worth reading)."""
        index = self.index
        posting = index.postings.get(stem(term), {})
        if len(posting) > most * STEM_MATES:
            return None
        pattern = inflections(term.lower())
        found = (index.documents[n] for n in posting)
        return frozenset(d.id for d in found if pattern.search(d.text))

    def sharing_stem(self, term: str) -> frozenset[str]:
        """The documents of the corpus with a word of ``term``'s stem."""
        index = self.index
        return frozenset(index.documents[n].id for n in index.postings.get(stem(term), {}))

    def around(self, term: str) -> frozenset[str]:
        """The documents of the corpus with a longer word around ``term``, by stem ("flaxseed"
        for "flax") or a common word that begins or ends with it as written
        ("osteoarthritis" for "arthritis", whose stems "osteoarthr" and "arthriti" hide it;
        not "investigation" for "Stiga" nor the names "Manchester" for "Chester" and
        "Flatliners" for "liners"): a reader could take it for a mention."""
        written = term.lower()
        if written not in self._around:
            index = self.index
            wanted = stem(written)
            by_stem = {
                n
                for key, posting in index.postings.items()
                if wanted in key and key != wanted
                for n in posting
            }
            self._around[written] = frozenset(
                index.documents[n].id for n in by_stem | self._compounds(written)
            )
        return self._around[written]

    def _compounds(self, written: str) -> set[int]:
        """The documents that write, in lower case, a longer word beginning with an inflection
        of ``written`` or ending with one of ``SHARED_END`` letters or more (not "during" for
        "ring")."""
        index = self.index
        starts = tuple(inflected_forms(written))
        ends = tuple(form for form in starts if len(form) >= SHARED_END)
        same = inflections(written)
        found: set[int] = set()
        for word, numbers in index.written.items():
            if same.fullmatch(word) or not (word.startswith(starts) or word.endswith(ends)):
                continue
            lower = re.compile(rf"(?<![^\W_]){re.escape(word)}(?![^\W_])")
            found |= {n for n in numbers if lower.search(index.documents[n].text)}
        return found

    def written_otherwise(self, term: str) -> frozenset[str]:
        """The documents of the corpus that write ``term`` in two words ("mm Hg" for "mmHg",
        "tool bar" for "toolbar"), in its other spelling ("esophagus" for "oesophagus",
        "color" for "colour") or in its other number where that is irregular ("tooth" for
        "teeth"): a reader counts them as mentions, which the clause's word does not find."""
        index = self.index
        written = term.lower()
        found = {
            n
            for other in other_spellings(written)
            for form in inflected_forms(other)
            for n in index.written.get(form, ())
        }
        found |= {n for form in other_numbers(written) for n in index.written.get(form, ())}
        for cut in range(1, len(written)):
            head, tail = written[:cut], written[cut:]
            tails = {n for form in inflected_forms(tail) for n in index.written.get(form, ())}
            both = index.written.get(head, set()) & tails
            if both:
                apart = _in_two_words(head, tail)
                found |= {n for n in both if apart.search(index.documents[n].text)}
        return frozenset(index.documents[n].id for n in found)
