"""Paraphrase operators (expectation: invariant)."""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from perturb.base import CorpusStats, Operator
from perturb.model import Case, Edit, Expectation, Family, Request, Variant
from perturb.phrases import PHRASE_GROUPS
from perturb.text import content_words, words


@dataclass(frozen=True)
class _Site:
    start: int
    before: str
    group: tuple[str, ...]

    @property
    def end(self) -> int:
        return self.start + len(self.before)


@lru_cache(maxsize=1)
def _group_patterns() -> tuple[tuple[re.Pattern[str], tuple[str, ...]], ...]:
    compiled = []
    for group in PHRASE_GROUPS:
        alternatives = "|".join(re.escape(p) for p in sorted(group, key=len, reverse=True))
        compiled.append((re.compile(rf"(?<![\w'-])(?:{alternatives})(?![\w'-])", re.I), group))
    return tuple(compiled)


def _sites(instruction: str, protected: frozenset[str]) -> list[_Site]:
    """Non-overlapping rule matches, longest first, skipping protected words."""
    found = [
        _Site(m.start(), m.group(), group)
        for pattern, group in _group_patterns()
        for m in pattern.finditer(instruction)
        if not protected.intersection(words(m.group()))
    ]
    found.sort(key=lambda s: (s.start, -len(s.before)))
    chosen: list[_Site] = []
    for site in found:
        if not chosen or site.start >= chosen[-1].end:
            chosen.append(site)
    return chosen


def _match_case(template: str, phrase: str) -> str:
    if template[:1].isupper():
        return phrase[:1].upper() + phrase[1:]
    return phrase


def apply_edits(text: str, edits: Sequence[Edit]) -> str:
    """Apply non-overlapping edits (positions refer to the original text)."""
    out, cursor = [], 0
    for edit in sorted(edits, key=lambda e: e.start):
        out.append(text[cursor : edit.start])
        out.append(edit.after)
        cursor = edit.start + len(edit.before)
    out.append(text[cursor:])
    return "".join(out)


class CuratedParaphrase(Operator):
    name = "curated-paraphrase"
    family = Family.PARAPHRASE
    summary = "the suite's own paraphrases of the instruction (e.g. InstructIR's five rewrites)"

    def variants(self, case: Case, rng: random.Random, stats: CorpusStats) -> tuple[Variant, ...]:
        from perturb.negation import curated_variants

        return curated_variants(case, self)


class PhraseParaphrase(Operator):
    name = "phrase-rules"
    family = Family.PARAPHRASE
    summary = "rewrite instruction phrases with interchangeable ones ('I need' -> 'I require')"

    def variants(self, case: Case, rng: random.Random, stats: CorpusStats) -> tuple[Variant, ...]:
        protected = frozenset(words(case.query))
        edits = []
        for site in _sites(case.instruction, protected):
            options = [p for p in site.group if p != site.before.lower()]
            after = _match_case(site.before, rng.choice(options))
            edits.append(Edit(site.start, site.before, after))
        if not edits:
            return ()
        instruction = apply_edits(case.instruction, edits)
        total = max(1, len(content_words(case.instruction)))
        changed = sum(len(content_words(e.before)) or 1 for e in edits)
        return (
            Variant(
                case_id=case.id,
                family=self.family,
                operator=self.name,
                form="phrase",
                request=Request(case.query, instruction, case.request.order),
                expectation=Expectation.invariant(),
                strength=min(1.0, changed / total),
                edits=tuple(edits),
            ),
        )
