"""The words a paraphrase brought in that no vetted rewrite wrote.

A word-level paraphrase may write a content word its original did not have only through a phrase
rule (``perturb.phrases``): those rewrites were read one by one and guarded for the language of
search instructions. A restructuring frame writes function words and "want", "like" or "please"
only. A new content word from anywhere else, such as a WordNet synonym chosen out of context
("my boss" -> "my foreman", "expert insights" -> "expert penetrations", "ensure" -> "insure"),
is an *unvetted substitution*: the reading audit rejected 23 of the 25 paraphrases that had one
(docs/perturbations.md, "The meaning filter").

The original and the paraphrase are aligned word by word (contractions expanded, "a"/"an" and
-ise/-ize spellings made equal); each changed stretch, with a few unchanged words either side,
must split into pieces that are phrase-rule rewrites or that bring in no new content word. A
word counts as new when no word of the original shares its stem or the first five letters of it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

from instructprobe.perturb.phrases import PHRASE_RULES
from instructprobe.perturb.recast import HELP_WITH, interested_written, passive_written
from instructprobe.perturb.recast_phrases import RECAST_RULES
from instructprobe.perturb.reorder import sentence_blocks
from instructprobe.perturb.restate import POLITE_SENTENCES
from instructprobe.perturb.restructure import first_person
from instructprobe.perturb.text import is_content_word, iter_sentence_spans, stem, tokens

REACH = 3
"""Unchanged words either side of a changed stretch that a rewrite may span ("to find" ->
"to locate" changes one word of a two-word rule)."""
FREE_PIECE = 4
"""The longest stretch, in words, aligned without a rule when it brings in no new word."""
LONGEST_STRETCH = 48
"""A changed stretch longer than this (words, either side) is not split into rewrites: one with
a new word is reported as it is (a bound on the work for hostile input)."""
EXACT_ALIGNMENT = 400
"""Up to this many words a side, the alignment considers every word; beyond it, difflib's
heuristic leaves out words that make up more than 1% of the text (bounded work on long input)."""
SHARED_START = 5
"""A word whose stem starts with the same five letters as one of the original's is not new: a
rewrite may turn a verb into its noun ("compare" -> "a comparison", "analyze" -> "analysis")."""
FRAME_VERBS = frozenset({"find"})
"""What ``recast``'s "Please help me …" frame writes in place of "I am searching for"."""
FRAME_LEADS = FRAME_VERBS | {"please"}
"""Words a frame writes that a phrase rule may start with: "My search should return X" ->
"Please return X" (``restructure``), then "please return" -> "please retrieve" (a rule)."""
FRAME_WORDS = frozenset({"want", "like", "please", "help"}) | FRAME_VERBS
"""Content words a restructuring frame writes ("I want my search to…", "Please include…",
``recast``'s "Please help me find…", also for "I'm searching for"), also after a phrase rule
rewrote the frame ("I'd like my search to…")."""
_CONTRACTIONS = {
    "'m": ("am",),
    "'re": ("are",),
    "'ve": ("have",),
    "'ll": ("will",),
    "'d": ("would",),
}
_PRONOUN_IS = frozenset({"it's", "that's", "there's", "what's", "he's", "she's", "who's"})
_NEGATED = {"can't": ("can", "not"), "won't": ("will", "not")}
_BRITISH = (
    (re.compile(r"(?<=[a-z]{2})is(e|es|ed|ing|ation|ations)$"), r"iz\1"),
    (re.compile(r"(?<=[a-z])ys(e|es|ed|ing)$"), r"yz\1"),
)


@dataclass(frozen=True)
class Substitution:
    """A changed stretch of the instruction (in normalised words) that brought in a new word."""

    before: str
    after: str

    def __str__(self) -> str:
        return f"{self.before} -> {self.after}"


def _expanded(word: str) -> tuple[str, ...]:
    """One token as the words it stands for: "i'm" -> ("i", "am"), "an" -> ("a",)."""
    if word in _NEGATED:
        return _NEGATED[word]
    if word.endswith("n't"):
        return (word[:-3], "not")
    if word in _PRONOUN_IS:
        return (word[:-2], "is")
    for suffix, words in _CONTRACTIONS.items():
        if word.endswith(suffix) and len(word) > len(suffix):
            return (word[: -len(suffix)], *words)
    return ("a",) if word == "an" else (word,)


def normalised_words(text: str) -> list[str]:
    return [w for token in tokens(text) for w in _expanded(token.lower)]


def spelling_key(word: str) -> str:
    """British -ise/-yse spellings as American ones, so "prioritise" is "prioritize"'s word."""
    for pattern, replacement in _BRITISH:
        word = pattern.sub(replacement, word)
    return word


Rewrites = frozenset[tuple[tuple[str, ...], tuple[str, ...]]]
"""(phrase, replacement) pairs, in normalised words."""


@lru_cache(maxsize=1)
def vetted_rewrites() -> Rewrites:
    """Every (phrase, replacement) a phrase rule or a rule of ``recast``'s phrasebook (read on
    three held-out samples, benchmarks/audit/recast-held-out*) may write, in normalised words,
    and what ``recast``'s request frames write ("help me know" is "help me find out", "I am
    interested in finding" is "I would like to find"), also when a rule then rewrote it
    ("find out" -> "discover", "I would like to find" -> "I wish to find"), and a rule for a verb
    in the third person with the verb in the first person (a restructured persona's)."""
    rules = frozenset(
        (tuple(normalised_words(source)), tuple(normalised_words(target)))
        for rule in (*PHRASE_RULES, *RECAST_RULES)
        for source in rule.phrases
        for target in rule.replacements(source)
    )
    frames = frozenset(
        (tuple(normalised_words(verb)), tuple(normalised_words(written)))
        for verb, written in (HELP_WITH | interested_written()).items()
    )
    composed = frozenset(
        (verb, target) for verb, written in frames for source, target in rules if source == written
    )
    return rules | frames | composed | _in_the_passive(rules) | _in_the_first_person(rules)


def _in_the_passive(rules: Rewrites) -> Rewrites:
    """What ``recast``'s passive frame writes ("my search should prioritize" -> "priority should
    be given to"), also with the modal then rewritten by a rule ("priority ought to be given
    to")."""
    pairs = set()
    for replaced, noun, modal, rest in passive_written():
        said = tuple(normalised_words(modal))
        for written in {said} | {target for source, target in rules if source == said}:
            after = (*normalised_words(noun), *written, *normalised_words(rest))
            pairs.add((tuple(normalised_words(replaced)), after))
    return frozenset(pairs)


def _in_the_first_person(rules: Rewrites) -> Rewrites:
    """A rule for a verb in the third person, written in the first person as a restructured
    persona writes it ("I am a fan who prefers X" -> "As a fan, I favor X")."""
    found = set()
    for source, target in rules:
        if not source or not target:
            continue
        verb = first_person(target[0])
        if (
            verb is not None
            and verb != target[0]
            and first_person(source[0]) not in (None, source[0])
        ):
            found.add((source, (verb, *target[1:])))
    return frozenset(found)


def _longest(rewrites: Rewrites) -> int:
    return max((max(len(a), len(b)) for a, b in rewrites), default=0)


@lru_cache(maxsize=1)
def _longest_rewrite() -> int:
    return _longest(vetted_rewrites())


def _known_stems(words: Sequence[str]) -> frozenset[str]:
    """The stems of ``words`` and their first SHARED_START letters."""
    stems = {stem(spelling_key(w)) for w in words}
    return frozenset(stems | {s[:SHARED_START] for s in stems if len(s) >= SHARED_START})


def _new_word(word: str, known: frozenset[str]) -> bool:
    if not is_content_word(word) or word in FRAME_WORDS:
        return False
    key = stem(spelling_key(word))
    return key not in known and key[:SHARED_START] not in known


class _Alignment:
    def __init__(self, before: Sequence[str], after: Sequence[str], rewrites: Rewrites) -> None:
        self.before = before
        self.after = after
        self.rewrites = rewrites
        self.longest = max(
            _longest_rewrite() if rewrites is vetted_rewrites() else _longest(rewrites), FREE_PIECE
        )
        known = _known_stems(before)
        self._new_before = [0]  # how many new words after[:k] holds, for each k
        for word in after:
            self._new_before.append(self._new_before[-1] + _new_word(word, known))

    def brings_in(self, start: int, end: int) -> bool:
        return self._new_before[end] > self._new_before[start]

    def steps(self, i: int, j: int, stop: tuple[int, int]) -> Iterator[tuple[int, int]]:
        """Where one piece from (i, j) may end: a vetted rewrite, or a stretch with no new word."""
        rewrites, longest = self.rewrites, self.longest
        for p in range(min(longest, stop[0] - i) + 1):
            for q in range(min(longest, stop[1] - j) + 1):
                if p == q == 0:
                    continue
                free = p <= FREE_PIECE and q <= FREE_PIECE and not self.brings_in(j, j + q)
                piece = (tuple(self.before[i : i + p]), tuple(self.after[j : j + q]))
                if free or piece in rewrites or self._after_frame_verb(j, piece, rewrites):
                    yield i + p, j + q

    def _after_frame_verb(
        self, j: int, piece: tuple[tuple[str, ...], tuple[str, ...]], rewrites: Rewrites
    ) -> bool:
        """A rule that starts with the word a frame wrote ("find documents" -> "find passages"
        after "Please help me find" took the place of "I am searching for"; "please return" ->
        "please retrieve" after "Please" took the place of "My search should")."""
        lead = self.after[j - 1] if j > 0 else ""
        return lead in FRAME_LEADS and ((lead, *piece[0]), (lead, *piece[1])) in rewrites

    def vetted(self, start: tuple[int, int], stop: tuple[int, int]) -> bool:
        """Whether before[start:stop] -> after[start:stop] splits into vetted pieces."""
        seen = {start}
        frontier = [start]
        while frontier:
            i, j = frontier.pop()
            if (i, j) == stop:
                return True
            for step in self.steps(i, j, stop):
                if step not in seen:
                    seen.add(step)
                    frontier.append(step)
        return False


def _changed_stretches(
    before: Sequence[str], after: Sequence[str]
) -> list[tuple[int, int, int, int]]:
    """(i1, i2, j1, j2) of each changed stretch; changes closer than 2 * REACH words are one."""
    exact = max(len(before), len(after)) <= EXACT_ALIGNMENT
    matcher = SequenceMatcher(None, before, after, autojunk=not exact)
    stretches: list[tuple[int, int, int, int]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if stretches and i1 - stretches[-1][1] <= 2 * REACH:
            first = stretches.pop()
            stretches.append((first[0], i2, first[2], j2))
        else:
            stretches.append((i1, i2, j1, j2))
    return stretches


def unvetted_substitutions(
    original: str, paraphrase: str, rewrites: Rewrites | None = None
) -> tuple[Substitution, ...]:
    """The changed stretches of ``paraphrase`` that bring in a content word no rule wrote
    (``rewrites``: the vetted ones, by default ``vetted_rewrites()``).

    ``restate``'s greeting and thanks are left out (whole sentences, read), and where the
    paraphrase has its opening block last (``restate``'s need first) it is aligned with that
    block put back too, so that the rules' rewrites inside it are found where they were made."""
    plain = without_courtesy(paraphrase)
    found = _unvetted(original, plain, rewrites)
    if not found:
        return found  # most paraphrases: no sentence split needed
    opening_back = _last_block_first(plain)
    if opening_back is not None:
        again = _unvetted(original, opening_back, rewrites)
        if len(again) < len(found):
            return again
    return found


def without_courtesy(text: str) -> str:
    """``text`` without a greeting or call for help before it and thanks after it
    (``perturb.restate``'s sentences, word for word)."""
    stripped = text.strip()
    if not (stripped.startswith(POLITE_SENTENCES) or stripped.endswith(POLITE_SENTENCES)):
        return text  # most paraphrases: no sentence split needed
    sentences = [text[start:end].strip() for start, end in iter_sentence_spans(text)]
    first = 1 if sentences and sentences[0] in POLITE_SENTENCES else 0
    last = (
        len(sentences) - 1 if len(sentences) > first and sentences[-1] in POLITE_SENTENCES else None
    )
    if first == 0 and last is None:
        return text
    return " ".join(sentences[first:last])


def _last_block_first(text: str) -> str | None:
    blocks = [text[start:end] for start, end in sentence_blocks(text)]
    if len(blocks) < 2:
        return None
    return " ".join([blocks[-1], *blocks[:-1]])


def _unvetted(
    original: str, paraphrase: str, rewrites: Rewrites | None
) -> tuple[Substitution, ...]:
    before, after = normalised_words(original), normalised_words(paraphrase)
    alignment = _Alignment(before, after, vetted_rewrites() if rewrites is None else rewrites)
    found = []
    for i1, i2, j1, j2 in _changed_stretches(before, after):
        if not alignment.brings_in(j1, j2):
            continue
        left = min(REACH, i1, j1)
        right = min(REACH, len(before) - i2, len(after) - j2)
        small = max(i2 - i1, j2 - j1) <= LONGEST_STRETCH
        if small and alignment.vetted((i1 - left, j1 - left), (i2 + right, j2 + right)):
            continue
        found.append(Substitution(" ".join(before[i1:i2]), " ".join(after[j1:j2])))
    return tuple(found)
