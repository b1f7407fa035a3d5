"""From a suite to perturbation cases and their variants (the 'datasets -> perturb' step)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

from instructprobe.core.interrupts import checkpoint
from instructprobe.core.memory import release_freed_memory
from instructprobe.perturb import (
    Case,
    CorpusStats,
    CuratedChange,
    Expectation,
    Family,
    Operator,
    Order,
    RelevantDocument,
    Variant,
    operators_for,
    perturb_case,
)
from instructprobe.perturb.neighbours import Neighbours
from instructprobe.perturb.text import content_words
from instructprobe.suites import InstructionChange, Query, Suite

if TYPE_CHECKING:
    from instructprobe.perturb.meaning import MeaningFilter


def _curated(query: Query, form: str, change: InstructionChange) -> CuratedChange | None:
    """The change as a directional expectation: the documents it moves down are the published
    list where the suite has one (FollowIR's ``qrel_diff``, grade-only changes included, as p-MRR
    scores them), else those that lose relevance; those that gain it move up."""
    was = {doc for doc, grade in query.qrels.items() if grade > 0}
    now = {doc for doc, grade in change.qrels.items() if grade > 0}
    down = set(change.moved) if change.moved is not None else was - now
    if not down and not now - was:
        return None
    return CuratedChange(
        form,
        change.instruction,
        Expectation.directional(frozenset(down), frozenset(now - was)),
    )


def case_for(query: Query, suite: Suite, order: Order | None = None) -> Case:
    """``query`` as the perturbations' input, asked in ``order`` (the suite's by default)."""
    relevant = tuple(
        RelevantDocument(doc, suite.document(doc).text, grade)
        for doc, grade in query.qrels.items()
        if grade > 0
    )
    changes = (_curated(query, form, change) for form, change in query.changes().items())
    paraphrases = (
        CuratedChange("paraphrase", text, Expectation.invariant()) for text in query.paraphrases
    )
    curated = (*(c for c in changes if c), *paraphrases)
    asked = order if order is not None else Order(suite.order)
    return Case(query.id, query.text, query.instruction, relevant, curated, asked)


def corpus_stats(suite: Suite) -> CorpusStats:
    frequency: Counter[str] = Counter()
    for document in suite.documents:
        frequency.update(set(content_words(document.text)))
    return CorpusStats(len(suite.documents), dict(frequency), Neighbours(suite.documents))


@dataclass(frozen=True)
class PlannedCase:
    """One case with its variants, and the paraphrases the meaning filter rejected of it."""

    case: Case
    variants: tuple[Variant, ...]
    dropped: tuple[Variant, ...] = ()


class PlanSource(Protocol):
    """A plan as a run reads it: case by case (a ``Plan`` in memory, or a ``PlanFile``)."""

    @property
    def variant_count(self) -> int: ...

    def each_case(self) -> Iterator[Case]: ...

    def each_planned(self) -> Iterator[PlannedCase]: ...

    def each_variant(self) -> Iterator[Variant]: ...


@dataclass(frozen=True)
class Plan:
    """Everything a retriever will be asked in a run: each case, and each variant of it.

    ``dropped`` holds the paraphrases the meaning filter rejected (with their scores), so a run
    can say how many it made and how many it kept.
    """

    cases: tuple[Case, ...]
    variants: tuple[Variant, ...]
    dropped: tuple[Variant, ...] = ()

    @property
    def variant_count(self) -> int:
        return len(self.variants)

    def each_case(self) -> Iterator[Case]:
        return iter(self.cases)

    def each_planned(self) -> Iterator[PlannedCase]:
        """Each case with its own variants (in the plan's order within each case)."""
        kept, dropped = _by_case(self.variants), _by_case(self.dropped)
        for case in self.cases:
            yield PlannedCase(case, tuple(kept.get(case.id, ())), tuple(dropped.get(case.id, ())))

    def each_variant(self) -> Iterator[Variant]:
        return iter(self.variants)


def _by_case(variants: Iterable[Variant]) -> dict[str, list[Variant]]:
    found: dict[str, list[Variant]] = {}
    for v in variants:
        found.setdefault(v.case_id, []).append(v)
    return found


FILTER_BLOCK = 4096
"""Paraphrases the meaning filter judges at a time: their texts are encoded in one call, so the
memory it takes stays the same whatever the plan's size, and a plan made whole or written a
case at a time gets the same cosines (the blocks are the same)."""


def chosen_filter(
    choice: MeaningFilter | Literal["default"] | None, perturbers: tuple[Operator, ...]
) -> MeaningFilter | None:
    """``choice``; for ``"default"``, MiniLM's filter, loaded only when the operators make
    paraphrases."""
    if choice != "default":
        return choice
    if not any(op.family is Family.PARAPHRASE for op in perturbers):
        return None
    from instructprobe.perturb.meaning import MeaningFilter, default_encoder

    return MeaningFilter(default_encoder())


Judged = tuple[Case, tuple[Variant, ...], tuple[Variant, ...]]
"""A case, its variants kept and those the meaning filter dropped."""


def filtered(
    made: Iterable[tuple[Case, tuple[Variant, ...]]], chosen: MeaningFilter | None
) -> Iterator[Judged]:
    """Each case of ``made`` with its variants through ``chosen``, judged ``FILTER_BLOCK``
    paraphrases at a time (the cases of a block wait for it), in order."""
    if chosen is None:
        yield from ((case, variants, ()) for case, variants in made)
        return
    waiting: list[tuple[Case, tuple[Variant, ...]]] = []
    judged = 0
    for case, variants in made:
        waiting.append((case, variants))
        judged += sum(v.family in chosen.families for v in variants)
        if judged >= FILTER_BLOCK:
            yield from _judged_block(waiting, chosen)
            waiting, judged = [], 0
    yield from _judged_block(waiting, chosen)


def _judged_block(
    block: list[tuple[Case, tuple[Variant, ...]]], chosen: MeaningFilter
) -> Iterator[Judged]:
    originals = {case.id: case.instruction for case, _ in block}
    pairs = [
        (case.instruction, v.request.instruction)
        for case, variants in block
        for v in variants
        if v.family in chosen.families
    ]
    scores = iter(chosen.cosines(pairs))
    release_freed_memory()  # the encode's freed tensors, else kept block after block
    for case, variants in block:
        own = [next(scores) for v in variants if v.family in chosen.families]
        kept = chosen.judge(variants, originals, own)
        yield case, kept.kept, kept.dropped


def generated(
    suite: Suite,
    perturbers: tuple[Operator, ...],
    seed: int,
    stats: CorpusStats,
    order: Order | None,
) -> Iterator[tuple[Case, tuple[Variant, ...]]]:
    """Each query's case and its variants, unfiltered, a case at a time."""
    for query in suite.queries:
        case = case_for(query, suite, order)
        checkpoint("plan")
        yield case, perturb_case(case, perturbers, seed, stats)


def judged_cases(
    suite: Suite,
    families: tuple[Family, ...],
    seed: int,
    meaning: MeaningFilter | Literal["default"] | None,
    operators: tuple[str, ...] = (),
    order: Order | None = None,
) -> Iterator[Judged]:
    """Each case of ``suite`` with its variants kept and dropped by the meaning filter, a block
    of cases at a time (``plan`` and the streamed plan both read them)."""
    perturbers = operators_for(families, operators)
    made = generated(suite, perturbers, seed, corpus_stats(suite), order)
    return filtered(made, chosen_filter(meaning, perturbers))


def plan(
    suite: Suite,
    families: tuple[Family, ...],
    seed: int,
    meaning: MeaningFilter | Literal["default"] | None = "default",
    operators: tuple[str, ...] = (),
    order: Order | None = None,
) -> Plan:
    """Cases and variants of ``suite``; paraphrases go through the meaning filter.

    ``meaning`` is the filter: ``"default"`` (all-MiniLM-L6-v2, cosine >= 0.85, same polarity,
    vetted words, no grammar fault; loaded only when the operators make paraphrases), a
    ``MeaningFilter`` of your own, or None for none.
    ``operators`` names the opt-in operators to add to their families; ``order`` is the order
    of the original requests (None: the suite's).
    """
    judged = list(judged_cases(suite, families, seed, meaning, operators, order))
    cases = tuple(case for case, _, _ in judged)
    kept = tuple(v for _, own, _ in judged for v in own)
    dropped = tuple(v for _, _, own in judged for v in own)
    return Plan(cases, kept, dropped)
