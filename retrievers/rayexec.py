"""The ``ray`` executor: what the cache lacks, spread over a pool of model replicas with Ray.

Each call of the compute step is one Ray Data pipeline: the chunks become rows
(``from_items``), ``map_batches`` runs them through an actor pool of ``_Replica`` actors (one
replica of the model each, ``workers`` of them: one per GPU of the cluster by default, else
one using the cluster's CPUs), and the rows come back to the driver as each finishes; the
driver stores them in its cache. A chunk is one batch, so a replica computes exactly the batch
the local executor would. Ray Data starts an actor that died again and runs its batch again
(its actor pools restart actors and retry their tasks without limit, ``max_restarts=-1`` and
``max_task_retries=-1``).

The cluster is ``--ray-address``, else ``$RAY_ADDRESS``, else a local one started for the run
(all of this machine's cores). A replica loads its model from the same path as the driver, so
on a cluster of several machines each needs the model at that path (or the hub id in its
cache) and instructprobe installed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from instructprobe.core.interrupts import INJECT_VARIABLE, ONCE_VARIABLE, checkpoint
from instructprobe.retrievers.executors import Chunk, Executor, ExecutorError, Replicable

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

INSTALL = "pip install 'instructprobe[ray]'"
CONNECT_SECONDS = 3.0
"""How long an address may take to answer before the run stops: seconds, not Ray's minute of
retries."""
LOCAL_ADDRESSES = ("auto", "local")


class _Replica:
    """A Ray Data actor: one replica of the model, computing one chunk per batch. A CPU
    replica runs torch on as many threads as the CPUs the pool gave it (``threads``), whatever
    ``OMP_NUM_THREADS`` the worker process inherited; a GPU replica keeps torch's default."""

    def __init__(self, replica: Replicable, threads: int | None) -> None:
        if threads is not None:
            import torch

            torch.set_num_threads(threads)
        self._replica = replica

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        import numpy as np

        blobs, widths = [], []
        for payload, role in zip(batch["payload"], batch["role"], strict=True):
            checkpoint("compute")
            rows = np.ascontiguousarray(self._replica.compute(json.loads(payload), str(role)))
            blobs.append(rows.astype("<f4").tobytes())
            widths.append(rows.shape[1])
        return {
            "index": np.asarray(batch["index"]),
            "rows": np.array(blobs, dtype=object),
            "width": np.asarray(widths, dtype=np.int64),
        }


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
    try:
        # No address is a new local cluster: Ray itself would join the cluster named in
        # /tmp/ray/ray_current_cluster, which a `ray start` that did not end with `ray stop`
        # leaves behind, pointing at nothing.
        ray.init(address=address or "local", log_to_driver=False, logging_level="ERROR")
    except (ConnectionError, RuntimeError, ValueError) as error:
        first = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise ExecutorError(f"cannot connect to the Ray cluster at {address}: {first}") from None
    return ray


class RayExecutor(Executor):
    """Ray Data ``map_batches`` over an actor pool of replicas, one pipeline per call."""

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
        self._quiet()

    def _quiet(self) -> None:
        """The run's own progress bars show the cluster's progress (one step per chunk that
        comes back); Ray Data's bars and execution logs would write over them."""
        import logging

        context = self._ray.data.DataContext.get_current()
        context.enable_progress_bars = False
        context.print_on_execution_start = False
        context.verbose_stats_logs = False
        logging.getLogger("ray.data").setLevel(logging.ERROR)

    def _remote_args(self) -> dict[str, Any]:
        injected = {k: os.environ[k] for k in (INJECT_VARIABLE, ONCE_VARIABLE) if k in os.environ}
        extra = {"runtime_env": {"env_vars": injected}} if injected else {}
        return {**self._resources, **extra}

    def run(
        self, retriever: Replicable, chunks: Sequence[Chunk]
    ) -> Iterator[tuple[Chunk, npt.NDArray[np.float32]]]:
        import numpy as np

        if not chunks:
            return
        rows = [
            {"index": c.index, "payload": json.dumps(list(c.items)), "role": c.role} for c in chunks
        ]
        data = self._ray.data
        dataset = data.from_items(rows).map_batches(
            _Replica,
            fn_constructor_args=(retriever.replica(None), self.threads),
            batch_size=1,
            compute=data.ActorPoolStrategy(size=min(self.replicas, len(chunks))),
            **self._remote_args(),
        )
        by_index = {c.index: c for c in chunks}
        for row in dataset.iter_rows():
            chunk = by_index[int(row["index"])]
            width = int(row["width"])
            yield chunk, np.frombuffer(row["rows"], dtype="<f4").reshape(len(chunk.items), width)


__all__ = ["RayExecutor", "connect"]
