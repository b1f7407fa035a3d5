"""Control operators (expectation: invariant): surface noise that carries no meaning.

Typos, case and punctuation changes tell how much a retriever moves for reasons unrelated to
the instruction's meaning: the yardstick for the paraphrase and reorder families. Negation
words, numbers and the query's words are never touched by a typo, so the noise cannot flip
the instruction's polarity or hide what is asked for.
"""

from __future__ import annotations

import random
import re

from instructprobe.perturb.base import CorpusStats, Operator
from instructprobe.perturb.model import Case, Edit, Expectation, Family, Request, Variant
from instructprobe.perturb.paraphrase import apply_edits, is_protected, protected_stems
from instructprobe.perturb.text import NEGATION_CUES, content_words, tokens

TYPO_SHARES = (0.1, 0.25)
"""Shares of the instruction's eligible words that get one typo."""
_KEYBOARD = {
    c: n
    for row in ("qwertyuiop", "asdfghjkl", "zxcvbnm")
    for i, c in enumerate(row)
    for n in [row[max(0, i - 1) : i] + row[i + 1 : i + 2]]
}
MAX_NOISE_CHARS = 200_000


def typo(word: str, rng: random.Random) -> str:
    """One keyboard-plausible typo: swap two inner letters, drop, double or mistype one."""
    if len(word) < 4:
        return word
    kind = rng.choice(("swap", "drop", "double", "neighbour"))
    i = rng.randrange(1, len(word) - 1)
    if kind == "swap":
        j = min(i, len(word) - 3)
        if word[j] != word[j + 1]:
            return word[:j] + word[j + 1] + word[j] + word[j + 2 :]
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "neighbour" and word[i].lower() in _KEYBOARD:
        options = _KEYBOARD[word[i].lower()]
        replacement = rng.choice(options)
        replacement = replacement.upper() if word[i].isupper() else replacement
        return word[:i] + replacement + word[i + 1 :]
    return word[:i] + word[i] + word[i:]


class Typos(Operator):
    name = "typos"
    family = Family.CONTROL
    summary = "one keyboard typo in 10% / 25% of the words"

    def __init__(self, shares: tuple[float, ...] = TYPO_SHARES) -> None:
        self.shares = shares

    def variants(self, case: Case, rng: random.Random, stats: CorpusStats) -> tuple[Variant, ...]:
        text = case.instruction
        if len(text) > MAX_NOISE_CHARS:
            return ()
        query = protected_stems(case)
        eligible = [
            t
            for t in tokens(text)
            if len(t.text) >= 4 and t.text.isalpha() and not is_protected(text, t, query)
        ]
        if not eligible:
            return ()
        rng.shuffle(eligible)
        edits_all = []
        for token in eligible:
            changed = typo(token.text, rng)
            if changed != token.text and changed.lower() not in NEGATION_CUES:
                edits_all.append(Edit(token.start, token.text, changed))
        total = max(1, len(content_words(text)))
        variants = []
        previous = 0
        for share in self.shares:
            count = max(1, round(share * len(eligible)))
            if count > len(edits_all) or count == previous:
                continue
            previous = count
            edits = tuple(sorted(edits_all[:count], key=lambda e: e.start))
            variants.append(
                Variant(
                    case_id=case.id,
                    family=self.family,
                    operator=self.name,
                    form="typos",
                    request=Request(case.query, apply_edits(text, edits), case.request.order),
                    expectation=Expectation.invariant(),
                    strength=min(1.0, count / total),
                    edits=edits,
                    params=(("share", f"{share:g}"),),
                )
            )
        return tuple(variants)


class CaseNoise(Operator):
    name = "case-noise"
    family = Family.CONTROL
    summary = "lower-case the whole instruction"

    def variants(self, case: Case, rng: random.Random, stats: CorpusStats) -> tuple[Variant, ...]:
        text = case.instruction
        lowered = text.lower()
        if lowered == text or len(lowered) != len(text):
            return ()
        changed = [t for t in tokens(text) if t.text != t.text.lower()]
        return (
            Variant(
                case_id=case.id,
                family=self.family,
                operator=self.name,
                form="lowercase",
                request=Request(case.query, lowered, case.request.order),
                expectation=Expectation.invariant(),
                strength=min(1.0, len(changed) / max(1, len(tokens(text)))),
                edits=tuple(Edit(t.start, t.text, t.text.lower()) for t in changed),
            ),
        )


_PUNCTUATION = re.compile(r"[!\"#$%&()*+,./:;<=>?@\[\\\]^_`{|}~“”‘’—–…]")


class PunctuationNoise(Operator):
    name = "punctuation-noise"
    family = Family.CONTROL
    summary = "drop the punctuation"

    def variants(self, case: Case, rng: random.Random, stats: CorpusStats) -> tuple[Variant, ...]:
        text = case.instruction
        if len(text) > MAX_NOISE_CHARS:
            return ()
        edits = []
        for m in _PUNCTUATION.finditer(text):
            inside_word = (
                m.group() in "'’"
                and 0 < m.start() < len(text) - 1
                and text[m.start() - 1].isalnum()
                and text[m.end()].isalnum()
            )
            if not inside_word:
                edits.append(Edit(m.start(), m.group(), ""))
        if not edits:
            return ()
        stripped = re.sub(r"[ \t]{2,}", " ", apply_edits(text, edits)).strip()
        if not stripped or stripped == text:
            return ()
        return (
            Variant(
                case_id=case.id,
                family=self.family,
                operator=self.name,
                form="no-punctuation",
                request=Request(case.query, stripped, case.request.order),
                expectation=Expectation.invariant(),
                strength=min(1.0, len(edits) / max(1, len(text))),
                edits=tuple(edits),
            ),
        )
