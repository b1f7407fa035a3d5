"""From a suite to perturbation cases and their variants (the 'datasets -> perturb' step)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

from instructprobe.core.interrupts import checkpoint
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


def default_filter(paraphrases: bool) -> MeaningFilter | None:
    """The default meaning filter (MiniLM), loaded only for a plan with paraphrases."""
    if not paraphrases:
        return None
    from instructprobe.perturb.meaning import MeaningFilter, default_encoder

    return MeaningFilter(default_encoder())


def _meaning_filter(
    choice: MeaningFilter | Literal["default"] | None, variants: tuple[Variant, ...]
) -> MeaningFilter | None:
    if choice != "default":
        return choice
    return default_filter(any(v.family is Family.PARAPHRASE for v in variants))


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
    vetted words; loaded only when there are paraphrases), a ``MeaningFilter`` of your own, or
    None for none.
    ``operators`` names the opt-in operators to add to their families; ``order`` is the order
    of the original requests (None: the suite's).
    """
    perturbers = operators_for(families, operators)
    made = list(generated(suite, perturbers, seed, corpus_stats(suite), order))
    cases = tuple(case for case, _ in made)
    variants = [v for _, own in made for v in own]
    chosen = _meaning_filter(meaning, tuple(variants))
    if chosen is None:
        return Plan(cases, tuple(variants))
    filtered = chosen.apply(tuple(variants), {case.id: case.instruction for case in cases})
    return Plan(cases, filtered.kept, filtered.dropped)
