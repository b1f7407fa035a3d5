"""A probe run: plan the variants, rank them with each retriever, measure, test, decide."""

from __future__ import annotations

import platform
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np

from instructprobe.core.progress import Advance, Progress
from instructprobe.perturb import ExpectationKind, Family, Variant, derive_seed
from instructprobe.probes import grid, strata
from instructprobe.probes.measures import (
    AP,
    NDCG,
    PMRR,
    RBO,
    RR,
    ExpectedMove,
    KendallTau,
    Measure,
    Overlap,
    PairAccuracy,
    RankingMeasure,
    RankShift,
    Recall,
    robustness,
)
from instructprobe.probes.observe import Observation, observe, rank_requests, tracked_ranks
from instructprobe.probes.plan import Plan, plan
from instructprobe.probes.results import (
    Baseline,
    Outcome,
    QueryValue,
    RunResult,
    Settings,
    VariantRecord,
)
from instructprobe.probes.stats import summarize
from instructprobe.probes.verdicts import Thresholds, rules
from instructprobe.retrievers.base import Ranking, Retriever
from instructprobe.suites import Suite

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
    cache_dir: str | None = None
    """Embedding cache for the paraphrase meaning filter (retrievers carry their own)."""

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
        k = self.cutoff
        shifts = (RankShift(k), KendallTau(k), RBO(k), Overlap(k))
        if kind is ExpectationKind.DIRECTIONAL:
            return (PMRR(), NDCG(k), ExpectedMove(), PairAccuracy(), *shifts)
        return (NDCG(k), *shifts)

    def baseline_measures(self) -> tuple[RankingMeasure, ...]:
        k = self.cutoff
        return (NDCG(k), AP(k), RR(k), Recall(k))


@dataclass(frozen=True)
class Measured:
    """One retriever's observations, grouped by family and measure, in config order."""

    retriever: str
    observations: dict[tuple[Family, Measure], list[Observation]]
    outcomes: list[Outcome]
    baseline: list[Baseline]


class Runner:
    def __init__(self, config: RunConfig, suite: Suite, progress: Progress | None = None) -> None:
        self.config = config
        self.suite = suite.limited(config.limit)
        self.progress = progress
        self.rules = rules(config.thresholds)

    def plan(self, retrievers: Sequence[Retriever] = ()) -> Plan:
        """The run's cases and variants. With a cache, a plan made before is read from it, and
        the paraphrase filter's MiniLM reads through it, sharing the model a retriever of the
        run has already loaded."""
        if self.config.cache_dir is None:
            return plan(self.suite, self.config.families, self.config.seed)
        from instructprobe.probes.meaning import cached_meaning_filter
        from instructprobe.probes.plancache import PlanCache, cached_plan

        meaning = cached_meaning_filter(self.config.cache_dir, self.progress, retrievers)
        cache = PlanCache(Path(self.config.cache_dir))
        return cached_plan(cache, self.suite, self.config.families, self.config.seed, meaning)

    def run(self, retrievers: Sequence[Retriever]) -> RunResult:
        planned = self.plan(retrievers)
        originals = {c.id: c.instruction for c in planned.cases}
        measured = [self.measure(r, planned) for r in retrievers]
        cells = grid.finalize(
            [d for m in measured for d in self.drafts(m)], self.config.thresholds, self.rules
        )
        profiles = strata.profiles(planned.cases)
        split = [d for m in measured for d in self.split(m, profiles)]
        t = self.config.thresholds
        stratum_records, dose = strata.finalize(split, t.correction, t.alpha)
        return RunResult(
            settings=self.settings(),
            retrievers=tuple(r.describe() for r in retrievers),
            cells=tuple(cells),
            variants=tuple(_record(v, originals[v.case_id]) for v in planned.variants),
            strata=tuple(stratum_records),
            dose_response=tuple(dose),
            baseline=tuple(b for m in measured for b in m.baseline),
            outcomes=tuple(o for m in measured for o in m.outcomes),
        )

    def measure(self, retriever: Retriever, planned: Plan) -> Measured:
        asked = [(c.id, c.request) for c in planned.cases]
        asked += [(v.case_id, v.request) for v in planned.variants]
        progress = _Prefixed(self.progress, f"{retriever.name}: ") if self.progress else None
        rankings = rank_requests(retriever, self.suite, asked, self.config.depth, progress)
        originals = {c.id: rankings[c.id, c.request] for c in planned.cases}
        qrels = {q.id: q.qrels for q in self.suite.queries}
        observations: dict[tuple[Family, Measure], list[Observation]] = {}
        outcomes = []
        for v in planned.variants:
            before, after = originals[v.case_id], rankings[v.case_id, v.request]
            values: dict[str, float | None] = {}
            for measure in self.config.measures(v.family.expectation_kind):
                o = observe(v, measure, before, after, qrels[v.case_id])
                observations.setdefault((v.family, measure), []).append(o)
                values[str(measure)] = o.value
            ranks = tracked_ranks(v, before, after, qrels[v.case_id])
            outcomes.append(Outcome(retriever.name, v.id, values, ranks))
        return Measured(retriever.name, observations, outcomes, self.baseline(retriever, originals))

    def baseline(self, retriever: Retriever, originals: dict[str, Ranking]) -> list[Baseline]:
        """Effectiveness under the original instructions, and InstructIR's Robustness@k over
        the queries that share a topic (instructir-lite sets the topic to the base query)."""
        records = []
        for measure in self.config.baseline_measures():
            scores = {
                q.id: score
                for q in self.suite.queries
                if (score := measure.score(originals[q.id].doc_ids, q.qrels)) is not None
            }
            if scores:
                mean = float(np.mean(list(scores.values())))
                records.append(Baseline(retriever.name, str(measure), mean, len(scores)))
            if isinstance(measure, NDCG) and scores and self._grouped():
                topic = {q.id: q.topic for q in self.suite.queries}
                worst = robustness(scores, topic)
                if worst is not None:
                    name = f"Robustness@{self.config.cutoff} (by topic)"
                    records.append(Baseline(retriever.name, name, worst, len(set(topic.values()))))
        return records

    def _grouped(self) -> bool:
        topics = [q.topic for q in self.suite.queries]
        return all(topics) and len(set(topics)) < len(topics)

    def drafts(self, measured: Measured) -> list[grid.Draft]:
        drafts = []
        for family in self.config.families:
            if not any(f is family for f, _ in measured.observations):
                continue  # the suite gave this family nothing to perturb
            for position, measure in enumerate(self.config.measures(family.expectation_kind)):
                found = measured.observations.get((family, measure), [])
                drafts.append(
                    self._draft(
                        measured.retriever,
                        family,
                        str(measure),
                        position == 0,
                        grid.per_query(found),
                    )
                )
                if isinstance(measure, RankingMeasure) and self._robustness(family, position):
                    name = f"Robustness@{self.config.cutoff}"
                    drafts.append(
                        self._draft(measured.retriever, family, name, False, grid.worst_case(found))
                    )
        return drafts

    def _robustness(self, family: Family, position: int) -> bool:
        return family.expectation_kind is ExpectationKind.INVARIANT and position == 0

    def _draft(
        self,
        retriever: str,
        family: Family,
        metric: str,
        decides: bool,
        values: tuple[QueryValue, ...],
    ) -> grid.Draft:
        rng = np.random.default_rng(
            derive_seed(self.config.seed, "bootstrap", retriever, family.value, metric)
        )
        summary = summarize([v.delta for v in values], rng, self.config.resamples)
        return grid.draft(
            retriever, family, metric, decides, values, summary, self.config.thresholds.margin
        )

    def split(
        self, measured: Measured, profiles: dict[str, strata.Profile]
    ) -> list[strata.StratumDraft]:
        drafts: list[strata.StratumDraft] = []
        for family in self.config.families:
            deciding = self.config.measures(family.expectation_kind)[0]
            found = measured.observations.get((family, deciding), [])
            if found:
                drafts += strata.split(
                    measured.retriever,
                    family.value,
                    str(deciding),
                    found,
                    profiles,
                    self.config.seed,
                    self.config.resamples,
                )
        return drafts

    def settings(self) -> Settings:
        c, t = self.config, self.config.thresholds
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
            alpha=t.alpha,
            margin=t.margin,
            follow_margin=t.follow_margin,
            correction=t.correction.value,
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


def _record(v: Variant, original_instruction: str) -> VariantRecord:
    return VariantRecord(
        id=v.id,
        query_id=v.case_id,
        family=v.family.value,
        operator=v.operator,
        form=v.form,
        query=v.request.query,
        original_instruction=original_instruction,
        instruction=v.request.instruction,
        order=v.request.order.value,
        expectation=v.expectation.kind.value,
        down=tuple(sorted(v.expectation.down)),
        up=tuple(sorted(v.expectation.up)),
        strength=v.strength,
        params=dict(v.params),
    )


__all__ = ["RunConfig", "Runner", "package_versions", "rank_requests"]
