"""FollowIR's keyword variant (expectation: sensitive): the instruction reduced to its content
words. A reader of the whole instruction should do worse, because its conditions and relations
are gone; a retriever that reads the instruction as a bag of keywords barely moves."""

from __future__ import annotations

import random

from instructprobe.perturb.base import CorpusStats, Operator
from instructprobe.perturb.model import Case, Edit, Expectation, Family, Request, Variant
from instructprobe.perturb.text import is_content_word, tokens


class KeywordsOnly(Operator):
    """The instruction's content words, in order (negation words are kept)."""

    name = "keywords-only"
    family = Family.KEYWORDS
    summary = "keep only the content words (FollowIR keyword variant)"

    def variants(self, case: Case, rng: random.Random, stats: CorpusStats) -> tuple[Variant, ...]:
        kept = [t for t in tokens(case.instruction) if is_content_word(t.lower)]
        instruction = " ".join(t.text for t in kept)
        if not kept or instruction == case.instruction:
            return ()
        total = max(1, len(tokens(case.instruction)))
        return (
            Variant(
                case_id=case.id,
                family=self.family,
                operator=self.name,
                form="keywords-only",
                request=Request(case.query, instruction, case.request.order),
                expectation=Expectation.sensitive(),
                strength=1 - len(kept) / total,
                edits=(Edit(0, case.instruction, instruction),),
                params=(("kept", str(len(kept))),),
            ),
        )
