"""A probe run: plan the variants, rank them with each retriever, measure, test, decide."""

from __future__ import annotations

import platform
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np

from instructprobe.core.errors import RequestError
from instructprobe.core.interrupts import checkpoint
from instructprobe.core.progress import Advance, Progress
from instructprobe.perturb import ExpectationKind, Family, Variant
from instructprobe.probes import benchmark, grid, strata
from instructprobe.probes.analysis import Group, Summaries, SummaryKey, adjusted_summaries
from instructprobe.probes.benchmark import BenchmarkScore, BenchmarkSection
from instructprobe.probes.measures import NDCG, Measure, Robustness, WorstVariant
from instructprobe.probes.observe import Observation, observe, rank_requests, tracked_ranks
from instructprobe.probes.plan import Plan, plan
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
from instructprobe.probes.runfiles import RunFiles, check_runs_dir
from instructprobe.probes.stats import Summary
from instructprobe.probes.verdicts import Thresholds, baseline_measures, cell_measures, rules
from instructprobe.retrievers.base import Ranking, Retriever
from instructprobe.retrievers.cache import cache_dir_for
from instructprobe.retrievers.dense import EncoderSettings
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


@dataclass(frozen=True)
class Measured:
    """One retriever's observations, grouped by family and measure, in config order."""

    retriever: str
    observations: dict[tuple[Family, Measure], list[Observation]]
    outcomes: list[Outcome]
    baseline: list[Baseline]
    benchmark: list[BenchmarkScore]


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
        _check_bootstrap_size(request.resamples, len(self.suite.queries))

    def plan(self) -> Plan:
        """The run's cases and variants. With a cache, a plan made before is read from it, and
        the paraphrase filter's MiniLM reads through it, sharing the model a retriever of the
        run has already loaded."""
        r = self.request
        if self.cache_dir is None:
            return plan(self.suite, r.families, r.seed, operators=r.operators, order=r.order)
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
        originals = {c.id: c.instruction for c in planned.cases}
        runs = RunFiles.start(self.request, self.suite, planned)
        measured = [self.measure(r, planned, runs) for r in self.retrievers]
        identities = tuple(x.describe() for x in self.retrievers)
        if runs is not None:
            runs.finish(identities)
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
            variants=tuple(_record(v, originals[v.case_id]) for v in planned.variants),
            strata=tuple(stratum_records),
            dose_response=tuple(dose),
            baseline=tuple(b for m in measured for b in m.baseline),
            outcomes=tuple(o for m in measured for o in m.outcomes),
            versions=package_versions(),
            benchmark=self.benchmark_section([s for m in measured for s in m.benchmark]),
        )

    def analyse(
        self, measured: Sequence[Measured], planned: Plan
    ) -> tuple[list[Cell], list[Stratum], list[DoseResponse]]:
        """The statistics, from the measured rankings on: the grid's cells with their verdicts,
        the strata and the dose-responses."""
        keys = [k for m in measured for k in self.cell_keys(m)]
        profiles = strata.profiles(planned.cases)
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
        self, retriever: Retriever, planned: Plan, runs: RunFiles | None = None
    ) -> Measured:
        changes = benchmark.changed_requests(self.suite, {c.id: c.request for c in planned.cases})
        asked = [(c.id, c.request) for c in planned.cases]
        asked += [(v.case_id, v.request) for v in planned.variants]
        asked += changes
        progress = _Prefixed(self.progress, f"{retriever.name}: ") if self.progress else None
        checkpoint("rank")
        rankings = rank_requests(retriever, self.suite, asked, self.request.depth, progress)
        if runs is not None:
            runs.add(retriever.name, rankings)
        checkpoint("measure")
        originals = {c.id: rankings[c.id, c.request] for c in planned.cases}
        qrels = {q.id: q.qrels for q in self.suite.queries}
        observations: dict[tuple[Family, Measure], list[Observation]] = {}
        outcomes = []
        for v in planned.variants:
            before, after = originals[v.case_id], rankings[v.case_id, v.request]
            values: dict[str, float | None] = {}
            for measure in cell_measures(v.family.expectation_kind, self.request.cutoff):
                o = observe(v, measure, before, after, qrels[v.case_id])
                observations.setdefault((v.family, measure), []).append(o)
                values[str(measure)] = o.value
            ranks = tracked_ranks(v, before, after, qrels[v.case_id])
            outcomes.append(Outcome(retriever.name, v.id, values, ranks))
        changed = {case: rankings[case, request] for case, request in changes}
        own = benchmark.scores(retriever.name, self.suite, originals, changed)
        return Measured(
            retriever.name, observations, outcomes, self.baseline(retriever, originals), own
        )

    def benchmark_section(self, found: list[BenchmarkScore]) -> BenchmarkSection | None:
        """The benchmark's own numbers; a run on part of the suite says so."""
        section = benchmark.section(self.suite, found)
        if section is None or len(self.suite.queries) == len(self.full_suite.queries):
            return section
        limited = f"--limit {self.request.limit}: the first {len(self.suite.queries)} queries only"
        return replace(section, departures=(*section.departures, limited))

    def baseline(self, retriever: Retriever, originals: dict[str, Ranking]) -> list[Baseline]:
        """Effectiveness under the original instructions, and InstructIR's Robustness@k over
        the queries that share a topic (instructir-lite sets the topic to the base query)."""
        records = []
        for measure in baseline_measures(self.request.cutoff):
            scores = {
                q.id: score
                for q in self.suite.queries
                if (score := measure.score(originals[q.id].doc_ids, q.qrels)) is not None
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
    check_runs_dir(request)
    with executor_for(request) as executor:
        retrievers = resolve_retrievers(request, executor)  # a wrong name fails before loading
        suite = (
            request.suite.instructed(request.instruction)
            if isinstance(request.suite, Suite)
            else load_suite(request.suite, echo, request.instruction)
        )
        checkpoint("suite")
        return Runner(request, suite, retrievers, progress, summaries_for(request)).run()


def executor_for(request: RunRequest) -> Executor:
    """Where the request's encode/score step runs (a cluster is reached, or refused, here)."""
    return EXECUTORS[request.executor](request)


def summaries_for(request: RunRequest) -> Summaries | None:
    """Where the request's statistics are made: as Ray tasks on a Ray run, else here."""
    if request.executor is not ExecutorKind.RAY:
        return None
    from instructprobe.probes.rayanalysis import RaySummaries
    from instructprobe.retrievers.rayexec import connect

    return RaySummaries(connect(request.ray_address))


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
            f"draws, above the limit of {MAX_BOOTSTRAP_DRAWS:,} (3.2 GB held at once): lower the "
            "resamples or limit the queries"
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
    _apply_prompts(request, retrievers)
    return retrievers


def _apply_prompts(request: RunRequest, retrievers: Sequence[Retriever]) -> None:
    """The request's ``--template`` and ``--document-prompt`` for each retriever (a named
    entry before the one for every retriever); a name no retriever has is an error."""
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
    for retriever in retrievers:
        pattern = templates.get(retriever.name, templates.get(EVERY))
        if pattern is not None:
            retriever.template = Template.from_pattern(pattern)
            retriever.prompts_from = "user"
        named = prompts.get(retriever.name)
        prompt = named if named is not None else prompts.get(EVERY)
        if prompt is not None:
            if not hasattr(retriever, "document_prompt"):
                if named is None:
                    continue  # a prompt for every retriever goes to those that take one
                raise RequestError(
                    f"document_prompts: {retriever.name} ({retriever.kind}) takes no document "
                    "prompt; only bi-encoders put one before each document"
                )
            retriever.document_prompt = prompt
            retriever.prompts_from = "user"


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
