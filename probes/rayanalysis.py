"""A run's statistics as Ray tasks (``--executor ray``): the grid's independent jobs.

After the rankings are measured, what takes the driver's time is the summaries: every cell's and
every stratum's bootstrap or bounded-mean interval and its sign-flip test (``--resamples`` draws
each). Each summary depends only on its group and the run's seed (``analysis.summarize_group``:
its own seeded stream), so the groups are cut into jobs, one per (retriever, family), each job
one Ray task; the driver gathers the summaries in job order and goes on as the local run does
(the p-values adjusted over the grid, the verdicts, the records). The results file is the local
run's, byte for byte.

A job is a (retriever, family) rather than a (retriever, suite): a run is one suite, and the
families of one retriever are as independent as the retrievers are, so a run of one retriever
is spread too. The caches take no part: this work starts after the last ranking is stored.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from instructprobe.perturb import Family
from instructprobe.probes.analysis import Group, SummaryKey, summarize_group, summary_key
from instructprobe.probes.stats import Summary

TASKS_FROM_DRAWS = 225_000_000
"""The fewest draws (every group's values times the resamples) whose summaries are made as Ray
tasks; below it the driver makes them, as a local run does, since the tasks' workers starting
and their round trips cost more than the work. Where the driver's time and the tasks' on cold
workers cross, on 2 CPUs (``benchmarks/analysis_tasks.py`` at 20 and 300 queries of two
retrievers, 19.7 M and 308 M draws: ``benchmarks/results/analysis_tasks-threshold.json``);
about 440 queries of one retriever at the default 9,999 resamples."""

Job = tuple[str, str]
"""A retriever's name and a family's."""


class JobKey(Protocol):
    """What a group of the grid or of the strata is about: a retriever and a family."""

    @property
    def retriever(self) -> str: ...

    @property
    def family(self) -> Family: ...


def jobs(groups: Sequence[Group[JobKey]]) -> dict[Job, list[Group[JobKey]]]:
    """The groups of each (retriever, family), in the order they first come."""
    found: dict[Job, list[Group[JobKey]]] = {}
    for group in groups:
        found.setdefault((group.key.retriever, group.key.family.value), []).append(group)
    return found


def summarize_job(groups: Sequence[Group[None]], seed: int, resamples: int) -> list[Summary]:
    """A Ray task's work: each group's summary, as the local run makes it."""
    return [summarize_group(group, seed, resamples) for group in groups]


def _bare(group: Group[Any]) -> Group[None]:
    """The group without its key (which holds every per-query record): what a task needs."""
    return Group(None, list(group.values), group.stream, group.min_n, group.bounds)


def warm_up() -> None:
    """What a worker loads before its first summary: the statistics' modules and the
    bounded tests' prior."""
    from instructprobe.probes.bounded import prior

    prior()


def draws(groups: Sequence[Group[Any]], resamples: int) -> int:
    """What the summaries of ``groups`` cost: each value drawn ``resamples`` times."""
    return resamples * sum(len(group.values) for group in groups)


class RaySummaries:
    """The summaries of a run's groups, one Ray task per job, on the connected cluster, when
    there are at least ``TASKS_FROM_DRAWS`` draws (else none: the driver makes them). Made when
    the run starts, it warms a worker per CPU of the cluster (``warm_up``) while the driver
    plans and ranks, so the statistics do not wait for workers to import them (where the
    model's replicas leave the CPUs free: ``release`` stops them before the tasks start)."""

    def __init__(self, ray: Any, release: Callable[[], None] | None = None) -> None:
        self._ray = ray
        self._release = release
        self._task = ray.remote(summarize_job)
        cpus = int(ray.cluster_resources().get("CPU", 1))
        warm = ray.remote(warm_up)
        self._warming = [warm.remote() for _ in range(cpus)]
        self.draws = 0
        """The draws of the last call's groups."""

    def __call__(
        self, groups: Sequence[Group[JobKey]], seed: int, resamples: int
    ) -> dict[SummaryKey, Summary]:
        self.draws = draws(groups, resamples)
        if self.draws < TASKS_FROM_DRAWS:
            for warming in self._warming:
                self._ray.cancel(warming)
            return {}
        if self._release is not None:
            self._release()
        work = list(jobs(groups).values())
        pending = [self._task.remote([_bare(g) for g in job], seed, resamples) for job in work]
        found: dict[SummaryKey, Summary] = {}
        for job, summaries in zip(work, self._ray.get(pending), strict=True):
            found.update(zip((summary_key(g) for g in job), summaries, strict=True))
        return found


__all__ = ["TASKS_FROM_DRAWS", "RaySummaries", "draws", "jobs", "summarize_job", "warm_up"]
