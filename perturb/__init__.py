"""Perturbation generators: edit an instruction, hold everything else fixed, say what should happen.

Importing this package is cheap; operators load their heavy helpers (nltk, stemmers) on first use.
"""

from instructprobe.perturb.base import CorpusStats, Operator
from instructprobe.perturb.model import (
    Case,
    CuratedChange,
    Edit,
    Expectation,
    ExpectationKind,
    Family,
    Order,
    RelevantDocument,
    Request,
    Variant,
)
from instructprobe.perturb.registry import get_operator, operator_names, operators_for
from instructprobe.perturb.seeding import derive_seed, rng_for

__all__ = [
    "Case",
    "CorpusStats",
    "CuratedChange",
    "Edit",
    "Expectation",
    "ExpectationKind",
    "Family",
    "Operator",
    "Order",
    "RelevantDocument",
    "Request",
    "Variant",
    "derive_seed",
    "get_operator",
    "operator_names",
    "operators_for",
    "perturb_case",
    "rng_for",
]


def perturb_case(
    case: Case, operators: tuple[Operator, ...], seed: int, stats: CorpusStats | None = None
) -> tuple[Variant, ...]:
    """All variants of one case; each operator draws from its own (seed, operator, case) stream."""
    corpus = stats or CorpusStats()
    return tuple(
        variant
        for op in operators
        for variant in op.variants(case, rng_for(seed, op.name, case.id), corpus)
    )
