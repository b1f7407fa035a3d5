"""Paraphrase operators (expectation: invariant).

Each generated paraphrase is checked afterwards by the meaning filter (``perturb.meaning``):
embedding cosine to the original at least a threshold, and the same negation polarity.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import ClassVar

from instructprobe.perturb.base import CorpusStats, Operator, curated_variants
from instructprobe.perturb.model import Case, Edit, Expectation, Family, Request, Variant
from instructprobe.perturb.phrases import PHRASE_RULES, PhraseRule
from instructprobe.perturb.text import (
    NEGATION_CUES,
    Token,
    content_words,
    is_content_word,
    stem,
    tokens,
)

STRENGTHS = (0.1, 0.25, 0.5)
"""Shares of the instruction's content words that the synonym paraphraser changes."""


@dataclass(frozen=True)
class PhraseSite:
    start: int
    before: str
    rule: PhraseRule
    options: tuple[str, ...]
    """What ``before`` may become here: the rule's replacements that the instruction does not
    already say, nor bring in a word that stands next to them ("research articles and verified
    research articles", "my search ought to search for", "to locate the location" read as
    slips; restate-held-out-13 and -17)."""

    @property
    def end(self) -> int:
        return self.start + len(self.before)


def _whole_phrases(phrases: list[str]) -> re.Pattern[str]:
    """Any of ``phrases`` as whole words, any case, either apostrophe."""
    alternatives = "|".join(re.escape(p).replace("'", "['’]") for p in phrases)
    return re.compile(rf"(?<![\w'’-])(?:{alternatives})(?![\w'’-])", re.I)


@lru_cache(maxsize=4)
def _rule_patterns(
    rules: tuple[PhraseRule, ...] = PHRASE_RULES,
) -> tuple[tuple[re.Pattern[str], PhraseRule], ...]:
    return tuple(
        (_whole_phrases(sorted(rule.phrases, key=len, reverse=True)), rule) for rule in rules
    )


@lru_cache(maxsize=256)
def _guard(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.I)


def sentence_initial(text: str, start: int) -> bool:
    """Whether position ``start`` begins a sentence (first word, or after . ! ? : or a newline)."""
    before = text[max(0, start - 64) : start].rstrip(" \t\"'“‘(")
    return not before or before[-1] in ".!?:\n"


def protected_stems(case: Case) -> frozenset[str]:
    """Stems of the query's words: a paraphrase never replaces them."""
    return frozenset(stem(t.lower) for t in tokens(case.query))


def is_protected(text: str, token: Token, query_stems: frozenset[str]) -> bool:
    """Query words, named entities (capitalised inside a sentence), numbers, negation words,
    and parts of hyphenated or slashed compounds are never replaced."""
    word = token.lower
    if word in NEGATION_CUES or word.endswith("n't") or any(ch.isdigit() for ch in word):
        return True
    if stem(word) in query_stems:
        return True
    if token.text[:1].isupper() and not sentence_initial(text, token.start):
        return True
    if token.text.isupper() and len(token.text) > 1:
        return True
    neighbours = text[max(0, token.start - 1) : token.start] + text[token.end : token.end + 1]
    return any(ch in "-/_@#&+" for ch in neighbours)


def phrase_sites(
    instruction: str,
    query_stems: frozenset[str],
    rules: tuple[PhraseRule, ...] = PHRASE_RULES,
) -> list[PhraseSite]:
    """Non-overlapping rule matches, longest first, outside guards and protected words."""
    found = []
    for pattern, rule in _rule_patterns(rules):
        for m in pattern.finditer(instruction):
            before = instruction[max(0, m.start() - 80) : m.start()]
            after = instruction[m.end() : m.end() + 80]
            if rule.not_after and _guard(rule.not_after).search(before):
                continue
            if rule.only_after and not _guard(rule.only_after).search(before):
                continue
            if rule.not_before and _guard(rule.not_before).match(after):
                continue
            inner = tokens(m.group())
            shifted = [Token(t.text, t.start + m.start()) for t in inner]
            if any(is_protected(instruction, t, query_stems) for t in shifted):
                continue
            options = tuple(
                r
                for r in rule.replacements(m.group())
                if not _already_said(instruction, r) and not _echoes(instruction, m, r)
            )
            if options:
                found.append(PhraseSite(m.start(), m.group(), rule, options))
    found.sort(key=lambda s: (s.start, -len(s.before)))
    chosen: list[PhraseSite] = []
    for site in found:
        if not chosen or site.start >= chosen[-1].end:
            chosen.append(site)
    return chosen


_NEARBY = 40
"""Characters on each side of a rewrite within which a word it brings in must not stand yet."""


def _echoes(instruction: str, match: re.Match[str], phrase: str) -> bool:
    """Whether ``phrase``, written for ``match``, brings in a word whose stem stands just
    before or after it: "to locate the location", "research articles or articles", "the
    search engine to search for" read as slips (restate-held-out-17, paraphrase-held-out-24)."""
    brought = {stem(w) for w in content_words(phrase)} - {
        stem(w) for w in content_words(match.group())
    }
    if not brought:
        return False
    around = (
        instruction[max(0, match.start() - _NEARBY) : match.start()]
        + " "
        + instruction[match.end() : match.end() + _NEARBY]
    )
    return any(stem(w) in brought for w in content_words(around))


def _already_said(instruction: str, phrase: str) -> bool:
    return _said(phrase).search(instruction) is not None


@lru_cache(maxsize=1024)
def _said(phrase: str) -> re.Pattern[str]:
    return _whole_phrases([phrase])


def match_case(template: str, phrase: str) -> str:
    if len(template) > 1 and template.isupper():
        return phrase.upper()
    if template[:1].isupper():
        return phrase[:1].upper() + phrase[1:]
    return phrase


def chosen_edits(sites: Sequence[PhraseSite], rng: random.Random) -> list[Edit]:
    """One edit per site, its replacement drawn from the site's options less those another site
    already wrote in place of other wording: "looking for" and "searching for" both made
    "hunting for" read as a slip ("As a parent hunting for a gift, I'm hunting for its release
    date"). A site with no option left is not rewritten; the same wording rewritten the same
    way twice is kept."""
    wrote: dict[str, str] = {}
    edits = []
    for site in sites:
        before = site.before.lower()
        options = [o for o in site.options if wrote.get(o.lower(), before) == before]
        if not options:
            continue
        after = rng.choice(options)
        wrote.setdefault(after.lower(), before)
        edits.append(Edit(site.start, site.before, match_case(site.before, after)))
    return edits


def apply_edits(text: str, edits: Sequence[Edit]) -> str:
    """Apply non-overlapping edits (positions refer to the original text)."""
    out, cursor = [], 0
    for edit in sorted(edits, key=lambda e: e.start):
        out.append(text[cursor : edit.start])
        out.append(edit.after)
        cursor = edit.start + len(edit.before)
    out.append(text[cursor:])
    return "".join(out)


def _is_a_letter(article: str, before: str) -> bool:
    """Whether a capital "A" is a letter or a name's ("vitamin A", "Plan A"), not an article:
    it stands inside a sentence."""
    return article == "A" and not re.search(r"(?:^|[.!?:;\"“(]\s*)$", before)


def a_or_an(edits: list[Edit], text: str) -> list[Edit]:
    """Fix the article before a replaced word ("a detailed" -> "an in-depth" is in the rules;
    "a passage" -> "an article" is not)."""
    fixed = []
    for edit in edits:
        offset = max(0, edit.start - 16)
        prefix = text[offset : edit.start]
        article = re.search(r"(?<![\w'-])(an?)\s+$", prefix, re.I)
        if article and _is_a_letter(article.group(1), text[: offset + article.start(1)]):
            # "vitamin A suitable" -> "vitamin An appropriate" (paraphrase-held-out-31)
            article = None
        if article and edit.after and (article.start(1) > 0 or offset == 0):
            wants = "an" if edit.after[0].lower() in "aeiou" else "a"
            has = article.group(1)
            if has.lower() != wants:
                start = offset + article.start(1)
                between = prefix[article.end(1) :]
                new = match_case(has, wants)
                fixed.append(Edit(start, has + between + edit.before, new + between + edit.after))
                continue
        fixed.append(edit)
    return fixed


class CuratedParaphrase(Operator):
    name = "curated-paraphrase"
    family = Family.CURATED_PARAPHRASE
    summary = "the suite's own paraphrases of the instruction"

    def variants(self, case: Case, rng: random.Random, stats: CorpusStats) -> tuple[Variant, ...]:
        return curated_variants(case, self)


class PhraseParaphrase(Operator):
    name = "phrase-rules"
    family = Family.PARAPHRASE
    summary = "rewrite phrases: 'I need' -> 'I require'"

    def variants(self, case: Case, rng: random.Random, stats: CorpusStats) -> tuple[Variant, ...]:
        edits = chosen_edits(phrase_sites(case.instruction, protected_stems(case)), rng)
        if not edits:
            return ()
        edits = a_or_an(edits, case.instruction)
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
                params=(("rules", str(len(edits))),),
            ),
        )


MAX_SYNONYM_CHARS = 20_000
"""Longer instructions are not synonym-paraphrased (the tagger is per word; this bounds time)."""


class GradedParaphrase(Operator):
    """Phrase rules (and, with ``synonyms``, WordNet synonyms) for a share of the instruction's
    content words.

    Each strength level (10/25/50% of the content words by default) is a separate variant; the
    edits of a lower level are a subset of those of a higher one (one shuffled order of candidate
    edits, cut at each level). A level the edits cannot reach is not made.
    """

    name = "graded-paraphrase"
    family = Family.PARAPHRASE
    summary = "phrase rules on 10/25/50% of words"
    synonyms: ClassVar[bool] = False

    def __init__(self, strengths: tuple[float, ...] = STRENGTHS) -> None:
        self.strengths = strengths

    def synonym_sites(self, case: Case) -> list[tuple[Token, tuple[str, ...]]]:
        """Each replaceable word of the instruction with its inflected synonyms."""
        from instructprobe.perturb.lexicon import wordnet_lexicon

        text = case.instruction
        if not self.synonyms or len(text) > MAX_SYNONYM_CHARS:
            return []
        lexicon = wordnet_lexicon()
        if lexicon is None:
            return []
        found = []
        query_stems = protected_stems(case)
        all_tokens = tokens(text)
        lowered = [t.lower for t in all_tokens]
        for i, token in enumerate(all_tokens):
            word = lowered[i]
            if not is_content_word(word) or not word.isascii() or not word.isalpha():
                continue
            if is_protected(text, token, query_stems):
                continue
            if (i > 0 and lexicon.is_collocation(lowered[i - 1], word)) or (
                i + 1 < len(lowered) and lexicon.is_collocation(word, lowered[i + 1])
            ):
                continue
            analysed = lexicon.substitutable(lowered, i)
            if analysed is None:
                continue
            lemma, inflection = analysed
            options = []
            for synonym in lexicon.synonyms(lemma, inflection.pos):
                form = lexicon.inflect(synonym, inflection)
                if form is None or form == word or stem(form) in query_stems:
                    continue
                options.append(match_case(token.text, form))
            if options:
                found.append((token, tuple(options)))
        return found

    def candidates(self, case: Case, rng: random.Random) -> list[tuple[Edit, int]]:
        """Candidate edits in a random order, each with the number of content words it changes."""
        phrases = (
            phrase_sites(case.instruction, protected_stems(case))
            if len(case.instruction) <= MAX_SYNONYM_CHARS
            else []
        )
        edits = [
            (edit, max(1, len(content_words(edit.before)))) for edit in chosen_edits(phrases, rng)
        ]
        taken = [(site.start, site.end) for site in phrases]
        for token, options in self.synonym_sites(case):
            if any(a < token.end and token.start < b for a, b in taken):
                continue
            edits.append((Edit(token.start, token.text, rng.choice(options)), 1))
        rng.shuffle(edits)
        return edits

    def variants(self, case: Case, rng: random.Random, stats: CorpusStats) -> tuple[Variant, ...]:
        pool = self.candidates(case, rng)
        if not pool:
            return ()
        total = max(1, len(content_words(case.instruction)))
        variants = []
        previous = 0
        for level in self.strengths:
            wanted = max(1, round(level * total))
            picked, changed = [], 0
            for edit, weight in pool:
                if changed >= wanted:
                    break
                picked.append(edit)
                changed += weight
            if changed < wanted or len(picked) == previous:
                continue
            previous = len(picked)
            edits = a_or_an(sorted(picked, key=lambda e: e.start), case.instruction)
            variants.append(
                Variant(
                    case_id=case.id,
                    family=self.family,
                    operator=self.name,
                    form="graded",
                    request=Request(
                        case.query, apply_edits(case.instruction, edits), case.request.order
                    ),
                    expectation=Expectation.invariant(),
                    strength=min(1.0, changed / total),
                    edits=tuple(edits),
                    params=(("level", f"{level:g}"),),
                )
            )
        return tuple(variants)


class WordNetParaphrase(GradedParaphrase):
    """``graded-paraphrase`` with WordNet synonyms, for users who accept its errors.

    Opt-in: out of context a synonym is often another sense ("social media" -> "societal
    media", "boss" -> "foreman"); the audit in docs/audits.md measures how often.
    """

    name = "wordnet-paraphrase"
    summary = "opt-in: graded + WordNet synonyms (often a wrong sense)"
    synonyms = True
    opt_in = True
