"""Adversarial search: find meaning-preserving instruction edits that move a ranking anyway.

For one query, hypothesis draws chains of invariant operators (paraphrase, reorder, control
noise) with seeds, steers toward edits that push the query's best relevant document down
(``target``), and shrinks a failure to the shortest chain that still breaks. A break is an
edit that changes the top result, or pushes a relevant document out of the top k. Failures are
kept in hypothesis's example database, keyed by retriever, suite and query, and re-checked first
on the next search.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from instructprobe.core.interrupts import checkpoint
from instructprobe.perturb import (
    Case,
    CorpusStats,
    ExpectationKind,
    Operator,
    Order,
    Request,
    Variant,
    rng_for,
)
from instructprobe.perturb.registry import get_operator, operator_names
from instructprobe.perturb.seeding import derive_seed
from instructprobe.retrievers.base import Ranking, Retriever, SearchIndex

if TYPE_CHECKING:
    from hypothesis import settings as Settings
    from hypothesis.strategies import SearchStrategy

SEARCHABLE_KINDS = (ExpectationKind.INVARIANT,)
EXCLUDED_OPERATORS = ("curated-paraphrase", "model-paraphrase")
"""Curated rewrites are fixed, not searchable; the model paraphraser is opt-in and slow."""


@dataclass(frozen=True)
class Finding:
    """A minimal edit that should not have moved the ranking, and how it moved."""

    query_id: str
    operators: tuple[str, ...]
    instruction_before: str
    instruction_after: str
    order_before: Order
    request_after: Request
    document: str
    rank_before: int
    rank_after: int
    top_before: str
    top_after: str
    examples: int


def searchable_operators() -> tuple[str, ...]:
    names = []
    for name in operator_names():
        operator = get_operator(name)
        # an opt-in operator's edits too often change the meaning (docs/perturbations.md)
        if name in EXCLUDED_OPERATORS or operator.opt_in:
            continue
        if operator.family.expectation_kind in SEARCHABLE_KINDS:
            names.append(name)
    return tuple(names)


class RankingCache:
    """Each distinct rendered text is ranked once, however often hypothesis revisits it."""

    def __init__(
        self, retriever: Retriever, index: SearchIndex, depth: int, pool: Sequence[str] | None
    ) -> None:
        self._retriever, self._index, self._depth, self._pool = retriever, index, depth, pool
        self._rankings: dict[str, Ranking] = {}

    def rank(self, request: Request) -> Ranking:
        text = self._retriever.template.render(request)
        if text not in self._rankings:
            if self._pool is None:
                (ranking,) = self._index.search([text], self._depth)
            else:
                (ranking,) = self._index.rerank([text], [self._pool])
            self._rankings[text] = ranking
        return self._rankings[text]


def _apply(
    chain: Sequence[Operator], seeds: Sequence[int], case: Case, stats: CorpusStats
) -> Variant | None:
    """The chain's edit of ``case``: each step edits the previous step's instruction."""
    current, last = case, None
    made_so_far: list[Variant] = []
    for operator, seed in zip(chain, seeds, strict=True):
        made = operator.variants(current, rng_for(seed, operator.name, case.id), stats)
        if not made:
            return None
        last = made[seed % len(made)]
        made_so_far.append(last)
        current = Case(
            case.id, case.query, last.request.instruction, case.relevant, case.curated, case.order
        )
    if last is None:
        return None
    swapped = any(v.request.order is not case.order for v in made_so_far)
    order = case.order.other if swapped else case.order
    return Variant(
        case.id,
        last.family,
        "+".join(op.name for op in chain),
        last.form,
        Request(case.query, current.instruction, order),
        last.expectation,
    )


@dataclass(frozen=True)
class Judgement:
    broken: bool
    document: str
    rank_before: int
    rank_after: int
    displacement: float


def judge(before: Ranking, after: Ranking, relevant: Sequence[str], cutoff: int) -> Judgement:
    """Broken when the top result changes or a relevant document leaves the top ``cutoff``."""
    rank_before, rank_after = before.rank_of(), after.rank_of()
    missing = len(after.doc_ids) + 1
    tracked = sorted(relevant, key=lambda d: rank_before.get(d, missing))
    worst, worst_move = (tracked[0] if tracked else before.doc_ids[0]), 0.0
    for doc in tracked:
        move = rank_after.get(doc, missing) - rank_before.get(doc, missing)
        if move > worst_move:
            worst, worst_move = doc, float(move)
    left_top = any(
        rank_before.get(d, missing) <= cutoff < rank_after.get(d, missing) for d in tracked
    )
    top_changed = bool(before.doc_ids and after.doc_ids and before.doc_ids[0] != after.doc_ids[0])
    return Judgement(
        top_changed or left_top,
        worst,
        rank_before.get(worst, missing),
        rank_after.get(worst, missing),
        worst_move,
    )


@dataclass(frozen=True)
class SearchSettings:
    max_examples: int = 200
    timeout_s: float = 60.0
    max_chain: int = 3
    cutoff: int = 10
    seed: int = 0
    database: Path | None = None

    def __post_init__(self) -> None:
        if self.max_examples < 1:
            raise ValueError(f"max examples must be >= 1, got {self.max_examples}")
        if self.timeout_s <= 0:
            raise ValueError(f"timeout must be > 0 s, got {self.timeout_s}")
        if self.max_chain < 1:
            raise ValueError(f"max chain must be >= 1, got {self.max_chain}")


class _Broken(Exception):
    """Raised at an edit that breaks the ranking, so that hypothesis shrinks it."""


class _OutOfTime(BaseException):
    """Ends a search that found nothing by its timeout.

    Otherwise hypothesis goes on drawing edits, unranked, up to ``max_examples``. Hypothesis
    shrinks an ``Exception`` as a failure but lets a ``BaseException`` through at once.
    """


def _find(
    chains: SearchStrategy[list[tuple[str, int]]],
    breaks: Callable[[list[tuple[str, int]]], bool],
    options: Settings,
    key: str,
    seed: int,
) -> list[tuple[str, int]] | None:
    """The shrunk breaking chain, or ``None``: hypothesis's ``find``, seeded and replayed.

    ``find(random=...)`` would run without the database, and without a seed a search with a
    database draws its edits from fresh randomness, so the same seed would not give the same
    findings.
    """
    from hypothesis import given
    from hypothesis import seed as hypothesis_seed

    last: list[list[tuple[str, int]]] = []

    @given(chains)
    def test(chain: list[tuple[str, int]]) -> None:
        if breaks(chain):
            last[:] = [chain]
            raise _Broken

    # seed() drops the database of settings applied before it, so the settings go on after
    seeded = options(hypothesis_seed(seed)(test))
    # one database entry per (retriever, suite, query), so replays re-check the right failures
    seeded._hypothesis_internal_database_key = key.encode()  # type: ignore[attr-defined]
    try:
        seeded()
    except _Broken:
        return last[0]
    except _OutOfTime:
        return None
    return None


def search_case(
    case: Case,
    cache: RankingCache,
    stats: CorpusStats,
    settings: SearchSettings,
    key: str,
    on_example: Callable[[], None] | None = None,
) -> Finding | None:
    """Search one case; the shrunk failure, or ``None`` if none was found within the bounds."""
    from hypothesis import HealthCheck, Verbosity, target
    from hypothesis import settings as hypothesis_settings
    from hypothesis import strategies as st
    from hypothesis.database import DirectoryBasedExampleDatabase

    names = searchable_operators()
    before = cache.rank(case.request)
    relevant = [d.id for d in case.relevant]
    deadline = time.monotonic() + settings.timeout_s
    examples, broken_once = 0, False
    chains = st.lists(
        st.tuples(st.sampled_from(names), st.integers(0, 2**16)),
        min_size=1,
        max_size=settings.max_chain,
    )

    def edit(chain: list[tuple[str, int]]) -> Variant | None:
        return _apply([get_operator(n) for n, _ in chain], [s for _, s in chain], case, stats)

    def breaks(chain: list[tuple[str, int]]) -> bool:
        nonlocal examples, broken_once
        checkpoint("rank")  # a Ctrl-C lost in one of hypothesis's callbacks stops the search here
        examples += 1
        if on_example:
            on_example()
        if time.monotonic() > deadline:
            if not broken_once:
                raise _OutOfTime
            return False  # shrinking: the break found in time stays the finding
        variant = edit(chain)
        if variant is None:
            return False
        verdict = judge(before, cache.rank(variant.request), relevant, settings.cutoff)
        target(verdict.displacement, label="rank drop of a relevant document")
        broken_once = broken_once or verdict.broken
        return verdict.broken

    options = hypothesis_settings(
        max_examples=settings.max_examples,
        deadline=None,
        database=(
            DirectoryBasedExampleDatabase(str(settings.database)) if settings.database else None
        ),
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
        verbosity=Verbosity.quiet,
    )
    chain = _find(chains, breaks, options, key, derive_seed(settings.seed, "search", key))
    if chain is None:
        return None
    variant = edit(chain)
    if variant is None:  # the search's time ran out while it shrank
        return None
    after = cache.rank(variant.request)
    verdict = judge(before, after, relevant, settings.cutoff)
    return Finding(
        case.id,
        tuple(n for n, _ in chain),
        case.instruction,
        variant.request.instruction,
        case.order,
        variant.request,
        verdict.document,
        verdict.rank_before,
        verdict.rank_after,
        before.doc_ids[0],
        after.doc_ids[0],
        examples,
    )
