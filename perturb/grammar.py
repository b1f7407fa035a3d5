"""Grammar faults a paraphrase brought in that its original did not have.

Each check looks only at what is new in the paraphrase, so a fault the original already had
(a user's own typo, "As a environmentalist") is never the paraphraser's:

- *be + been*: "it's been" expanded as "it is been" (the contraction was "it has").
- *agreement*: a plural noun, "that" or "which", and a verb in the third person singular
  ("information that explains" -> "details that describes").
- *non-word*: a word WordNet does not know, written where the original had none
  ("who focuses on" -> "I focuse on"); checked only when WordNet is installed.
- *broken compound*: one word of a noun compound WordNet lists rewritten on its own, so the
  pair is no longer one ("the main courses" -> "the primary courses"); checked only when
  WordNet is installed.

An agreement the original already wrote is the author's, whatever verb the paraphrase puts
there: "my thesis, which focuses" -> "my thesis, which concentrates", or "literature, such as
those provided by health organizations, that explains" -> "… that describes" (the verb agrees
with a noun further back). Only a plural noun that the paraphrase brought next to the verb is
a fault ("my audience, which ranges" -> "my readers, which ranges"). The reading audits'
paraphrases with these faults and those without are counted in
``benchmarks/results/meaning_filter.md``.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from instructprobe.perturb.lexicon import POS, Lexicon, wordnet_lexicon
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
    BROKEN_COMPOUND = "broken-compound"


@dataclass(frozen=True)
class GrammarFault:
    kind: FaultKind
    text: str

    def __str__(self) -> str:
        return f"{self.kind.value}: {self.text}"


def _new_matches(
    pattern: re.Pattern[str],
    before: str,
    after: str,
    key: Callable[[str], str] = lambda match: match,
) -> list[str]:
    """Matches in ``after`` whose ``key`` no match in ``before`` has."""
    seen = {key(m.group()) for m in pattern.finditer(before)}
    return [m.group() for m in pattern.finditer(after) if key(m.group()) not in seen]


def _subject(match: str) -> str:
    """An agreement match without its verb: "thesis which" of "thesis which concentrates"."""
    return match.rsplit(" ", 1)[0]


def _broken_compounds(
    before: Sequence[str], after: Sequence[str], compound: Callable[[str, str], bool]
) -> list[str]:
    """Pairs of content words the original wrote as a noun compound of which the paraphrase
    kept one word and rewrote the other, into a pair that is none."""
    found = []
    matcher = SequenceMatcher(None, before, after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "replace":
            continue
        pairs = []
        if i1 and j1 and before[i1 - 1] == after[j1 - 1]:
            pairs.append(((before[i1 - 1], before[i1]), (after[j1 - 1], after[j1])))
        if i2 < len(before) and j2 < len(after) and before[i2] == after[j2]:
            pairs.append(((before[i2 - 1], before[i2]), (after[j2 - 1], after[j2])))
        found += [
            f"{' '.join(old)} -> {' '.join(new)}"
            for old, new in pairs
            if all(map(is_content_word, (*old, *new))) and compound(*old) and not compound(*new)
        ]
    return found


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
    original: str,
    paraphrase: str,
    known: Callable[[str], bool] | None = None,
    compound: Callable[[str, str], bool] | None = None,
) -> tuple[GrammarFault, ...]:
    """The faults ``paraphrase`` brought in; ``known`` tells an English word (None: no
    non-word check), ``compound`` a noun compound (None: no broken-compound check)."""
    raw_before, raw_after = " ".join(words(original)), " ".join(words(paraphrase))
    before_words, after_words = normalised_words(original), normalised_words(paraphrase)
    before, after = " ".join(before_words), " ".join(after_words)
    found = [
        *(
            GrammarFault(FaultKind.BE_BEEN, m)
            for m in _new_matches(_BE_BEEN, raw_before, raw_after)
        ),
        *(
            GrammarFault(FaultKind.AGREEMENT, m)
            for m in _new_matches(_AGREEMENT, before, after, _subject)
        ),
    ]
    if known is not None:
        found += (
            GrammarFault(FaultKind.NON_WORD, w) for w in _non_words(original, paraphrase, known)
        )
    if compound is not None:
        found += (
            GrammarFault(FaultKind.BROKEN_COMPOUND, pair)
            for pair in _broken_compounds(before_words, after_words, compound)
        )
    return tuple(found)


def wordnet_words() -> Callable[[str], bool] | None:
    """Whether WordNet knows a word (any part of speech, any inflection); None without
    WordNet, quietly: the warning that it is missing belongs to the paraphrasers that use it."""
    lexicon = _quiet_lexicon()
    if lexicon is None:
        return None
    return lambda word: any(lexicon.lemma(word, pos) for pos in POS)


def wordnet_compounds() -> Callable[[str, str], bool] | None:
    """Whether two words make a noun compound WordNet lists ("main course", "case study"; the
    second word may be plural); None without WordNet, quietly."""
    lexicon = _quiet_lexicon()
    return None if lexicon is None else lexicon.is_noun_compound


def _quiet_lexicon() -> Lexicon | None:
    import nltk

    try:
        nltk.data.find("corpora/wordnet")
    except LookupError:
        return None
    return wordnet_lexicon()
