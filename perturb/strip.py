"""Keyword stripping (expectation: reliance): drop the instruction's words that the relevant
documents share; a reader of the instruction loses little, a keyword matcher collapses."""

from __future__ import annotations

import random
import re

from instructprobe.perturb.base import CorpusStats, Operator
from instructprobe.perturb.model import Case, Edit, Expectation, Family, Request, Variant
from instructprobe.perturb.text import content_words, is_content_word, stem, tokens


class StripOverlap(Operator):
    name = "strip-overlap"
    family = Family.STRIP
    summary = "drop instruction words found in the relevant documents"

    def variants(self, case: Case, rng: random.Random, stats: CorpusStats) -> tuple[Variant, ...]:
        relevant_stems = {stem(w) for doc in case.relevant for w in content_words(doc.text)}
        query_stems = {stem(t.lower) for t in tokens(case.query)}
        removed = [
            t
            for t in tokens(case.instruction)
            if is_content_word(t.lower)
            and stem(t.lower) in relevant_stems
            and stem(t.lower) not in query_stems
        ]
        if not removed:
            return ()
        edits = tuple(Edit(t.start, t.text, "") for t in removed)
        kept = []
        cursor = 0
        for t in removed:
            kept.append(case.instruction[cursor : t.start])
            cursor = t.end
        kept.append(case.instruction[cursor:])
        instruction = re.sub(r"[ \t]{2,}", " ", "".join(kept)).strip()
        total = max(1, len(content_words(case.instruction)))
        return (
            Variant(
                case_id=case.id,
                family=self.family,
                operator=self.name,
                form="overlap",
                request=Request(case.query, instruction, case.request.order),
                expectation=Expectation.reliance(),
                strength=len(removed) / total,
                edits=edits,
                params=(("removed", " ".join(t.lower for t in removed)),),
            ),
        )
