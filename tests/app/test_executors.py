"""Runs whose encode/score step ran elsewhere: two CPU processes (``--executor devices``) and a
local Ray cluster started in the test (``--executor ray``, its statistics as Ray tasks too).
Their results files are the local run's, byte for byte, apart from the request's record of the
executor (the one document, and the summary and Parquet outcomes a run saves); a Ray worker
killed mid-chunk is retried; a driver stopped mid-run leaves a valid cache that the next run
reads; an unreachable cluster is one line and exit 2; with no address, a stale cluster address
that `ray start` left behind is ignored."""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from instructprobe import run
from instructprobe.core.interrupts import INJECT_VARIABLE, ONCE_VARIABLE
from instructprobe.probes import analysis, rayanalysis
from instructprobe.probes.request import RunRequest
from instructprobe.retrievers.cache import DOCUMENT, EmbeddingCache

pytestmark = [pytest.mark.slow, pytest.mark.model]

SETTINGS = {
    "retrievers": "bm25,minilm",
    "suite": "starter",
    "limit": 6,
    "resamples": 200,
    "families": "negation,reorder,strip,keywords,control",
}
"""No paraphrases: their meaning filter runs on the driver in every executor, and without it the
first chunk encoded is the corpus's, on the executor (the stopped-driver test stops there)."""


def request(cache_dir: Path, **settings: object) -> RunRequest:
    return RunRequest.create({**SETTINGS, "cache_dir": str(cache_dir), **settings})


@pytest.fixture(scope="module")
def local_run(tmp_path_factory):
    """The local run, on an empty cache."""
    return run(request(tmp_path_factory.mktemp("local-cache")))


def as_if(local, elsewhere):
    """The local results file as the other run would write it if only its request differed."""
    return dataclasses.replace(local, request=elsewhere.request).to_json()


def files(result, folder: Path) -> dict[str, bytes]:
    """The files ``result`` is saved as: its summary, its Parquet outcomes and per-query
    values."""
    folder.mkdir()
    result.write_json(folder / "results.json")
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def assert_same_results(local, elsewhere, folder: Path) -> None:
    """One document, and the files a run saves, byte for byte apart from the request."""
    assert elsewhere.to_json() == as_if(local, elsewhere)
    saved = files(elsewhere, folder / "elsewhere")
    assert list(saved) == ["results.json", "results.outcomes.parquet", "results.per-query.parquet"]
    same = dataclasses.replace(local, request=elsewhere.request)
    assert saved == files(same, folder / "local")


def test_two_cpu_processes_give_the_local_results_file(local_run, tmp_path):
    spread = run(request(tmp_path, executor="devices", device="cpu,cpu"))
    assert spread.request.executor.value == "devices"
    assert_same_results(local_run, spread, tmp_path)


def test_a_ray_run_gives_the_local_results_file(local_run, ray_cluster, tmp_path, monkeypatch):
    """Its statistics too are made on the cluster, as Ray tasks (from no draws on: this run's
    few are below the threshold where tasks pay): the driver makes none."""

    def not_on_the_driver(*args: object) -> None:
        raise AssertionError("a summary was made on the driver")

    monkeypatch.setattr(rayanalysis, "TASKS_FROM_DRAWS", 0)
    monkeypatch.setattr(analysis, "summarize_group", not_on_the_driver)
    clustered = run(request(tmp_path, executor="ray"))
    assert_same_results(local_run, clustered, tmp_path)


def test_a_ray_worker_killed_mid_chunk_is_retried(local_run, ray_cluster, tmp_path, monkeypatch):
    marker = tmp_path / "killed"
    monkeypatch.setenv(INJECT_VARIABLE, "compute:SIGKILL")
    monkeypatch.setenv(ONCE_VARIABLE, str(marker))
    clustered = run(request(tmp_path / "cache", executor="ray"))
    assert marker.exists(), "a worker was killed mid-chunk"
    assert_same_results(local_run, clustered, tmp_path)


def test_a_driver_stopped_mid_run_leaves_a_cache_the_next_run_reads(
    local_run, ray_cluster, tmp_path, monkeypatch
):
    monkeypatch.setenv(INJECT_VARIABLE, "encode:SIGINT")
    monkeypatch.setenv(ONCE_VARIABLE, str(tmp_path / "stopped"))
    with pytest.raises(KeyboardInterrupt):
        run(request(tmp_path, executor="ray"))
    stored = EmbeddingCache(tmp_path).info()
    roles = {usage.description.get("role") for usage in stored.namespaces}
    assert stored.entries > 0 and DOCUMENT in roles, "the chunks done before the stop are kept"
    monkeypatch.delenv(INJECT_VARIABLE)
    again = run(request(tmp_path, executor="ray"))
    assert_same_results(local_run, again, tmp_path)


def test_an_unreachable_cluster_is_one_line_and_exit_2(tmp_path):
    probe = Path(sys.executable).with_name("probe")
    done = subprocess.run(
        [str(probe), "run", "-r", "minilm", "--suite", "starter", "--executor", "ray"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "RAY_ADDRESS": "127.0.0.1:9"},
    )
    assert done.returncode == 2
    line = done.stderr.strip()
    assert "\n" not in line and line.startswith("probe: ")
    assert "127.0.0.1:9" in line or "pip install 'instructprobe[ray]'" in line


def test_without_an_address_a_stale_cluster_file_is_ignored(tmp_path):
    """A `ray start` stopped without `ray stop` leaves its address in ray_current_cluster,
    where Ray's own ray.init() would look for a cluster: the run starts a local one instead."""
    # Ray's sockets live under its temporary folder: a short path keeps them under the limit.
    ray_tmp = Path(tempfile.mkdtemp(prefix="rt", dir="/tmp"))
    (ray_tmp / "ray").mkdir()
    (ray_tmp / "ray" / "ray_current_cluster").write_text("127.0.0.1:9")
    probe = Path(sys.executable).with_name("probe")
    command = [str(probe), "run", "-r", "bm25", "--suite", "starter", "--limit", "2", "--quiet"]
    out = tmp_path / "results.json"
    done = subprocess.run(
        [*command, "--executor", "ray", "--cache-dir", str(tmp_path), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        env={
            **{k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"},
            "RAY_TMPDIR": str(ray_tmp),
        },
    )
    shutil.rmtree(ray_tmp, ignore_errors=True)
    assert done.returncode == 0, done.stderr
    assert out.exists()
