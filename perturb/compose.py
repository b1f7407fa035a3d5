"""Compositions: operators applied in sequence, with the expectation their steps add up to.

``compose(a, b)`` is an operator whose variants are ``b`` applied to the variants of ``a``
(``width`` variants of each step, drawn with the composition's own random stream, carry on to
the next). Expectations combine by kind: any directional step makes the whole directional (its
down and up sets united, a document both down and up counting as down), else any reliance step
makes it reliance, else any sensitive step makes it sensitive, else it is invariant. Reliance
comes before sensitive because once the overlapping keywords are gone, a bag-of-keywords reader
moves too, so "no change" no longer tells the two readings apart. The composition's family is
the one that promises that kind (negation, strip, keywords) or, for an invariant chain, its
first step's family.
"""

from __future__ import annotations

import random

from instructprobe.perturb.base import CorpusStats, Operator
from instructprobe.perturb.model import (
    Case,
    Edit,
    Expectation,
    ExpectationKind,
    Family,
    Request,
    Variant,
)

PRECEDENCE = (ExpectationKind.DIRECTIONAL, ExpectationKind.RELIANCE, ExpectationKind.SENSITIVE)
"""The kinds that outrank invariant in a chain, strongest first."""


def combine(expectations: list[Expectation]) -> Expectation:
    """The expectation of edits applied one after another."""
    kinds = {e.kind for e in expectations}
    if ExpectationKind.DIRECTIONAL in kinds:
        down = frozenset().union(*(e.down for e in expectations))
        up = frozenset().union(*(e.up for e in expectations)) - down
        return Expectation.directional(down, up)
    if ExpectationKind.RELIANCE in kinds:
        return Expectation.reliance()
    if ExpectationKind.SENSITIVE in kinds:
        return Expectation.sensitive()
    return Expectation.invariant()


def _family(operators: tuple[Operator, ...]) -> Family:
    kinds = [op.family.expectation_kind for op in operators]
    for kind in PRECEDENCE:
        if kind in kinds:
            return operators[kinds.index(kind)].family
    return operators[0].family


class _Composed(Operator):
    steps: tuple[Operator, ...]
    width: int

    def variants(self, case: Case, rng: random.Random, stats: CorpusStats) -> tuple[Variant, ...]:
        chains: list[tuple[Case, list[Variant]]] = [(case, [])]
        for step in self.steps:
            following = []
            for current, history in chains:
                made = list(step.variants(current, rng, stats))
                if len(made) > self.width:
                    made = rng.sample(made, self.width)
                for variant in made:
                    relevant = tuple(d for d in current.relevant)
                    next_case = Case(
                        current.id,
                        current.query,
                        variant.request.instruction,
                        relevant,
                        current.curated,
                        current.order,
                    )
                    following.append((next_case, [*history, variant]))
            chains = following
            if not chains:
                return ()
        result = []
        for final, history in chains:
            swapped = any(v.request.order is not case.order for v in history)
            order = case.order.other if swapped else case.order
            result.append(
                Variant(
                    case_id=case.id,
                    family=self.family,
                    operator=self.name,
                    form=">".join(v.form for v in history),
                    request=Request(case.query, final.instruction, order),
                    expectation=combine([v.expectation for v in history]),
                    strength=max(v.strength for v in history),
                    edits=(Edit(0, case.instruction, final.instruction),),
                    params=tuple(
                        (f"{i}.{key}", value)
                        for i, v in enumerate(history)
                        for key, value in (("operator", v.operator), *v.params)
                    ),
                )
            )
        return tuple(result)


def compose(*steps: Operator, width: int = 1) -> Operator:
    """An operator that applies ``steps`` in order (``width`` variants of each step go on)."""
    if not steps:
        raise ValueError("a composition needs at least one operator")
    if width < 1:
        raise ValueError(f"width must be >= 1, got {width}")
    name = "+".join(step.name for step in steps)
    cls = type(
        "Composed",
        (_Composed,),
        {
            "name": name,
            "family": _family(steps),
            "summary": "then ".join(f"{step.name} " for step in steps).strip(),
            "steps": tuple(steps),
            "width": width,
        },
    )
    operator: Operator = cls()
    return operator
