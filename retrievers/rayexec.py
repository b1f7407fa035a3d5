"""The ``ray`` executor: what the cache lacks, spread over a pool of model replicas with Ray.

A pool is ``workers`` Ray actors (``_Replica``: one replica of the model each; one per GPU of
the cluster by default, else one using the cluster's CPUs), started once per model and kept
for the run: ``start`` starts them (the run calls it before it loads and plans the suite, so
the workers' imports and the model's load overlap the driver's planning), and each call of the
compute step hands them its chunks, two at a time per replica (one computing, one waiting), and
yields each chunk as it comes back (``ray.wait``); the driver stores it in its cache. A chunk is
one call of the replica's ``compute``, so a replica computes exactly the batch the local
executor would. An actor that dies is started again by Ray and its chunks computed again
(``max_restarts=-1``, ``max_task_retries=-1``).

Plain actors rather than Ray Data's ``map_batches``: for the shapes a run sends (a few chunks of
a few hundred texts per call, one call per corpus and per chunk of the plan) a pipeline per
call started a new actor pool, and loaded the model again, every call, and its streaming
executor held the driver's CPU; ``benchmarks/ray_breakdown.py`` measures where the time goes.

The cluster is ``--ray-address``, else ``$RAY_ADDRESS``, else a local one started for the run
(all of this machine's cores). A replica loads its model from the same path as the driver, so
on a cluster of several machines each needs the model at that path (or the hub id in its
cache) and instructprobe installed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from instructprobe.core.interrupts import INJECT_VARIABLE, ONCE_VARIABLE, checkpoint
from instructprobe.retrievers.executors import (
    IN_FLIGHT,
    Chunk,
    Executor,
    ExecutorError,
    Replicable,
)

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

INSTALL = "pip install 'instructprobe[ray]'"
CONNECT_SECONDS = 3.0
"""How long an address may take to answer before the run stops: seconds, not Ray's minute of
retries."""
LOCAL_ADDRESSES = ("auto", "local")
NICENESS = "RAY_worker_niceness"


class _Replica:
    """A Ray actor: one replica of the model, computing one chunk per call. A CPU replica runs
    torch on as many threads as the CPUs it was given (``threads``), whatever
    ``OMP_NUM_THREADS`` the worker process inherited; a GPU replica keeps torch's default. It
    loads its model when it starts (the retriever's ``load``, where it has one)."""

    def __init__(self, replica: Replicable, threads: int | None) -> None:
        if threads is not None:
            import torch

            torch.set_num_threads(threads)
        self._replica = replica
        load = getattr(replica, "load", None)
        if load is not None:
            load()

    def compute(self, items: list[Any], role: str) -> npt.NDArray[np.float32]:
        import numpy as np

        checkpoint("compute")
        return np.ascontiguousarray(self._replica.compute(items, role), dtype=np.float32)


def _ray() -> Any:
    try:
        import ray
    except ImportError:
        raise ExecutorError(f"--executor ray needs Ray, an optional extra: {INSTALL}") from None
    return ray


def _reachable(address: str) -> None:
    """One line within seconds when nothing answers at ``address`` (``host:port`` or
    ``ray://host:port``), instead of Ray's long retries."""
    import socket

    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        raise ExecutorError(
            f"Ray address {address!r}: expected HOST:PORT or ray://HOST:PORT (or auto)"
        )
    try:
        socket.create_connection((host.strip("[]"), int(port)), CONNECT_SECONDS).close()
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise ExecutorError(
            f"no Ray cluster answers at {address} ({reason}): start one with `ray start "
            "--head`, or give no --ray-address (and no RAY_ADDRESS) to run on a local one"
        ) from None


def connect(address: str | None) -> Any:
    """The ``ray`` module, connected to the cluster at ``address`` (or ``$RAY_ADDRESS``), or to
    a new local cluster; a driver already connected stays on its cluster."""
    ray = _ray()
    if ray.is_initialized():
        return ray
    address = address or os.environ.get("RAY_ADDRESS") or None
    if address is not None and address not in LOCAL_ADDRESSES:
        _reachable(address)
    new = address in (None, "local")
    try:
        with _workers_at_full_priority(new):
            # No address is a new local cluster: Ray itself would join the cluster named in
            # /tmp/ray/ray_current_cluster, which a `ray start` that did not end with `ray stop`
            # leaves behind, pointing at nothing. It starts no dashboard: one process fewer on
            # the run's cores.
            ray.init(
                address=address or "local",
                log_to_driver=False,
                logging_level="ERROR",
                **({"include_dashboard": False} if new else {}),
            )
    except (ConnectionError, RuntimeError, ValueError) as error:
        first = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise ExecutorError(f"cannot connect to the Ray cluster at {address}: {first}") from None
    return ray


@contextmanager
def _workers_at_full_priority(new: bool) -> Iterator[None]:
    """Ray starts its workers at niceness 15 (``RAY_worker_niceness``), so on a machine with
    other work a replica gets a fraction of the CPU the same model gets in the driver. A new
    local cluster's replicas are the run's work: its workers start at the driver's niceness,
    unless ``RAY_worker_niceness`` says otherwise. (A standing cluster keeps what it was
    started with: ``RAY_worker_niceness=0 ray start ...``.)"""
    if not new or NICENESS in os.environ:
        yield
        return
    os.environ[NICENESS] = "0"  # read by the raylet that ray.init starts
    try:
        yield
    finally:
        os.environ.pop(NICENESS, None)


class RayExecutor(Executor):
    """A pool of replica actors per model, started once (``start``) and kept until ``close``;
    one model's pool at a time, so a model's replicas have the cluster's CPUs or GPUs."""

    def __init__(self, address: str | None = None, workers: int | None = None) -> None:
        self._ray = connect(address)
        resources = self._ray.cluster_resources()
        gpus = int(resources.get("GPU", 0))
        self.replicas = workers or max(1, gpus)
        self._resources: dict[str, float] = (
            {"num_gpus": 1}
            if gpus
            else {"num_cpus": max(1, int(resources.get("CPU", 1)) // self.replicas)}
        )
        self.threads: int | None = None if gpus else int(self._resources["num_cpus"])
        """torch threads of each replica: the CPUs it was given (None on GPUs)."""
        self.description = f"ray {self.replicas} replica{'s' * (self.replicas > 1)}"
        self._model: Replicable | None = None
        """The retriever whose replicas run (held, so its identity cannot pass to another)."""
        self._actors: list[Any] = []

    def _options(self) -> dict[str, Any]:
        injected = {k: os.environ[k] for k in (INJECT_VARIABLE, ONCE_VARIABLE) if k in os.environ}
        extra = {"runtime_env": {"env_vars": injected}} if injected else {}
        return {**self._resources, "max_restarts": -1, "max_task_retries": -1, **extra}

    def start(self, retriever: Replicable) -> None:
        """Start ``retriever``'s replicas (they load the model) unless they are running; the
        pool of another model is stopped first."""
        if self._model is retriever:
            return
        self.close()
        actor = self._ray.remote(_Replica).options(**self._options())
        replica = retriever.replica(None)
        self._actors = [actor.remote(replica, self.threads) for _ in range(self.replicas)]
        self._model = retriever

    def run(
        self, retriever: Replicable, chunks: Sequence[Chunk]
    ) -> Iterator[tuple[Chunk, npt.NDArray[np.float32]]]:
        if not chunks:
            return
        self.start(retriever)
        waiting = list(reversed(chunks))
        running: dict[Any, tuple[Any, Chunk]] = {}

        def hand(actor: Any) -> None:
            if waiting:
                chunk = waiting.pop()
                running[actor.compute.remote(list(chunk.items), chunk.role)] = (actor, chunk)

        for _ in range(IN_FLIGHT):
            for actor in self._actors:
                hand(actor)
        try:
            while running:
                done, _ = self._ray.wait(list(running), num_returns=1)
                actor, chunk = running.pop(done[0])
                rows = self._ray.get(done[0])
                hand(actor)
                yield chunk, rows
        finally:
            for reference in running:
                self._ray.cancel(reference)

    def close(self) -> None:
        for actor in self._actors:
            self._ray.kill(actor)
        self._actors = []
        self._model = None


__all__ = ["RayExecutor", "connect"]
