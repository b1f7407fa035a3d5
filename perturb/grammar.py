"""Grammar faults a paraphrase brought in that its original did not have.

Each check looks only at what is new in the paraphrase, so a fault the original already had
(a user's own typo, "As a environmentalist") is never the paraphraser's:

- *be + been*: "it's been" expanded as "it is been" (the contraction was "it has").
- *agreement*: a plural noun, "that" or "which", and a verb in the third person singular
  ("information that explains" -> "details that describes").
- *non-word*: a word WordNet does not know, written where the original had none
  ("who focuses on" -> "I focuse on"); checked only when WordNet is installed.

The reading audits rejected every paraphrase with one of these faults, and no accepted
paraphrase has one (``benchmarks/meaning_filter.py``).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from dataclasses import dataclass

from instructprobe.perturb.lexicon import POS, wordnet_lexicon
from instructprobe.perturb.text import is_content_word, words
from instructprobe.perturb.vetting import normalised_words, spelling_key

_BE_BEEN = re.compile(r"\b(?:am|is|are|was|were) been\b")
_AGREEMENT = re.compile(r"\b[a-z]{2,}[^s'\s]s (?:that|which) (?:[a-z]*[^sui\s]s|is|was|has|does)\b")
"""A plural ("details", not "analysis", "focus" or "boss"), then a singular verb ("describes",
not "discuss" or "focus")."""
_MODALS_WORDNET_LACKS = frozenset({"ought"})


class FaultKind(enum.Enum):
    BE_BEEN = "be-been"
    AGREEMENT = "agreement"
    NON_WORD = "non-word"


@dataclass(frozen=True)
class GrammarFault:
    kind: FaultKind
    text: str

    def __str__(self) -> str:
        return f"{self.kind.value}: {self.text}"


def _new_matches(pattern: re.Pattern[str], before: str, after: str) -> list[str]:
    seen = {m.group() for m in pattern.finditer(before)}
    return [m.group() for m in pattern.finditer(after) if m.group() not in seen]


def _non_words(original: str, paraphrase: str, known: Callable[[str], bool]) -> list[str]:
    had = set(normalised_words(original))
    return [
        word
        for word in dict.fromkeys(normalised_words(paraphrase))
        if word not in had
        and word.isalpha()
        and is_content_word(word)
        and word not in _MODALS_WORDNET_LACKS
        and not known(word)
        and not known(spelling_key(word))
    ]


def grammar_faults(
    original: str, paraphrase: str, known: Callable[[str], bool] | None = None
) -> tuple[GrammarFault, ...]:
    """The faults ``paraphrase`` brought in; ``known`` tells an English word (None: no
    non-word check)."""
    raw_before, raw_after = " ".join(words(original)), " ".join(words(paraphrase))
    before = " ".join(normalised_words(original))
    after = " ".join(normalised_words(paraphrase))
    found = [
        *(
            GrammarFault(FaultKind.BE_BEEN, m)
            for m in _new_matches(_BE_BEEN, raw_before, raw_after)
        ),
        *(GrammarFault(FaultKind.AGREEMENT, m) for m in _new_matches(_AGREEMENT, before, after)),
    ]
    if known is not None:
        found += (
            GrammarFault(FaultKind.NON_WORD, w) for w in _non_words(original, paraphrase, known)
        )
    return tuple(found)


def wordnet_words() -> Callable[[str], bool] | None:
    """Whether WordNet knows a word (any part of speech, any inflection); None without
    WordNet, quietly: the warning that it is missing belongs to the paraphrasers that use it."""
    import nltk

    try:
        nltk.data.find("corpora/wordnet")
    except LookupError:
        return None
    lexicon = wordnet_lexicon()
    if lexicon is None:
        return None
    return lambda word: any(lexicon.lemma(word, pos) for pos in POS)
