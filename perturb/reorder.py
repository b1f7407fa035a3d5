"""Reorder operators (expectation: invariant)."""

from __future__ import annotations

import random

from perturb.base import CorpusStats, Operator
from perturb.model import Case, Edit, Expectation, Family, Order, Request, Variant
from perturb.text import iter_sentence_spans


class TemplateSwap(Operator):
    name = "template-swap"
    family = Family.REORDER
    summary = "put the query before the instruction in the retriever's input template"

    def variants(self, case: Case, rng: random.Random, stats: CorpusStats) -> tuple[Variant, ...]:
        request = Request(case.query, case.instruction, Order.QUERY_FIRST)
        return (
            Variant(
                case_id=case.id,
                family=self.family,
                operator=self.name,
                form="query-first",
                request=request,
                expectation=Expectation.invariant(),
                strength=0.0,
            ),
        )


class SentenceShuffle(Operator):
    name = "sentence-shuffle"
    family = Family.REORDER
    summary = "shuffle the instruction's sentences (a permutation other than the original)"

    def variants(self, case: Case, rng: random.Random, stats: CorpusStats) -> tuple[Variant, ...]:
        spans = list(iter_sentence_spans(case.instruction))
        parts = [case.instruction[a:b] for a, b in spans]
        if len(set(parts)) < 2:
            return ()
        order = list(range(len(parts)))
        while order == sorted(order):
            rng.shuffle(order)
        start, end = spans[0][0], spans[-1][1]
        shuffled = " ".join(parts[i] for i in order)
        instruction = case.instruction[:start] + shuffled + case.instruction[end:]
        return (
            Variant(
                case_id=case.id,
                family=self.family,
                operator=self.name,
                form="sentences",
                request=Request(case.query, instruction),
                expectation=Expectation.invariant(),
                strength=sum(i != j for i, j in enumerate(order)) / len(order),
                edits=(Edit(start, case.instruction[start:end], shuffled),),
                params=(("order", ",".join(map(str, order))),),
            ),
        )
