"""Where the encode/score step runs: in this process, in one process per device, or on Ray.

The driver (the process of the run) owns the embedding cache. It looks up what the cache
holds, cuts what it lacks into chunks, hands the chunks to an ``Executor`` and stores each
chunk's vectors (or pair scores) as they come back, one cache transaction per chunk. Workers
hold a *replica* of the model (``Replicable.replica``: the retriever without its cache or its
loaded model, on the worker's device, in the precision the driver's cache records) and never
see the cache. The chunks are the same whichever executor runs them, and a replica computes a
chunk exactly as the driver would, so a run's results do not depend on where it ran.

* ``LocalExecutor``: this process (the default).
* ``DevicePool``: one worker process per listed device (``--device cuda:0,cuda:1``; on the
  CPU, ``cpu,cpu`` runs two processes), each with its own replica, kept for the whole run.
* ``RayExecutor`` (``retrievers.rayexec``): a pool of replica actors on a Ray cluster.
"""

from __future__ import annotations

import abc
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from instructprobe.core.errors import InstructprobeError
from instructprobe.core.interrupts import checkpoint

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

    import numpy as np
    import numpy.typing as npt

R = TypeVar("R", bound="Replicable")
E = TypeVar("E", bound="Executor")


class ExecutorError(InstructprobeError):
    """The encode/score step cannot run where it was asked to (a missing extra, an unreachable
    cluster, a worker that keeps dying)."""


class Replicable(Protocol):
    """A model-backed retriever whose compute step can run on a copy of itself elsewhere."""

    name: str

    def compute(self, items: Sequence[Any], role: str) -> npt.NDArray[np.float32]:
        """One float32 row per item (a text's vector, or a pair's score as a 1-wide row)."""

    def replica(self: R, device: str | None) -> R:
        """A copy to ship to a worker: no cache, no loaded model, on ``device``."""


@dataclass(frozen=True)
class Chunk:
    """One unit of work: ``items`` of ``role`` that the cache lacks, the ``index``-th chunk."""

    index: int
    items: tuple[Any, ...]
    role: str


class Executor(abc.ABC):
    """Runs a retriever's compute step over chunks; results come back as they finish."""

    description = "local"
    """What results files record as where the step ran."""

    @abc.abstractmethod
    def run(
        self, retriever: Replicable, chunks: Sequence[Chunk]
    ) -> Iterator[tuple[Chunk, npt.NDArray[np.float32]]]:
        """Each chunk with its rows, in any order; the caller stores them as they come."""

    def start(self, retriever: Replicable) -> None:  # noqa: B027 (most start on first use)
        """Start the workers that will compute for ``retriever`` now, before its first chunk
        comes (nothing for the local one)."""

    def close(self) -> None:  # noqa: B027 (most executors start nothing to stop)
        """Stop the workers this executor started (nothing for the local one)."""

    def __enter__(self: E) -> E:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class LocalExecutor(Executor):
    """The compute step in this process, chunk by chunk in order."""

    def run(
        self, retriever: Replicable, chunks: Sequence[Chunk]
    ) -> Iterator[tuple[Chunk, npt.NDArray[np.float32]]]:
        for chunk in chunks:
            yield chunk, retriever.compute(list(chunk.items), chunk.role)


LOCAL = LocalExecutor()

_replica: Any = None
"""The replica of a ``DevicePool`` worker process (set by its initializer)."""

IN_FLIGHT = 2
"""Chunks handed to each device at once: one computing, one waiting, so a device never idles
on the driver's round trip."""
RESTARTS = 2
"""Times a device's worker process may die before the run stops with an error."""


def _start_worker(replica: Any, threads: int | None) -> None:
    global _replica
    if threads is not None:
        import torch

        torch.set_num_threads(threads)
    _replica = replica


def _compute(items: list[Any], role: str) -> Any:
    checkpoint("compute")
    return _replica.compute(items, role)


class DevicePool(Executor):
    """One worker process per device (spawned, so CUDA starts clean in each), each holding a
    replica for the whole run; chunks go to whichever device is free. A worker that dies is
    started again and its chunk computed again, up to ``RESTARTS`` times per device."""

    def __init__(self, devices: Sequence[str], cpu_threads: int | None = None) -> None:
        if not devices:
            raise ExecutorError("--executor devices needs devices: --device cuda:0,cuda:1")
        self.devices = tuple(devices)
        self.description = "devices " + ",".join(self.devices)
        self._cpu_threads = cpu_threads
        self._pools: dict[int, list[ProcessPoolExecutor]] = {}
        self._replicas: dict[int, list[Any]] = {}

    def _threads(self, device: str) -> int | None:
        """CPU workers share the cores; a GPU worker keeps torch's default."""
        if not device.startswith("cpu"):
            return None
        import os

        return self._cpu_threads or max(1, (os.cpu_count() or 1) // len(self.devices))

    def _start(self, replica: Any, device: str) -> ProcessPoolExecutor:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        return ProcessPoolExecutor(
            1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(replica, self._threads(device)),
        )

    def _pools_for(self, retriever: Replicable) -> list[ProcessPoolExecutor]:
        key = id(retriever)
        if key not in self._pools:
            self._replicas[key] = [retriever.replica(d) for d in self.devices]
            self._pools[key] = [
                self._start(r, d) for r, d in zip(self._replicas[key], self.devices, strict=True)
            ]
        return self._pools[key]

    def run(
        self, retriever: Replicable, chunks: Sequence[Chunk]
    ) -> Iterator[tuple[Chunk, npt.NDArray[np.float32]]]:
        from concurrent.futures import FIRST_COMPLETED, wait
        from concurrent.futures.process import BrokenProcessPool

        pools = self._pools_for(retriever)
        waiting = list(reversed(chunks))
        running: dict[Future[Any], tuple[int, Chunk]] = {}
        deaths = [0] * len(pools)

        def fill(slot: int) -> None:
            busy = sum(1 for s, _ in running.values() if s == slot)
            for _ in range(IN_FLIGHT - busy):
                if waiting:
                    chunk = waiting.pop()
                    future = pools[slot].submit(_compute, list(chunk.items), chunk.role)
                    running[future] = (slot, chunk)

        for slot in range(len(pools)):
            fill(slot)
        try:
            while running:
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    if future not in running:
                        continue  # lost with its worker (below) and queued again already
                    slot, chunk = running.pop(future)
                    try:
                        rows = future.result()
                    except BrokenProcessPool:
                        # Every chunk on that worker is lost with it: all go back in the queue.
                        lost = [f for f, (s, _) in running.items() if s == slot]
                        waiting += [chunk, *(running.pop(f)[1] for f in lost)]
                        pools[slot] = self._restart(retriever, slot, deaths)
                        fill(slot)
                        continue
                    yield chunk, rows
                    fill(slot)
        finally:
            for future in running:
                future.cancel()

    def _restart(self, retriever: Replicable, slot: int, deaths: list[int]) -> ProcessPoolExecutor:
        deaths[slot] += 1
        device = self.devices[slot]
        if deaths[slot] > RESTARTS:
            raise ExecutorError(
                f"{retriever.name}: the worker on {device} died {deaths[slot]} times; "
                "see its output above, or run with --executor local"
            )
        key = id(retriever)
        self._pools[key][slot].shutdown(wait=False, cancel_futures=True)
        self._pools[key][slot] = self._start(self._replicas[key][slot], device)
        return self._pools[key][slot]

    def close(self) -> None:
        for pools in self._pools.values():
            for pool in pools:
                pool.shutdown(wait=True, cancel_futures=True)
        self._pools.clear()
        self._replicas.clear()


__all__ = [
    "LOCAL",
    "Chunk",
    "DevicePool",
    "Executor",
    "ExecutorError",
    "LocalExecutor",
    "Replicable",
]
