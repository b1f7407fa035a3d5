"""The ray executor's refusals, each one line within seconds: Ray not installed, an address
that is not one, an address where nothing answers. Runs on a cluster are tested end to end in
tests/app/test_executors.py."""

from __future__ import annotations

import socket
import sys

import pytest

from instructprobe.retrievers import rayexec
from instructprobe.retrievers.executors import ExecutorError


def test_without_ray_the_executor_says_how_to_get_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(ExecutorError, match=r"needs Ray, an optional extra: pip install "):
        rayexec.connect(None)


def test_an_address_that_is_not_one_is_refused():
    with pytest.raises(ExecutorError, match="expected HOST:PORT or ray://HOST:PORT"):
        rayexec._reachable("nowhere")


def test_an_address_where_nothing_listens_is_refused_at_once():
    with socket.socket() as taken:  # a port that was free a moment ago, and is closed again
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]
    for address in (f"127.0.0.1:{port}", f"ray://127.0.0.1:{port}"):
        with pytest.raises(ExecutorError) as error:
            rayexec._reachable(address)
        assert str(error.value).startswith(f"no Ray cluster answers at {address} (")
        assert "\n" not in str(error.value)


class ThreadCount:
    """A replica whose rows are the torch threads it computes with."""

    name = "threads"

    def compute(self, items, role):
        import numpy as np
        import torch

        return np.full((len(items), 1), torch.get_num_threads(), np.float32)

    def replica(self, device):
        return self


@pytest.mark.slow
@pytest.mark.parametrize(("workers", "threads"), [(None, 2), (1, 2), (2, 1)])
def test_a_cpu_replica_computes_on_the_cpus_it_was_given(ray_cluster, workers, threads):
    """Two CPUs: one replica gets both and runs two torch threads; two replicas one each."""
    from instructprobe.retrievers.executors import Chunk

    executor = rayexec.RayExecutor(None, workers)
    chunks = [Chunk(i, ("text",), "document") for i in range(4)]
    seen = {int(rows[0, 0]) for _, rows in executor.run(ThreadCount(), chunks)}
    assert seen == {threads}


class Process:
    """A replica whose rows are its worker's process id and whether it loaded its model when
    it started (before its first chunk)."""

    def __init__(self, name):
        self.name = name
        self.loaded = False

    def load(self):
        self.loaded = True

    def compute(self, items, role):
        import os

        import numpy as np

        return np.array([[os.getpid(), self.loaded]] * len(items), np.float32)

    def replica(self, device):
        return Process(self.name)


@pytest.mark.slow
def test_a_model_keeps_its_replicas_across_calls_until_another_model_comes(ray_cluster):
    """One pool per model, started once: a second call reuses it; the next model's pool
    replaces it (the cluster's CPUs are the replicas')."""
    from instructprobe.retrievers.executors import Chunk

    executor = rayexec.RayExecutor(None, 2)
    chunks = [Chunk(i, ("text",), "document") for i in range(4)]

    def seen(model):
        return {tuple(int(x) for x in rows[0]) for _, rows in executor.run(model, chunks)}

    first, second = Process("first"), Process("second")
    executor.start(first)
    once = seen(first)
    assert len(once) == 2 and all(loaded for _, loaded in once), "two replicas, models loaded"
    assert seen(first) == once
    assert not {pid for pid, _ in seen(second)} & {pid for pid, _ in once}
    executor.close()


NICENESS = """
import os, ray
from instructprobe.retrievers.rayexec import connect
connect(None)
worker = ray.get(ray.remote(lambda: os.nice(0)).remote())
print(os.nice(0), worker, os.environ.get("RAY_worker_niceness"))
"""


@pytest.mark.slow
def test_a_new_local_cluster_runs_its_workers_at_the_drivers_priority():
    """Not Ray's niceness 15, under which a replica gets a fraction of a shared machine's CPU;
    the driver's environment is left as it was."""
    import os
    import subprocess

    environment = {k: v for k, v in os.environ.items() if k != "RAY_worker_niceness"}
    done = subprocess.run(
        [sys.executable, "-c", NICENESS],
        capture_output=True,
        text=True,
        timeout=300,
        env={**environment, "RAY_AUTH_MODE": "disabled", "RAY_ADDRESS": ""},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["0", "0", "None"]
