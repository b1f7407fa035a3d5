"""Reorder operators (expectation: invariant)."""

from __future__ import annotations

import random
import re

from instructprobe.perturb.base import CorpusStats, Operator
from instructprobe.perturb.model import Case, Edit, Expectation, Family, Request, Variant
from instructprobe.perturb.text import iter_sentence_spans

DEPENDENT_OPENERS = re.compile(
    r"^[\s\"'“‘(]*(?:it|its|this|that|these|those|they|them|their|he|she|his|her|such|there|"
    r"then|however|also|additionally|moreover|furthermore|further|therefore|thus|hence|so|but|"
    r"and|or|yet|still|instead|otherwise|nevertheless|nonetheless|consequently|accordingly|"
    r"meanwhile|similarly|likewise|finally|lastly|afterwards|later|next|second|secondly|third|"
    r"thirdly|besides|plus|both|either|neither|another|other|others|same|here|"
    r"in addition|as a result|for example|for instance|in particular|in contrast|"
    r"on the other hand|in that case|in this case|to do so|to that end|after that|"
    r"because of this|because of that|with this|with that|for this|for that|as well)\b",
    re.I,
)
"""A sentence that opens with a pronoun or a connective leans on the one before it."""


def sentence_blocks(text: str) -> list[tuple[int, int]]:
    """Spans of independent units: a sentence plus the dependent sentences that follow it."""
    blocks: list[tuple[int, int]] = []
    for start, end in iter_sentence_spans(text):
        if blocks and DEPENDENT_OPENERS.match(text[start:end]):
            blocks[-1] = (blocks[-1][0], end)
        else:
            blocks.append((start, end))
    return blocks


class TemplateSwap(Operator):
    name = "template-swap"
    family = Family.REORDER
    summary = "ask the query and the instruction in the other order"

    def variants(self, case: Case, rng: random.Random, stats: CorpusStats) -> tuple[Variant, ...]:
        request = Request(case.query, case.instruction, case.order.other)
        return (
            Variant(
                case_id=case.id,
                family=self.family,
                operator=self.name,
                form=request.order.value.replace("_", "-"),
                request=request,
                expectation=Expectation.invariant(),
                strength=0.0,
            ),
        )


class SentenceShuffle(Operator):
    name = "sentence-shuffle"
    family = Family.REORDER
    summary = "reorder independent sentences ('It...' stays attached)"

    def variants(self, case: Case, rng: random.Random, stats: CorpusStats) -> tuple[Variant, ...]:
        spans = sentence_blocks(case.instruction)
        parts = [case.instruction[a:b] for a, b in spans]
        if len(set(parts)) < 2:
            return ()
        order = list(range(len(parts)))
        shuffled_parts = parts
        while shuffled_parts == parts:
            rng.shuffle(order)
            shuffled_parts = [parts[i] for i in order]
        start, end = spans[0][0], spans[-1][1]
        shuffled = " ".join(shuffled_parts)
        instruction = case.instruction[:start] + shuffled + case.instruction[end:]
        return (
            Variant(
                case_id=case.id,
                family=self.family,
                operator=self.name,
                form="sentences",
                request=Request(case.query, instruction, case.request.order),
                expectation=Expectation.invariant(),
                strength=sum(i != j for i, j in enumerate(order)) / len(order),
                edits=(Edit(start, case.instruction[start:end], shuffled),),
                params=(("order", ",".join(map(str, order))), ("blocks", str(len(parts)))),
            ),
        )
