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

from collections.abc import Sequence
from typing import Any, Protocol

from instructprobe.perturb import Family
from instructprobe.probes.analysis import Group, SummaryKey, summarize_group, summary_key
from instructprobe.probes.stats import Summary

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


class RaySummaries:
    """The summaries of a run's groups, one Ray task per job, on the connected cluster. Made
    when the run starts, it warms a worker per CPU of the cluster (``warm_up``) while the driver
    plans and ranks, so the statistics do not wait for workers to import them."""

    def __init__(self, ray: Any) -> None:
        self._ray = ray
        self._task = ray.remote(summarize_job)
        cpus = int(ray.cluster_resources().get("CPU", 1))
        warm = ray.remote(warm_up)
        self._warming = [warm.remote() for _ in range(cpus)]

    def __call__(
        self, groups: Sequence[Group[JobKey]], seed: int, resamples: int
    ) -> dict[SummaryKey, Summary]:
        work = list(jobs(groups).values())
        pending = [self._task.remote([_bare(g) for g in job], seed, resamples) for job in work]
        found: dict[SummaryKey, Summary] = {}
        for job, summaries in zip(work, self._ray.get(pending), strict=True):
            found.update(zip((summary_key(g) for g in job), summaries, strict=True))
        return found


__all__ = ["RaySummaries", "jobs", "summarize_job", "warm_up"]
