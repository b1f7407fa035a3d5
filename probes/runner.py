"""A probe run: plan the variants, rank them with each retriever, measure, test, decide."""

from __future__ import annotations

import platform
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version

import numpy as np

from perturb import ExpectationKind, Family, Request, Variant, derive_seed
from probes.measures import NDCG, PMRR, Measure, PairedMeasure, RankingMeasure, RankShift
from probes.plan import Plan, plan
from probes.results import Cell, QueryValue, RunResult, Settings, VariantRecord
from probes.stats import summarize
from probes.suites import Suite
from probes.verdicts import Thresholds, rules
from retrievers.base import Ranking, Retriever
from retrievers.progress import Advance, Progress

VERSIONED_PACKAGES = (
    "instructprobe",
    "numpy",
    "scipy",
    "torch",
    "transformers",
    "sentence-transformers",
    "bm25s",
    "PyStemmer",
    "nltk",
)


@dataclass(frozen=True)
class RunConfig:
    retrievers: tuple[str, ...]
    families: tuple[Family, ...] = tuple(Family)
    seed: int = 0
    limit: int | None = None
    depth: int = 1000
    cutoff: int = 10
    resamples: int = 9999
    thresholds: Thresholds = field(default_factory=Thresholds)

    def __post_init__(self) -> None:
        if not self.retrievers:
            raise ValueError("at least one retriever is needed")
        if not self.families:
            raise ValueError("at least one perturbation family is needed")
        if self.seed < 0:
            raise ValueError(f"seed must be >= 0, got {self.seed}")
        if self.limit is not None and self.limit < 1:
            raise ValueError(f"limit must be >= 1, got {self.limit}")
        if self.cutoff < 1 or self.depth < self.cutoff:
            raise ValueError(
                f"need 1 <= cutoff <= depth, got cutoff {self.cutoff}, depth {self.depth}"
            )
        if self.resamples < 100:
            raise ValueError(f"resamples must be >= 100, got {self.resamples}")

    def measures(self, kind: ExpectationKind) -> tuple[Measure, ...]:
        """The measures of a family's cells; the first one decides its verdict."""
        ndcg, shift = NDCG(self.cutoff), RankShift(self.cutoff)
        if kind is ExpectationKind.DIRECTIONAL:
            return (PMRR(), ndcg, shift)
        return (ndcg, shift)


@dataclass(frozen=True)
class Observation:
    """One measure on one variant: the value before and after the edit, and what counts."""

    variant: Variant
    measure: Measure
    original: float | None
    perturbed: float | None
    value: float | None


Asked = tuple[str, Request]
"""A request as asked for one case (the case fixes the candidate pool in reranking mode)."""


def rank_requests(
    retriever: Retriever,
    suite: Suite,
    asked: Iterable[Asked],
    depth: int,
    progress: Progress | None = None,
) -> dict[Asked, Ranking]:
    """Index the corpus once, then rank each distinct (input text, candidate pool) once."""
    index = retriever.index(
        [d.id for d in suite.documents], [d.text for d in suite.documents], progress
    )
    pools = {q.id: q.candidates for q in suite.queries}
    rendered = {
        (case, request): (retriever.template.render(request), pools.get(case))
        for case, request in dict.fromkeys(asked)
    }
    unique = list(dict.fromkeys(rendered.values()))
    full = [text for text, pool in unique if pool is None]
    pooled = [(text, pool) for text, pool in unique if pool is not None]
    rankings: dict[tuple[str, tuple[str, ...] | None], Ranking] = dict(
        zip(((t, None) for t in full), index.search(full, depth, progress), strict=True)
    )
    if pooled:
        reranked = index.rerank([t for t, _ in pooled], [p for _, p in pooled], progress)
        rankings.update(zip(pooled, reranked, strict=True))
    return {key: rankings[value] for key, value in rendered.items()}


def observe(
    variant: Variant,
    measure: Measure,
    before: Ranking,
    after: Ranking,
    qrels: Mapping[str, int],
) -> Observation:
    expected = variant.expectation
    judged_after = expected.judge(qrels) if expected.kind is ExpectationKind.DIRECTIONAL else qrels
    if isinstance(measure, PairedMeasure):
        value = measure.score_pair(before.doc_ids, after.doc_ids, qrels, judged_after)
        return Observation(variant, measure, None, None, value)
    assert isinstance(measure, RankingMeasure)
    # A directional edit is judged by the edited qrels before and after: following it scores higher.
    original = measure.score(before.doc_ids, judged_after)
    perturbed = measure.score(after.doc_ids, judged_after)
    value = None if original is None or perturbed is None else perturbed - original
    return Observation(variant, measure, original, perturbed, value)


def _mean(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return float(np.mean(present)) if present else None


def per_query(observations: Sequence[Observation]) -> tuple[QueryValue, ...]:
    """Average each query's variants, so the unit of the statistics is the query."""
    grouped: dict[str, list[Observation]] = defaultdict(list)
    for o in observations:
        if o.value is not None:
            grouped[o.variant.case_id].append(o)
    return tuple(
        QueryValue(
            query_id=query,
            original=_mean([o.original for o in group]),
            perturbed=_mean([o.perturbed for o in group]),
            delta=float(np.mean([o.value for o in group])),
            variants=len(group),
        )
        for query, group in grouped.items()
    )


class Runner:
    def __init__(self, config: RunConfig, suite: Suite, progress: Progress | None = None) -> None:
        self.config = config
        self.suite = suite.limited(config.limit)
        self.progress = progress
        self.rules = rules(config.thresholds)

    def plan(self) -> Plan:
        return plan(self.suite, self.config.families, self.config.seed)

    def run(self, retrievers: Sequence[Retriever]) -> RunResult:
        planned = self.plan()
        cells = tuple(cell for r in retrievers for cell in self.cells(r, planned))
        return RunResult(
            settings=self.settings(),
            retrievers=tuple(r.describe() for r in retrievers),
            cells=cells,
            variants=tuple(_record(v) for v in planned.variants),
        )

    def cells(self, retriever: Retriever, planned: Plan) -> list[Cell]:
        asked = [(c.id, c.request) for c in planned.cases] + [
            (v.case_id, v.request) for v in planned.variants
        ]
        progress = _Prefixed(self.progress, f"{retriever.name}: ") if self.progress else None
        rankings = rank_requests(retriever, self.suite, asked, self.config.depth, progress)
        originals = {c.id: rankings[c.id, c.request] for c in planned.cases}
        qrels = {q.id: q.qrels for q in self.suite.queries}
        cells = []
        for family in self.config.families:
            variants = [v for v in planned.variants if v.family is family]
            kind = family.expectation_kind
            for position, measure in enumerate(self.config.measures(kind)):
                observations = [
                    observe(
                        v,
                        measure,
                        originals[v.case_id],
                        rankings[v.case_id, v.request],
                        qrels[v.case_id],
                    )
                    for v in variants
                ]
                cells.append(
                    self.cell(retriever.name, family, measure, position == 0, observations)
                )
        return cells

    def cell(
        self,
        retriever: str,
        family: Family,
        measure: Measure,
        decides: bool,
        observations: Sequence[Observation],
    ) -> Cell:
        values = per_query(observations)
        rng = np.random.default_rng(
            derive_seed(self.config.seed, "bootstrap", retriever, family.value, str(measure))
        )
        summary = summarize([v.delta for v in values], rng, self.config.resamples)
        rule = self.rules[family.expectation_kind]
        return Cell(
            retriever=retriever,
            family=family.value,
            expectation=family.expectation_kind.value,
            metric=str(measure),
            original=_mean([v.original for v in values]),
            perturbed=_mean([v.perturbed for v in values]),
            delta=summary.mean,
            ci_low=summary.ci_low,
            ci_high=summary.ci_high,
            p_value=summary.p_value,
            n=summary.n,
            verdict=rule.decide(summary).value if decides else None,
            rule=rule.describe() if decides else None,
            per_query=values,
        )

    def settings(self) -> Settings:
        c = self.config
        return Settings(
            retrievers=c.retrievers,
            suite={
                "name": self.suite.name,
                "source": self.suite.source,
                "sha256": self.suite.sha256,
                "queries": len(self.suite.queries),
                "documents": len(self.suite.documents),
            },
            families=tuple(f.value for f in c.families),
            seed=c.seed,
            limit=c.limit,
            depth=c.depth,
            cutoff=c.cutoff,
            alpha=c.thresholds.alpha,
            margin=c.thresholds.margin,
            follow_margin=c.thresholds.follow_margin,
            resamples=c.resamples,
            versions=package_versions(),
        )


class _Prefixed:
    def __init__(self, progress: Progress, prefix: str) -> None:
        self._progress, self._prefix = progress, prefix

    def task(self, description: str, total: int) -> AbstractContextManager[Advance]:
        return self._progress.task(self._prefix + description, total)


def package_versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in VERSIONED_PACKAGES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            continue
    return found


def _record(v: Variant) -> VariantRecord:
    return VariantRecord(
        id=v.id,
        query_id=v.case_id,
        family=v.family.value,
        operator=v.operator,
        form=v.form,
        query=v.request.query,
        instruction=v.request.instruction,
        order=v.request.order.value,
        expectation=v.expectation.kind.value,
        down=tuple(sorted(v.expectation.down)),
        up=tuple(sorted(v.expectation.up)),
        strength=v.strength,
        params=dict(v.params),
    )
