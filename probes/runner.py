"""A probe run: plan the variants, rank them with each retriever, measure, test, decide."""

from __future__ import annotations

import platform
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np

from instructprobe.core.errors import RequestError
from instructprobe.core.interrupts import checkpoint
from instructprobe.core.progress import Advance, Progress
from instructprobe.perturb import Case, ExpectationKind, Family, Variant
from instructprobe.probes import grid, strata
from instructprobe.probes.analysis import Group, adjusted_summaries
from instructprobe.probes.measures import NDCG, Measure, Robustness, WorstVariant
from instructprobe.probes.observe import (
    Observation,
    candidate_pools,
    observe,
    rank_on,
    rank_requests,
    tracked_ranks,
)
from instructprobe.probes.outcomes import (
    OutcomeWriter,
    StoredOutcomeList,
    StoredOutcomes,
    StoredVariants,
    keep_until_collected,
    temporary_file,
)
from instructprobe.probes.plan import Plan, plan
from instructprobe.probes.request import MAX_BOOTSTRAP_DRAWS, RunRequest
from instructprobe.probes.results import Baseline, Outcome, RunResult, SuiteFacts, VariantRecord
from instructprobe.probes.verdicts import Thresholds, baseline_measures, cell_measures, rules
from instructprobe.retrievers.base import Ranking, Retriever
from instructprobe.retrievers.cache import cache_dir_for
from instructprobe.retrievers.dense import EncoderSettings
from instructprobe.retrievers.registry import resolve
from instructprobe.suites import Suite, load_suite

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
Qrels = Mapping[str, int]


CHUNK_VARIANTS = 4096
"""Variants ranked and measured at a time (with the originals of their cases): a run holds
this many rankings at most, about 40 KB each at depth 1000. A suite of fewer variants is one
chunk, ranked in one call as before."""

Sink = Callable[[Sequence[tuple[VariantRecord, Outcome]]], None]
"""Where a chunk's measured (variant, outcome) rows go."""


@dataclass(frozen=True)
class Measured:
    """One retriever's observations, grouped by family and measure, in config order; its
    outcomes are here only when no sink took them."""

    retriever: str
    observations: dict[tuple[Family, Measure], list[Observation]]
    outcomes: list[Outcome]
    baseline: list[Baseline]


@dataclass(frozen=True)
class _Streamed:
    measured: list[Measured]
    stored: StoredOutcomes


def chunks(planned: Plan, size: int) -> Iterator[tuple[list[Case], list[Variant]]]:
    """The plan's variants in order, in runs of about ``size`` cut between cases, each with the
    cases it needs; the first also has every case without variants (for the baseline), so a
    plan of at most ``size`` variants is one chunk asking what the whole run asked before."""
    perturbed = {v.case_id for v in planned.variants}
    pending = [c for c in planned.cases if c.id not in perturbed]
    variants: list[Variant] = []
    for v in planned.variants:
        if len(variants) >= size and v.case_id != variants[-1].case_id:
            yield _needed(planned.cases, variants, pending), variants
            variants, pending = [], []
        variants.append(v)
    if variants or pending:
        yield _needed(planned.cases, variants, pending), variants


def _needed(cases: Sequence[Case], variants: list[Variant], extra: list[Case]) -> list[Case]:
    """The cases ``variants`` come from and ``extra``, in the plan's order."""
    wanted = {v.case_id for v in variants} | {c.id for c in extra}
    return [c for c in cases if c.id in wanted]


class Runner:
    """One request over one suite with its retrievers (resolved from the request, or given)."""

    def __init__(
        self,
        request: RunRequest,
        suite: Suite,
        retrievers: Sequence[Retriever],
        progress: Progress | None = None,
    ) -> None:
        self.request = request
        self.suite = suite.limited(request.limit)
        self.retrievers = tuple(retrievers)
        self.progress = progress
        self.rules = rules(Thresholds.of(request), request.cutoff)
        self.cache_dir = cache_dir_for(request.cache_dir, not request.cache)
        _check_bootstrap_size(request.resamples, len(self.suite.queries))

    def plan(self) -> Plan:
        """The run's cases and variants. With a cache, a plan made before is read from it, and
        the paraphrase filter's MiniLM reads through it, sharing the model a retriever of the
        run has already loaded."""
        r = self.request
        if self.cache_dir is None:
            return plan(self.suite, r.families, r.seed, operators=r.operators)
        from instructprobe.probes.meaning import cached_meaning_filter
        from instructprobe.probes.plancache import PlanCache, cached_plan

        meaning = (
            cached_meaning_filter(self.cache_dir, self.progress, self.retrievers)
            if Family.PARAPHRASE in r.families
            else None  # only paraphrases are filtered: no MiniLM for a run without them
        )
        cache = PlanCache(Path(self.cache_dir))
        return cached_plan(cache, self.suite, r.families, r.seed, meaning, r.operators)

    def run(self) -> RunResult:
        planned = self.plan()
        store = self.measure_all(planned)
        measured = store.measured
        checkpoint("test")
        cells = grid.cells(
            [k for m in measured for k in self.cell_keys(m)], self.request, self.rules
        )
        profiles = strata.profiles(planned.cases)
        split = [g for m in measured for g in self.strata_groups(m, profiles)]
        r = self.request
        tested = adjusted_summaries(split, r.seed, r.resamples, r.correction)
        stratum_records, dose = strata.records(tested, r.alpha)
        return RunResult(
            request=r,
            suite=SuiteFacts(
                name=self.suite.name,
                source=self.suite.source,
                sha256=self.suite.sha256,
                queries=len(self.suite.queries),
                documents=len(self.suite.documents),
            ),
            retrievers=tuple(x.describe() for x in self.retrievers),
            cells=tuple(cells),
            variants=StoredVariants(store.stored),
            strata=tuple(stratum_records),
            dose_response=tuple(dose),
            baseline=tuple(b for m in measured for b in m.baseline),
            outcomes=StoredOutcomeList(store.stored),
            versions=package_versions(),
        )

    def measure_all(self, planned: Plan) -> _Streamed:
        """Every retriever's observations; the outcomes go to a temporary file as they come."""
        writer = OutcomeWriter(temporary_file())
        try:
            measured = [self.measure(r, planned, writer.write) for r in self.retrievers]
        finally:
            writer.close()
        stored = StoredOutcomes(writer.path, writer.rows, len(planned.variants))
        return _Streamed(measured, keep_until_collected(stored))

    def measure(self, retriever: Retriever, planned: Plan, sink: Sink | None = None) -> Measured:
        """Rank and measure chunk by chunk (``CHUNK_VARIANTS``), so a run holds one chunk's
        rankings, never all of them; each chunk's outcomes go to ``sink``."""
        progress = _Prefixed(self.progress, f"{retriever.name}: ") if self.progress else None
        checkpoint("rank")
        documents = self.suite.documents
        index = retriever.index([d.id for d in documents], [d.text for d in documents], progress)
        pools = candidate_pools(self.suite)
        qrels = {q.id: q.qrels for q in self.suite.queries}
        instructions = {c.id: c.instruction for c in planned.cases}
        measured = Measured(retriever.name, {}, [], [])
        scores: dict[Measure, dict[str, float | None]] = {}
        for cases, variants in chunks(planned, CHUNK_VARIANTS):
            asked = [(c.id, c.request) for c in cases] + [(v.case_id, v.request) for v in variants]
            rankings = rank_on(index, retriever, pools, asked, self.request.depth, progress)
            checkpoint("measure")
            originals = {c.id: rankings[c.id, c.request] for c in cases}
            for measure in baseline_measures(self.request.cutoff):
                found = scores.setdefault(measure, {})
                found.update((q, measure.score(r.doc_ids, qrels[q])) for q, r in originals.items())
            rows = []
            for v in variants:
                before, after = originals[v.case_id], rankings[v.case_id, v.request]
                outcome = self.observe(measured, v, before, after, qrels[v.case_id])
                rows.append((_record(v, instructions[v.case_id]), outcome))
            if sink is not None:
                sink(rows)
            else:
                measured.outcomes.extend(o for _, o in rows)
        measured.baseline.extend(self.baseline(retriever, scores))
        return measured

    def observe(
        self, measured: Measured, v: Variant, before: Ranking, after: Ranking, qrels: Qrels
    ) -> Outcome:
        values: dict[str, float | None] = {}
        for measure in cell_measures(v.family.expectation_kind, self.request.cutoff):
            o = observe(v, measure, before, after, qrels)
            measured.observations.setdefault((v.family, measure), []).append(o)
            values[str(measure)] = o.value
        return Outcome(measured.retriever, v.id, values, tracked_ranks(v, before, after, qrels))

    def baseline(
        self, retriever: Retriever, measured: dict[Measure, dict[str, float | None]]
    ) -> list[Baseline]:
        """Effectiveness under the original instructions, and InstructIR's Robustness@k over
        the queries that share a topic (instructir-lite sets the topic to the base query)."""
        records = []
        for measure in baseline_measures(self.request.cutoff):
            found = measured.get(measure, {})
            scores = {
                q.id: score for q in self.suite.queries if (score := found.get(q.id)) is not None
            }
            if scores:
                mean = float(np.mean(list(scores.values())))
                records.append(Baseline(retriever.name, measure, mean, len(scores)))
            if isinstance(measure, NDCG) and scores and self._grouped():
                topic = {q.id: q.topic for q in self.suite.queries}
                robustness = Robustness(measure.cutoff)
                worst = robustness.aggregate(scores, topic)
                if worst is not None:
                    groups = len(set(topic.values()))
                    records.append(Baseline(retriever.name, robustness, worst, groups))
        return records

    def _grouped(self) -> bool:
        topics = [q.topic for q in self.suite.queries]
        return all(topics) and len(set(topics)) < len(topics)

    def cell_keys(self, measured: Measured) -> list[grid.CellKey]:
        keys = []
        for family in self.request.families:
            if not any(f is family for f, _ in measured.observations):
                continue  # the suite gave this family nothing to perturb
            measures = cell_measures(family.expectation_kind, self.request.cutoff)
            for position, measure in enumerate(measures):
                found = measured.observations.get((family, measure), [])
                name = measured.retriever
                keys.append(
                    grid.CellKey(name, family, measure, position == 0, grid.per_query(found))
                )
                if isinstance(measure, NDCG) and self._worst_case(family, position):
                    worst = WorstVariant(measure.cutoff)
                    keys.append(grid.CellKey(name, family, worst, False, grid.worst_case(found)))
        return keys

    def _worst_case(self, family: Family, position: int) -> bool:
        return family.expectation_kind is ExpectationKind.INVARIANT and position == 0

    def strata_groups(
        self, measured: Measured, profiles: dict[str, strata.Profile]
    ) -> list[Group[strata.StratumKey]]:
        groups: list[Group[strata.StratumKey]] = []
        for family in self.request.families:
            deciding = cell_measures(family.expectation_kind, self.request.cutoff)[0]
            found = measured.observations.get((family, deciding), [])
            if found:
                groups += strata.groups(measured.retriever, family, deciding, found, profiles)
        return groups


def execute(
    request: RunRequest,
    progress: Progress | None = None,
    echo: Callable[[str], None] | None = None,
) -> RunResult:
    """Run ``request``: read its suite, resolve its retrievers, rank, measure, test, decide.
    ``probe run``, ``probe gate``, the pytest plugin and ``instructprobe.run`` all come here."""
    retrievers = resolve_retrievers(request)  # first: a wrong name fails before any loading
    suite = request.suite if isinstance(request.suite, Suite) else load_suite(request.suite, echo)
    checkpoint("suite")
    return Runner(request, suite, retrievers, progress).run()


def _check_bootstrap_size(resamples: int, queries: int) -> None:
    draws = resamples * queries
    if draws > MAX_BOOTSTRAP_DRAWS:
        raise RequestError(
            f"resamples: {resamples:,} resamples over {queries:,} queries are {draws:,} bootstrap "
            f"draws, above the limit of {MAX_BOOTSTRAP_DRAWS:,} (3.2 GB held at once): lower the "
            "resamples or limit the queries"
        )


def resolve_retrievers(request: RunRequest) -> list[Retriever]:
    """The request's retrievers, each under its display name; two with one name are an error."""
    settings = EncoderSettings(
        batch_size=request.batch_size,
        device=request.device,
        cache_dir=cache_dir_for(request.cache_dir, not request.cache),
    )
    retrievers = []
    for choice in request.retrievers:
        retriever = choice.instance or resolve(choice.spec, settings)
        if choice.name is not None:
            retriever.name = choice.name
        retrievers.append(retriever)
    names = [r.name for r in retrievers]
    twice = next((n for n in names if names.count(n) > 1), None)
    if twice is not None:
        specs = ", ".join(
            str(c) for c, r in zip(request.retrievers, retrievers, strict=True) if r.name == twice
        )
        raise RequestError(
            f"two retrievers are both named {twice!r} ({specs}); name them with NAME=SPEC"
        )
    return retrievers


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
        family=v.family,
        operator=v.operator,
        form=v.form,
        query=v.request.query,
        original_instruction=original_instruction,
        instruction=v.request.instruction,
        order=v.request.order,
        expectation=v.expectation.kind,
        down=tuple(sorted(v.expectation.down)),
        up=tuple(sorted(v.expectation.up)),
        strength=v.strength,
        params=dict(v.params),
    )


__all__ = ["Runner", "execute", "package_versions", "rank_requests", "resolve_retrievers"]
