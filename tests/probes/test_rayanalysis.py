"""The statistics as Ray tasks: one job per (retriever, family), each group's summary the one
the driver would make. The whole run's results file is tested in tests/app/test_executors.py."""

from __future__ import annotations

import numpy as np
import pytest

from instructprobe.perturb import Family
from instructprobe.probes import grid, rayanalysis
from instructprobe.probes.analysis import Group, summarize_group, summary_key
from instructprobe.probes.measures import parse
from instructprobe.probes.results import QueryValue, QueryValues
from instructprobe.probes.strata import StratumKey


def cell(retriever: str, family: Family, metric: str, deltas: list[float]) -> grid.CellKey:
    values = QueryValues.of(QueryValue(f"q{i}", 0.5, 0.5 + d, d, 1) for i, d in enumerate(deltas))
    return grid.CellKey(retriever, family, parse(metric), True, values)


def groups():
    rng = np.random.default_rng(11)
    cells = [
        cell(name, family, "nDCG@10", list(rng.uniform(-0.3, 0.2, 25)))
        for name in ("bm25", "minilm")
        for family in (Family.REORDER, Family.CONTROL)
    ]
    stratum = StratumKey("bm25", Family.REORDER, parse("nDCG@10"), "form", "swap", None)
    split = Group(stratum, list(rng.uniform(-0.3, 0.2, 9)), ("strata", "bm25", "x"), 5)
    return [*(c.group() for c in cells), split]


def test_a_job_is_a_retriever_and_a_family_in_the_order_they_come():
    found = rayanalysis.jobs(groups())
    assert list(found) == [
        ("bm25", "reorder"),
        ("bm25", "control"),
        ("minilm", "reorder"),
        ("minilm", "control"),
    ]
    assert len(found["bm25", "reorder"]) == 2, "a cell and a stratum of bm25's reorder family"


def test_the_draws_are_every_value_drawn_resamples_times():
    assert rayanalysis.draws(groups(), 400) == 400 * (4 * 25 + 9)


@pytest.mark.slow
def test_ray_tasks_make_the_summaries_the_driver_makes(ray_cluster, monkeypatch):
    monkeypatch.setattr(rayanalysis, "TASKS_FROM_DRAWS", 0)
    released = []
    made = rayanalysis.RaySummaries(ray_cluster, lambda: released.append(1))(groups(), 5, 400)
    assert released == [1], "the model's replicas are stopped before the tasks start"
    expected = {summary_key(g): summarize_group(g, 5, 400) for g in groups()}
    assert made == expected


@pytest.mark.slow
def test_below_the_threshold_the_driver_makes_the_summaries(ray_cluster, monkeypatch):
    """No summary comes from the cluster: ``adjusted_summaries`` makes every one."""
    monkeypatch.setattr(rayanalysis, "TASKS_FROM_DRAWS", rayanalysis.draws(groups(), 400) + 1)
    assert rayanalysis.RaySummaries(ray_cluster)(groups(), 5, 400) == {}
