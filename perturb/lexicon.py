"""WordNet as a tagger and a thesaurus, with no tagger model: what a word is, in context.

nltk's part-of-speech tagger needs a model that cannot be installed here, so the part of speech
comes from the WordNet lexicon itself: the sense counts of the word's lemmas under each part of
speech (how often SemCor used it as a noun, a verb...), weighed by its neighbours ("to" and modals
come before verbs, determiners before nouns and adjectives). Synonyms come from the word's most
frequent sense only, and only those for which that sense is also one of their own two most
frequent senses, so a synonym means what the word meant.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from instructprobe.core.notices import MissingDataWarning
from instructprobe.perturb.text import NEGATION_CUES, stopwords, word_set

POS = ("n", "v", "a", "r")
_DETERMINERS = word_set(
    "a an the this these those my your our their his her its some any each every"
)
_MODALS = word_set("to must should can could will would may might shall do does did i we you they")
_DEGREE = word_set("very more most less least too quite rather so")
_PREPOSITIONS = word_set("of in on for with about from by at into over under between among through")
NEVER_REPLACED = word_set(
    """search searching searches concerning regarding including following according given based
    provided like so key current well just also even still rather quite really make makes get gets
    take takes use uses need needs want wants rate rates range level levels kind kinds way ways
    part parts set sets matter matters issue issues thing things lot lots"""
)
"""Words whose WordNet synonyms mislead in search instructions (prepositional participles,
light verbs, and nouns whose first sense is rarely the one meant)."""
_BE = word_set("am is are was were be been being")
_MIN_CONFIDENCE = 0.75
"""A word is substituted only if its guessed part of speech has at least this share of weight."""
_UNAIDED_CONFIDENCE = 0.9
"""A word that can be a noun or a verb needs this share when no neighbour says which it is."""
_MIN_SENSE_SHARE = 0.5
"""...and its most frequent sense at least this share of its sense counts in that part of speech."""


@dataclass(frozen=True)
class Inflection:
    """How a surface form relates to its lemma: plural noun, verb -s/-ed/-ing, or none."""

    pos: str
    suffix: str  # "", "s", "ed", "ing"


class Lexicon:
    """Part-of-speech guesses, lemmas, inflections and synonyms from a WordNet corpus reader."""

    def __init__(
        self, reader: Any, counts: dict[str, int] | None = None, source: str | None = None
    ) -> None:
        self._wn = reader
        self._counts = counts
        self.source = source
        """Where the WordNet files were read from (a folder or a zip file), when known."""
        self._pos_prior = lru_cache(maxsize=65536)(self._pos_prior_uncached)
        self._synonyms = lru_cache(maxsize=65536)(self._synonyms_uncached)

    # -- tagging ----------------------------------------------------------------------------

    def count(self, lemma: Any) -> int:
        """How often SemCor tagged this sense of the word (WordNet's cntlist)."""
        if self._counts is None:
            return int(lemma.count())
        return self._counts.get(str(lemma.key()), 0)

    def lemma(self, word: str, pos: str) -> str | None:
        base = self._wn.morphy(word, pos)
        return str(base) if base else None

    def _pos_prior_uncached(self, word: str) -> tuple[tuple[str, float], ...]:
        weights = []
        for pos in POS:
            base = self.lemma(word, pos)
            if base is None:
                continue
            count = sum(self.count(lemma) for lemma in self._wn.lemmas(base, pos))
            weights.append((pos, count + 0.5))
        return tuple(weights)

    def pos_of(self, words: Sequence[str], i: int) -> tuple[str, float] | None:
        """The most likely part of speech of ``words[i]`` and its share of the weight."""
        guess = self._guess(words, i)
        return None if guess is None else guess[:2]

    def _guess(self, words: Sequence[str], i: int) -> tuple[str, float, bool] | None:
        """(part of speech, share of the weight, whether a neighbour gave evidence)."""
        word = words[i]
        weights = dict(self._pos_prior(word))
        if not weights:
            return None
        prior = dict(weights)
        before = words[i - 1] if i > 0 else ""
        after = words[i + 1] if i + 1 < len(words) else ""

        def scale(pos: str, factor: float) -> None:
            if pos in weights:
                weights[pos] *= factor

        if before in _DETERMINERS:
            scale("v", 0.02)
            scale("r", 0.1)
        if before in _MODALS:
            scale("v", 8.0)
            scale("n", 0.1)
        if before in _DEGREE:
            scale("a", 4.0)
            scale("r", 2.0)
            scale("n", 0.1)
            scale("v", 0.1)
        if before in _PREPOSITIONS:
            scale("n", 2.0)
            scale("v", 0.3 if word.endswith("ing") else 0.05)
        if before in _BE:
            scale("n", 0.3)
        if after in _DETERMINERS:
            scale("v", 4.0)
            scale("n", 0.3)
        if after == "of":
            scale("n", 3.0)
        if word.endswith("ly"):
            scale("r", 4.0)
        if word.endswith(("ed", "ing")):
            scale("v", 2.0)
        total = sum(weights.values())
        pos, weight = max(weights.items(), key=lambda item: (item[1], item[0]))
        return pos, weight / total, weights != prior

    # -- inflection -------------------------------------------------------------------------

    def inflection(self, word: str, pos: str) -> tuple[str, Inflection] | None:
        """The lemma and the regular inflection of ``word``; None for forms we cannot rebuild."""
        base = self.lemma(word, pos)
        if base is None:
            return None
        if word == base:
            return base, Inflection(pos, "")
        if pos == "n" and word.endswith("s") and pluralize(base) == word:
            return base, Inflection(pos, "s")
        if pos == "v":
            for suffix in ("s", "ed", "ing"):
                if inflect_verb(base, suffix) == word:
                    return base, Inflection(pos, suffix)
        return None

    def inflect(self, lemma: str, inflection: Inflection) -> str | None:
        """``lemma`` in the form ``inflection`` names, if it is regular and maps back by morphy."""
        if not inflection.suffix:
            return lemma
        parts = lemma.split(" ")
        if inflection.pos == "n":
            if self._mass_noun(lemma):
                return None
            parts[-1] = pluralize(parts[-1])
        elif inflection.pos == "v":
            if inflection.suffix == "ed" and parts[0] in _irregular_verbs(self._wn):
                return None
            form = inflect_verb(parts[0], inflection.suffix)
            if form is None:
                return None
            parts[0] = form
        else:
            return None
        inflected = " ".join(parts)
        head = parts[-1] if inflection.pos == "n" else parts[0]
        lemma_head = lemma.split(" ")[-1] if inflection.pos == "n" else lemma.split(" ")[0]
        if self.lemma(head, inflection.pos) != lemma_head:
            return None
        return inflected

    def _mass_noun(self, lemma: str) -> bool:
        """Whether the noun's most frequent sense is a substance or a possession (stuff, money)."""
        senses = self._wn.synsets(lemma.replace(" ", "_"), "n")
        return bool(senses) and senses[0].lexname() in {"noun.substance", "noun.possession"}

    # -- synonyms ---------------------------------------------------------------------------

    def _synonyms_uncached(self, lemma: str, pos: str) -> tuple[str, ...]:
        lemmas = self._wn.lemmas(lemma, pos)
        if not lemmas:
            return ()
        counts = [self.count(entry) for entry in lemmas]
        total = sum(counts)
        best = max(range(len(lemmas)), key=lambda k: (counts[k], -k))
        if total == 0 and len(lemmas) > 1:
            return ()
        if total and counts[best] / total < _MIN_SENSE_SHARE:
            return ()
        sense = lemmas[best].synset()
        found = []
        for candidate in sense.lemmas():
            name = str(candidate.name())
            text = name.replace("_", " ")
            if text == lemma or not _plain(text):
                continue
            if text in stopwords() or text in NEGATION_CUES or len(text.split(" ")) > 2:
                continue
            if self.count(candidate) < 1 or _derived(text, lemma):
                continue
            if sense not in self._wn.synsets(name, pos)[:2]:
                continue
            found.append(text)
        return tuple(sorted(found))

    def synonyms(self, lemma: str, pos: str) -> tuple[str, ...]:
        """Synonyms of ``lemma`` in its most frequent ``pos`` sense (empty when unsure)."""
        return self._synonyms(lemma, pos)

    def substitutable(self, words: Sequence[str], i: int) -> tuple[str, Inflection] | None:
        """(lemma, inflection) of ``words[i]`` when its part of speech is clear enough."""
        if words[i] in NEVER_REPLACED:
            return None
        guess = self._guess(words, i)
        if guess is None or guess[1] < _MIN_CONFIDENCE:
            return None
        pos, share, evidence = guess
        ambiguous = {"n", "v"} <= {p for p, _ in self._pos_prior(words[i])}
        if ambiguous and not evidence and share < _UNAIDED_CONFIDENCE:
            return None
        return self.inflection(words[i], pos)

    def is_collocation(self, first: str, second: str) -> bool:
        """Whether ``first second`` is a WordNet entry ("real estate", "high school")."""
        return bool(self._wn.lemmas(f"{first}_{second}")) or bool(
            self._wn.lemmas(f"{first}_{self.lemma(second, 'n') or second}")
        )

    def is_noun_compound(self, first: str, second: str) -> bool:
        """Whether ``first second`` is a noun WordNet lists ("main course", "case studies");
        unlike ``is_collocation``, not a phrasal verb ("look for")."""
        return bool(self._wn.lemmas(f"{first}_{self.lemma(second, 'n') or second}", "n"))

    def written_in_lower_case(self, word: str) -> bool | None:
        """Whether WordNet writes ``word`` in lower case ("status": True, "missouri": False);
        None for a word it does not know."""
        named = []
        for pos in "nvar":
            base = self._wn.morphy(word.lower(), pos) or word.lower()
            named += [m for m in self._wn.lemmas(base, pos) if m.name().lower() == base]
        if not named:
            return None
        return any(lemma.name().islower() for lemma in named)

    def other_numbers(self, noun: str) -> frozenset[str]:
        """The other number of ``noun`` where WordNet's noun.exc lists an irregular one
        ("tooth" for "teeth", "teeth" for "tooth", "mice" for "mouse"); none for a regular
        noun."""
        return _irregular_nouns(self._wn).get(noun.lower(), frozenset())

    def is_adjective(self, word: str) -> bool:
        """Whether WordNet has an adjective sense of ``word`` ("manual", "staple")."""
        return any(pos == "a" for pos, _ in self._pos_prior(word))

    def is_noun(self, word: str) -> bool:
        """Whether ``word`` is used mostly as a noun (by its sense counts)."""
        weights = dict(self._pos_prior(word))
        return bool(weights) and max(weights, key=lambda p: weights[p]) == "n"

    def noun_share(self, word: str) -> float:
        """The share of ``word``'s sense counts that are noun senses (0 for an unknown word)."""
        weights = dict(self._pos_prior(word))
        total = sum(weights.values())
        return weights.get("n", 0.0) / total if total else 0.0

    def frequency(self, word: str) -> float:
        """How often SemCor tagged ``word`` (any part of speech), or its singular if more
        often: WordNet lists "minutes" and "years" as lemmas of their own."""
        forms = (word, word[:-1]) if word.endswith("s") else (word,)
        return max(sum(count for _, count in self._pos_prior(form)) for form in forms)

    def noun_kind(self, word: str) -> str | None:
        """The lexicographer file of ``word``'s most frequent noun sense ("noun.food",
        "noun.quantity"), or None where WordNet has no noun sense."""
        found = self._wn.synsets(word, "n")
        return str(found[0].lexname()) if found else None

    def kinds_under(self, word: str) -> int:
        """How many kinds of thing WordNet puts under ``word``'s most frequent noun sense: a
        category ("symptom", "expense") has many, a thing ("fever", "toaster") few."""
        found = self._wn.synsets(word, "n")
        return len(set(found[0].closure(lambda s: s.hyponyms()))) if found else 0

    def only_a_person(self, word: str) -> bool:
        """Whether every noun sense of ``word`` is a person ("buyers", "borrowers")."""
        found = self._wn.synsets(word, "n")
        return bool(found) and all(s.lexname() == "noun.person" for s in found)

    def nouns_related(self, first: str, second: str, depth: int = 2) -> bool:
        """Whether two words share a noun sense, or one's noun sense is within ``depth``
        hypernym steps above the other's ("meat" and "chicken", "woman" and "women")."""
        one = set(self._wn.synsets(first, "n"))
        other = set(self._wn.synsets(second, "n"))
        if one & other:
            return True
        return bool(_above(one, depth) & other) or bool(_above(other, depth) & one)

    def defined_with(self, word: str) -> frozenset[str]:
        """The words of the definitions of ``word``'s noun senses: what WordNet says the thing
        is made of or for ("whetstone": "a flat stone for sharpening edged tools or knives")."""
        found: set[str] = set()
        for synset in self._wn.synsets(word, "n"):
            found.update(w.lower() for w in re.findall(r"[A-Za-z]+", synset.definition()))
        return frozenset(found)


def _above(synsets: set[Any], depth: int) -> set[Any]:
    found: set[Any] = set()
    level = set(synsets)
    for _ in range(depth):
        level = {h for s in level for h in s.hypernyms() + s.instance_hypernyms()}
        found |= level
    return found


def _derived(candidate: str, lemma: str) -> bool:
    """A derivational variant rather than a synonym (gold/golden, integrating/integration)."""
    from instructprobe.perturb.text import stem

    if candidate.startswith(lemma) or lemma.startswith(candidate):
        return True
    if lemma in candidate.split(" "):
        return True
    return " " not in candidate and stem(candidate) == stem(lemma)


def _plain(text: str) -> bool:
    return all(part.isalpha() and part.islower() and len(part) > 2 for part in text.split(" "))


_IRREGULAR: dict[int, frozenset[str]] = {}


def _irregular_verbs(reader: Any) -> frozenset[str]:
    """Verbs with an irregular form in WordNet's verb.exc (their -ed form is not regular)."""
    key = id(reader)
    if key not in _IRREGULAR:
        _IRREGULAR[key] = frozenset(
            base
            for form, *bases in _exceptions(reader, "verb.exc")
            if not form.endswith("ed")
            for base in bases
        )
    return _IRREGULAR[key]


def _exceptions(reader: Any, name: str) -> list[list[str]]:
    """The lines of one of WordNet's exception lists, split: "form base…", as nltk reads it."""
    with reader.open(name) as lines:
        return [line.split() for line in lines]


_IRREGULAR_NOUNS: dict[int, dict[str, frozenset[str]]] = {}


def _irregular_nouns(reader: Any) -> dict[str, frozenset[str]]:
    """Each one-word noun of WordNet's noun.exc and its other numbers, both ways ("teeth":
    {"tooth"}, "tooth": {"teeth"})."""
    key = id(reader)
    if key not in _IRREGULAR_NOUNS:
        found: dict[str, set[str]] = {}
        for form, *bases in _exceptions(reader, "noun.exc"):
            for base in bases:
                if form != base and "_" not in form + base:
                    found.setdefault(form, set()).add(base)
                    found.setdefault(base, set()).add(form)
        _IRREGULAR_NOUNS[key] = {word: frozenset(others) for word, others in found.items()}
    return _IRREGULAR_NOUNS[key]


def pluralize(noun: str) -> str:
    if noun.endswith(("s", "x", "z", "ch", "sh")):
        return noun + "es"
    if noun.endswith("y") and noun[-2:-1] not in set("aeiou"):
        return noun[:-1] + "ies"
    return noun + "s"


_VOWELS = set("aeiou")


def _doubles(verb: str) -> bool | None:
    """Whether a verb doubles its last consonant (stop -> stopped); None when unsure."""
    if len(verb) < 3 or verb[-1] in "wxy" or verb[-1] in _VOWELS:
        return False
    cvc = verb[-1] not in _VOWELS and verb[-2] in _VOWELS and verb[-3] not in _VOWELS
    if not cvc:
        return False
    vowel_groups = sum(
        1 for k, ch in enumerate(verb) if ch in _VOWELS and (k == 0 or verb[k - 1] not in _VOWELS)
    )
    return True if vowel_groups == 1 else None


def inflect_verb(verb: str, suffix: str) -> str | None:
    """The regular -s, -ed or -ing form of ``verb``; None where spelling rules are unsure."""
    if suffix == "s":
        return pluralize(verb)
    doubles = _doubles(verb)
    if doubles is None:
        return None
    if suffix == "ed":
        if verb.endswith("e"):
            return verb + "d"
        if verb.endswith("y") and verb[-2:-1] not in _VOWELS:
            return verb[:-1] + "ied"
        return verb + verb[-1] + "ed" if doubles else verb + "ed"
    if suffix == "ing":
        if verb.endswith("ie"):
            return verb[:-2] + "ying"
        if verb.endswith("e") and not verb.endswith(("ee", "ye", "oe")):
            return verb[:-1] + "ing"
        return verb + verb[-1] + "ing" if doubles else verb + "ing"
    return None


def _sense_counts(corpus: Any) -> dict[str, int] | None:
    """Sense key -> tag count, read once from ``cntlist.rev`` (nltk reads it per lookup)."""
    try:
        with corpus.join("cntlist.rev").open() as handle:
            raw = handle.read()
    except (OSError, LookupError):
        return None
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    counts = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[2].isdigit():
            counts[parts[0]] = int(parts[2])
    return counts


_WARNED: list[bool] = []


def wordnet_requested() -> bool:
    """Whether this process has asked for the default WordNet lexicon yet."""
    return wordnet_lexicon.cache_info().currsize > 0


@lru_cache(maxsize=1)
def english_reader() -> type:
    """nltk's WordNet reader for English WordNet only."""
    from nltk.corpus.reader.wordnet import WordNetCorpusReader

    class EnglishReader(WordNetCorpusReader):  # type: ignore[misc]
        def map_wn(self, version: str = "wordnet") -> None:
            """No mapping to other WordNet versions: only the multilingual data needs it."""
            return None

    return EnglishReader


def _first_words(error: Exception) -> str:
    """The first line of an error that says something: nltk's starts with a row of stars."""
    lines = (line.strip() for line in str(error).splitlines())
    return next((line for line in lines if any(c.isalnum() for c in line)), type(error).__name__)


@lru_cache(maxsize=4)
def wordnet_lexicon(search_path: tuple[str, ...] | None = None) -> Lexicon | None:
    """WordNet for nltk, or None after one warning that says how to install it."""
    try:
        import nltk

        if search_path is None:
            found = nltk.data.find("corpora/wordnet")
        else:
            found = nltk.data.find("corpora/wordnet", paths=list(search_path))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = english_reader()(found, None)
        reader.synsets("dog")
        return Lexicon(reader, _sense_counts(found), getattr(found, "path", None))
    except (LookupError, OSError, ValueError) as error:
        if not _WARNED:
            _WARNED.append(True)
            warnings.warn(
                "WordNet is missing, so paraphrases come from the phrase rules only "
                f"(run 'probe setup' to install it): {_first_words(error)}",
                MissingDataWarning,
                stacklevel=2,
            )
        return None
