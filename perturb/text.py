"""Small text utilities shared by the operators: word spans, stopwords, sentences."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

STOPWORD_FILE = "english_stopwords.txt"
WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")

NEGATION_CUES = frozenset(
    {
        "no",
        "not",
        "never",
        "none",
        "nothing",
        "neither",
        "nor",
        "without",
        "exclude",
        "excluding",
        "excludes",
        "avoid",
        "avoids",
        "avoiding",
        "ignore",
        "ignores",
        "ignoring",
        "skip",
        "skips",
        "skipping",
        "omit",
        "omits",
        "omitting",
        "don't",
        "dont",
        "doesn't",
        "isn't",
        "aren't",
        "shouldn't",
        "mustn't",
        "cannot",
        "can't",
        "won't",
        "except",
        "unless",
    }
)


NEGATION_PHRASES = re.compile(
    r"\b(?:leave out|rule out|other than|rather than|instead of|apart from|steer clear of|"
    r"stay away from|filter out|leave aside)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Token:
    text: str
    start: int

    @property
    def end(self) -> int:
        return self.start + len(self.text)

    @property
    def lower(self) -> str:
        return self.text.lower().replace("’", "'")


def tokens(text: str) -> list[Token]:
    return [Token(m.group(), m.start()) for m in WORD.finditer(text)]


def words(text: str) -> list[str]:
    return [t.lower for t in tokens(text)]


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """The Glasgow IR group's English list (as scikit-learn ships it; ``data/``), less the
    negation cues."""
    from importlib.resources import files

    text = (files("instructprobe.perturb") / "data" / STOPWORD_FILE).read_text(encoding="utf-8")
    listed = (line.strip() for line in text.splitlines())
    return frozenset(w for w in listed if w and not w.startswith("#")) - NEGATION_CUES


def is_content_word(word: str) -> bool:
    lowered = word.lower()
    return len(lowered) > 2 and lowered not in stopwords() and not lowered.isdigit()


def content_words(text: str) -> list[str]:
    return [w for w in words(text) if is_content_word(w)]


def has_negation(text: str) -> bool:
    """Whether ``text`` has a negation cue: a word (not, never, avoid…) or a phrase (leave out…)."""
    if NEGATION_PHRASES.search(text):
        return True
    return any(w in NEGATION_CUES or w.endswith("n't") for w in words(text))


@lru_cache(maxsize=1)
def _stemmer() -> object:
    import Stemmer

    return Stemmer.Stemmer("english")


def stem(word: str) -> str:
    return str(_stemmer().stemWord(word.lower()))  # type: ignore[attr-defined]


def sentences(text: str) -> list[str]:
    """Punkt sentence split (pickle-free model shipped on PyPI; no nltk download needed)."""
    if not text.strip():
        return []
    import punkt

    return [s for s in punkt.sent_tokenize(text) if s.strip()]


def iter_sentence_spans(text: str) -> Iterator[tuple[int, int]]:
    """Character spans of the sentences of ``text``, in order."""
    cursor = 0
    for sentence in sentences(text):
        start = text.find(sentence, cursor)
        if start < 0:
            continue
        cursor = start + len(sentence)
        yield start, cursor


def word_set(text: str) -> frozenset[str]:
    """The whitespace-separated words of ``text`` (for word lists written as prose)."""
    return frozenset(text.split())
