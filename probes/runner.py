"""A probe run: plan the variants, rank them with each retriever, measure, test, decide."""

from __future__ import annotations

import copy
import platform
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field, replace
from importlib.metadata import PackageNotFoundError, version
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np

from instructprobe.core.errors import RequestError
from instructprobe.core.interrupts import checkpoint
from instructprobe.core.progress import Advance, Progress
from instructprobe.perturb import Case, ExpectationKind, Family, Request, Variant
from instructprobe.probes import benchmark, grid, strata
from instructprobe.probes.analysis import Group, Summaries, SummaryKey, adjusted_summaries
from instructprobe.probes.benchmark import BenchmarkScore, BenchmarkSection
from instructprobe.probes.measures import NDCG, Measure, Robustness, WorstVariant
from instructprobe.probes.observe import (
    Asked,
    Observations,
    Observed,
    ObservedTable,
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
from instructprobe.probes.plan import Plan, PlanSource
from instructprobe.probes.planstream import PlanFile, temporary_plan
from instructprobe.probes.request import MAX_BOOTSTRAP_DRAWS, ExecutorKind, RunRequest
from instructprobe.probes.results import (
    Baseline,
    Cell,
    DoseResponse,
    Outcome,
    RunResult,
    Stratum,
    SuiteFacts,
    VariantRecord,
)
from instructprobe.probes.runfiles import RetrieverRuns, RunFiles, check_runs_dir
from instructprobe.probes.stats import Summary
from instructprobe.probes.verdicts import Thresholds, baseline_measures, cell_measures, rules
from instructprobe.retrievers.base import Ranking, Retriever, SearchIndex
from instructprobe.retrievers.cache import cache_dir_for
from instructprobe.retrievers.dense import CachedModelRetriever, EncoderSettings
from instructprobe.retrievers.executors import LOCAL, DevicePool, Executor, ExecutorError
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
"""Variants ranked and measured at a time (with the originals of their cases and the
benchmark's changes of them): a run holds one chunk's rankings at most, about 46 KiB each at
depth 1000 (200 MiB for a chunk of instructir-lite). A suite of fewer variants is one chunk,
ranked in one call as before."""

Sink = Callable[[Sequence[tuple[VariantRecord, Outcome]]], None]
"""Where a chunk's measured (variant, outcome) rows go."""


@dataclass(frozen=True)
class Measured:
    """One retriever's observations, grouped by family and measure, in config order; its
    outcomes are here only when no sink took them."""

    retriever: str
    observations: dict[tuple[Family, Measure], Observations]
    outcomes: list[Outcome]
    baseline: list[Baseline]
    benchmark: list[BenchmarkScore]
    variants: ObservedTable = field(default_factory=ObservedTable)
    """What the observations keep of each variant measured."""


@dataclass(frozen=True)
class _Streamed:
    measured: list[Measured]
    stored: StoredOutcomes


@dataclass(frozen=True)
class _Measuring:
    """One retriever's measurement across chunks: where it ranks, and what it keeps between
    chunks: its observations (and outcomes when no sink takes them), and per query what the
    baseline and the benchmark need."""

    retriever: Retriever
    index: SearchIndex
    pools: Mapping[str, tuple[str, ...] | None]
    changes: Mapping[str, Request]
    """The benchmark's changed request of each case that has one."""
    progress: Progress | None
    run_files: RetrieverRuns | None
    measured: Measured
    benchmark: benchmark.Tally
    baseline: dict[Measure, dict[str, float | None]]


def chunks(planned: PlanSource, size: int) -> Iterator[tuple[list[Case], list[Variant]]]:
    """The plan's cases in order, in runs that hold about ``size`` variants (cut before a case
    with variants), each with its cases' variants: a plan of at most ``size`` variants is one
    chunk asking what the whole run asked before. The plan is read a case at a time, so no
    more than a chunk of it is held; a plan in memory whose variants are not grouped case by
    case, in the order of its cases, is one chunk."""
    if isinstance(planned, Plan) and not _grouped_by_case(planned):
        yield list(planned.cases), list(planned.variants)
        return
    cases: list[Case] = []
    variants: list[Variant] = []
    for each in planned.each_planned():
        if each.variants and len(variants) >= size:
            yield cases, variants
            cases, variants = [], []
        cases.append(each.case)
        variants += each.variants
    if cases:
        yield cases, variants


def _grouped_by_case(planned: Plan) -> bool:
    """Whether the plan's variants come case by case, in the order of its cases."""
    position = {c.id: n for n, c in enumerate(planned.cases)}
    places = [position.get(v.case_id, -1) for v in planned.variants]
    return -1 not in places and all(a <= b for a, b in pairwise(places))


def _deliver(
    rows: Sequence[tuple[VariantRecord, Outcome]], sink: Sink | None, measured: Measured
) -> None:
    """A chunk's rows to the sink, or its outcomes to ``measured`` when there is none."""
    if sink is not None:
        sink(rows)
    else:
        measured.outcomes.extend(o for _, o in rows)


@contextmanager
def _streaming(runs: RunFiles | None, retriever: str) -> Iterator[RetrieverRuns | None]:
    """The retriever's run files being written, or None when the run writes none."""
    if runs is None:
        yield None
        return
    with runs.streaming(retriever) as files:
        yield files


class Runner:
    """One request over one suite with its retrievers (resolved from the request, or given)."""

    def __init__(
        self,
        request: RunRequest,
        suite: Suite,
        retrievers: Sequence[Retriever],
        progress: Progress | None = None,
        summaries: Summaries | None = None,
    ) -> None:
        self.request = request
        self.summaries = summaries
        """Makes the statistics' summaries elsewhere, all at once (Ray tasks); None: here."""
        self.full_suite = suite
        self.suite = suite.limited(request.limit).sampled(request.sample, request.seed)
        self.retrievers = tuple(retrievers)
        self.progress = progress
        self.rules = rules(Thresholds.of(request), request.cutoff)
        self.cache_dir = cache_dir_for(request.cache_dir, not request.cache)
        self.qrels = {q.id: q.qrels for q in self.suite.queries}
        _check_bootstrap_size(request.resamples, len(self.suite.queries))

    def plan(self) -> PlanFile:
        """The run's cases and variants, as a file read a case at a time. With a cache, a plan
        made before is read from it, and the paraphrase filter's MiniLM reads through it,
        sharing the model a retriever of the run has already loaded; without one, the plan is
        a temporary file."""
        r = self.request
        if self.cache_dir is None:
            return temporary_plan(self.suite, r.families, r.seed, "default", r.operators, r.order)
        from instructprobe.probes.meaning import cached_meaning_filter
        from instructprobe.probes.plancache import PlanCache, cached_plan

        meaning = (
            cached_meaning_filter(self.cache_dir, self.progress, self.retrievers)
            if Family.PARAPHRASE in r.families
            else None  # only paraphrases are filtered: no MiniLM for a run without them
        )
        cache = PlanCache(Path(self.cache_dir))
        return cached_plan(cache, self.suite, r.families, r.seed, meaning, r.operators, r.order)

    def run(self) -> RunResult:
        check_runs_dir(self.request)
        planned = self.plan()
        try:
            return self.run_plan(planned)
        finally:
            planned.close()

    def run_plan(self, planned: PlanSource) -> RunResult:
        """The run, from its plan on: rank, measure, test, decide."""
        runs = RunFiles.start(self.request, self.suite, planned)
        try:
            store = self.measure_all(planned, runs)
            identities = tuple(x.describe() for x in self.retrievers)
            if runs is not None:
                runs.finish(identities)
        finally:
            if runs is not None:
                runs.discard()
        measured = store.measured
        checkpoint("test")
        cells, stratum_records, dose = self.analyse(measured, planned)
        r = self.request
        return RunResult(
            request=r,
            suite=SuiteFacts(
                name=self.suite.name,
                source=self.suite.source,
                sha256=self.suite.sha256,
                queries=len(self.suite.queries),
                documents=len(self.suite.documents),
            ),
            retrievers=identities,
            cells=tuple(cells),
            variants=StoredVariants(store.stored),
            strata=tuple(stratum_records),
            dose_response=tuple(dose),
            baseline=tuple(b for m in measured for b in m.baseline),
            outcomes=StoredOutcomeList(store.stored),
            versions=package_versions(),
            benchmark=self.benchmark_section([s for m in measured for s in m.benchmark]),
        )

    def measure_all(self, planned: PlanSource, runs: RunFiles | None = None) -> _Streamed:
        """Every retriever's observations; the outcomes go to a temporary file as they come,
        and the rankings to the run files (``runs``)."""
        writer = OutcomeWriter(temporary_file())
        try:
            measured = [self.measure(r, planned, writer.write, runs) for r in self.retrievers]
        finally:
            writer.close()
        stored = StoredOutcomes(writer.path, writer.rows, planned.variant_count)
        return _Streamed(measured, keep_until_collected(stored))

    def analyse(
        self, measured: Sequence[Measured], planned: PlanSource
    ) -> tuple[list[Cell], list[Stratum], list[DoseResponse]]:
        """The statistics, from the measured rankings on: the grid's cells with their verdicts,
        the strata and the dose-responses."""
        keys = [k for m in measured for k in self.cell_keys(m)]
        profiles = strata.profiles(planned.each_case())
        split = [g for m in measured for g in self.strata_groups(m, profiles)]
        known = self.known_summaries(keys, split)
        cells = grid.cells(keys, self.request, self.rules, known)
        r = self.request
        tested = adjusted_summaries(split, r.seed, r.resamples, r.correction, known)
        stratum_records, dose = strata.records(tested, r.alpha)
        return cells, stratum_records, dose

    def known_summaries(
        self, keys: Sequence[grid.CellKey], split: Sequence[Group[strata.StratumKey]]
    ) -> dict[SummaryKey, Summary] | None:
        """Every cell's and stratum's summary made at once by ``self.summaries`` (Ray tasks);
        None when they are made here, one by one, as the grid and the strata need them."""
        if self.summaries is None:
            return None
        groups: list[Group[Any]] = [k.group() for k in keys]
        groups += split
        return self.summaries(groups, self.request.seed, self.request.resamples)

    def measure(
        self,
        retriever: Retriever,
        planned: PlanSource,
        sink: Sink | None = None,
        runs: RunFiles | None = None,
    ) -> Measured:
        """Rank and measure chunk by chunk (``CHUNK_VARIANTS``), so a run holds one chunk's
        rankings, never all of them; each chunk's outcomes go to ``sink``, its rankings to the
        run files, and what the baseline and the benchmark need of it is kept per query."""
        progress = _Prefixed(self.progress, f"{retriever.name}: ") if self.progress else None
        checkpoint("rank")
        documents = self.suite.documents
        index = retriever.index([d.id for d in documents], [d.text for d in documents], progress)
        changes = dict(
            benchmark.changed_requests(self.suite, {c.id: c.request for c in planned.each_case()})
        )
        pools = candidate_pools(self.suite)
        with _streaming(runs, retriever.name) as run_files:
            measuring = _Measuring(
                retriever,
                index,
                pools,
                changes,
                progress,
                run_files,
                Measured(retriever.name, {}, [], [], []),
                benchmark.Tally(self.suite),
                {},
            )
            for cases, variants in chunks(planned, CHUNK_VARIANTS):
                # no name holds a chunk's rows (or rankings) while the next one is ranked
                _deliver(self.rank_chunk(measuring, cases, variants), sink, measuring.measured)
        measured = measuring.measured
        measured.baseline.extend(self.baseline(retriever, measuring.baseline))
        measured.benchmark.extend(measuring.benchmark.scores(retriever.name))
        return measured

    def rank_chunk(
        self, measuring: _Measuring, cases: Sequence[Case], variants: Sequence[Variant]
    ) -> list[tuple[VariantRecord, Outcome]]:
        """Rank a chunk's requests (its originals, variants and the benchmark's changes of its
        cases), write them to the run files and measure them; the rankings are let go on
        return, before the next chunk is ranked."""
        m = measuring
        asked = [(c.id, c.request) for c in cases]
        asked += [(v.case_id, v.request) for v in variants]
        asked += [(c.id, m.changes[c.id]) for c in cases if c.id in m.changes]
        rankings = rank_on(m.index, m.retriever, m.pools, asked, self.request.depth, m.progress)
        if m.run_files is not None:
            m.run_files.add(cases, variants, rankings)
        checkpoint("measure")
        return self.measure_chunk(m, cases, variants, rankings)

    def measure_chunk(
        self,
        measuring: _Measuring,
        cases: Sequence[Case],
        variants: Sequence[Variant],
        rankings: Mapping[Asked, Ranking],
    ) -> list[tuple[VariantRecord, Outcome]]:
        """A chunk's outcomes (each variant's record with it), after keeping what the baseline
        and the benchmark need of its originals' rankings."""
        qrels = {c.id: self.qrels[c.id] for c in cases}
        originals = {c.id: rankings[c.id, c.request] for c in cases}
        for measure in baseline_measures(self.request.cutoff):
            found = measuring.baseline.setdefault(measure, {})
            found.update((q, measure.score(r.doc_ids, qrels[q])) for q, r in originals.items())
        changes = measuring.changes
        changed = {c.id: rankings[c.id, changes[c.id]] for c in cases if c.id in changes}
        measuring.benchmark.add(originals, changed)
        instructions = {c.id: c.instruction for c in cases}
        rows = []
        for v in variants:
            before, after = originals[v.case_id], rankings[v.case_id, v.request]
            outcome = self.observe(measuring.measured, v, before, after, qrels[v.case_id])
            rows.append((_record(v, instructions[v.case_id]), outcome))
        return rows

    def benchmark_section(self, found: list[BenchmarkScore]) -> BenchmarkSection | None:
        """The benchmark's own numbers; a run on part of the suite says so."""
        section = benchmark.section(self.suite, found)
        if section is None or len(self.suite.queries) == len(self.full_suite.queries):
            return section
        limited = f"--limit {self.request.limit}: the first {len(self.suite.queries)} queries only"
        return replace(section, departures=(*section.departures, limited))

    def observe(
        self, measured: Measured, v: Variant, before: Ranking, after: Ranking, qrels: Qrels
    ) -> Outcome:
        values: dict[str, float | None] = {}
        kept = Observed.of(v)  # made once for all its measures
        row = measured.variants.add(kept)
        for measure in cell_measures(v.family.expectation_kind, self.request.cutoff):
            o = observe(v, measure, before, after, qrels, kept)
            key = (v.family, measure)
            found = measured.observations.get(key)
            if found is None:
                found = measured.observations[key] = Observations(measure, measured.variants)
            found.append(o, row)
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
                found = list(measured.observations.get((family, measure), ()))
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
            found = list(measured.observations.get((family, deciding), ()))
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
    check_runs_dir(request)
    with executor_for(request) as executor:
        retrievers = resolve_retrievers(request, executor)  # a wrong name fails before loading
        models = [r for r in retrievers if isinstance(r, CachedModelRetriever)]
        if models:  # its replicas start (and load the model) while the suite loads and plans
            executor.start(models[0])
        suite = (
            request.suite.instructed(request.instruction)
            if isinstance(request.suite, Suite)
            else load_suite(request.suite, echo, request.instruction)
        )
        checkpoint("suite")
        summaries = summaries_for(request, executor)
        return Runner(request, suite, retrievers, progress, summaries).run()


def executor_for(request: RunRequest) -> Executor:
    """Where the request's encode/score step runs (a cluster is reached, or refused, here)."""
    return EXECUTORS[request.executor](request)


def summaries_for(request: RunRequest, executor: Executor = LOCAL) -> Summaries | None:
    """Where the request's statistics are made: as Ray tasks on a Ray run, else here."""
    if request.executor is not ExecutorKind.RAY:
        return None
    from instructprobe.probes.rayanalysis import RaySummaries
    from instructprobe.retrievers.rayexec import connect

    return RaySummaries(connect(request.ray_address), release=executor.close)


def _device_pool(request: RunRequest) -> Executor:
    return DevicePool(request.devices or _visible_gpus())


def _visible_gpus() -> tuple[str, ...]:
    import torch

    count = torch.cuda.device_count() if torch.cuda.is_available() else 0
    if not count:
        raise ExecutorError(
            "--executor devices: no CUDA device is visible; name the devices with --device "
            "(cuda:0,cuda:1, or cpu,cpu for two CPU processes)"
        )
    return tuple(f"cuda:{n}" for n in range(count))


def _ray_executor(request: RunRequest) -> Executor:
    from instructprobe.retrievers.rayexec import RayExecutor

    return RayExecutor(request.ray_address, request.workers)


EXECUTORS: dict[ExecutorKind, Callable[[RunRequest], Executor]] = {
    ExecutorKind.LOCAL: lambda request: LOCAL,
    ExecutorKind.DEVICES: _device_pool,
    ExecutorKind.RAY: _ray_executor,
}


def _check_bootstrap_size(resamples: int, queries: int) -> None:
    draws = resamples * queries
    if draws > MAX_BOOTSTRAP_DRAWS:
        raise RequestError(
            f"resamples: {resamples:,} resamples over {queries:,} queries are {draws:,} bootstrap "
            f"draws per interval, above the limit of {MAX_BOOTSTRAP_DRAWS:,} (the draws come a "
            "block at a time, but every cell's interval takes time in proportion to them): lower "
            "the resamples or limit the queries"
        )


def resolve_retrievers(request: RunRequest, executor: Executor = LOCAL) -> list[Retriever]:
    """The request's retrievers, each under its display name; two with one name are an error.
    Their models compute through ``executor`` (a device list's first device fixes the
    precision the cache records)."""
    settings = EncoderSettings(
        batch_size=request.batch_size,
        device=request.devices[0] if request.devices else None,
        cache_dir=cache_dir_for(request.cache_dir, not request.cache),
        executor=executor,
    )
    retrievers = []
    for choice in request.retrievers:
        given = choice.instance if choice.instance is not None else choice.spec
        retrievers.append(resolve(given, settings, choice.name))
    names = [r.name for r in retrievers]
    twice = next((n for n in names if names.count(n) > 1), None)
    if twice is not None:
        specs = ", ".join(
            str(c) for c, r in zip(request.retrievers, retrievers, strict=True) if r.name == twice
        )
        raise RequestError(
            f"two retrievers are both named {twice!r} ({specs}); name them with NAME=SPEC"
        )
    return _apply_prompts(request, retrievers)


def _apply_prompts(request: RunRequest, retrievers: Sequence[Retriever]) -> list[Retriever]:
    """The retrievers with the request's ``--template`` and ``--document-prompt`` (a named
    entry before the one for every retriever); a name no retriever has is an error. A
    retriever they change is a copy: one given as an object is the caller's, and a later run
    that names no template must not find this one's on it."""
    from instructprobe.probes.request import EVERY
    from instructprobe.retrievers.base import Template

    names = {r.name for r in retrievers}
    for setting, entries in (
        ("templates", request.templates),
        ("document_prompts", request.document_prompts),
    ):
        unknown = next((n for n, _ in entries if n != EVERY and n not in names), None)
        if unknown is not None:
            raise RequestError(
                f"{setting}: no retriever is named {unknown!r} (the run has {', '.join(names)})"
            )
    templates, prompts = dict(request.templates), dict(request.document_prompts)
    prompted = []
    for retriever in retrievers:
        pattern = templates.get(retriever.name, templates.get(EVERY))
        named = prompts.get(retriever.name)
        prompt = named if named is not None else prompts.get(EVERY)
        if prompt is not None and not hasattr(retriever, "document_prompt"):
            if named is not None:
                raise RequestError(
                    f"document_prompts: {retriever.name} ({retriever.kind}) takes no document "
                    "prompt; only bi-encoders put one before each document"
                )
            prompt = None  # a prompt for every retriever goes to those that take one
        if pattern is not None or prompt is not None:
            retriever = copy.copy(retriever)
            retriever.prompts_from = "user"
        if pattern is not None:
            retriever.template = Template.from_pattern(pattern)
        if prompt is not None and hasattr(retriever, "document_prompt"):
            retriever.document_prompt = prompt
        prompted.append(retriever)
    return prompted


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


__all__ = [
    "Runner",
    "execute",
    "executor_for",
    "package_versions",
    "rank_requests",
    "resolve_retrievers",
]
