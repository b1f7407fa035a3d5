"""The operator contract: deterministic per seed, never raises on any text, states its promise."""

from __future__ import annotations

import abc
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

from instructprobe.perturb.model import Case, Edit, Family, Request, Variant
from instructprobe.perturb.neighbours import Neighbours


@dataclass(frozen=True)
class CorpusStats:
    """Document frequencies over the suite's corpus, for operators that pick salient terms."""

    n_documents: int = 0
    document_frequency: Mapping[str, int] = field(default_factory=dict)
    neighbours: Neighbours | None = field(default=None, compare=False)
    """The corpus's documents nearest a request, where the plan has the corpus (an exclusion
    clause names distractors from them); None: only the relevant documents are known."""

    def idf(self, term: str) -> float:
        import math

        df = self.document_frequency.get(term, 0)
        return math.log((1 + self.n_documents) / (1 + df)) + 1.0


class Operator(abc.ABC):
    """Edits a case's instruction (or its relation to the query) and holds everything else fixed.

    Subclasses set ``name``, ``family`` and a one-line ``summary`` (and ``opt_in`` for one
    that must be asked for), and implement ``variants``.
    ``rng`` is the only source of randomness an operator may use.
    """

    name: ClassVar[str]
    family: ClassVar[Family]
    summary: ClassVar[str]
    opt_in: ClassVar[bool] = False
    """An opt-in operator runs only where it is named (``--operator``), never by default."""

    @abc.abstractmethod
    def variants(self, case: Case, rng: random.Random, stats: CorpusStats) -> tuple[Variant, ...]:
        """Zero or more variants of ``case``; an operator that does not apply returns ``()``."""


def curated_variants(case: Case, operator: Operator) -> tuple[Variant, ...]:
    """The case's curated changes whose expectation is of the operator's family's kind."""
    return tuple(
        Variant(
            case_id=case.id,
            family=operator.family,
            operator=operator.name,
            form=change.form,
            request=Request(case.query, change.instruction, case.order),
            expectation=change.expectation,
            edits=(Edit(0, case.instruction, change.instruction),),
        )
        for change in case.curated
        if change.expectation.kind is operator.family.expectation_kind
    )
