"""Where the time of a small ``--executor ray`` run goes, beside the same run locally.

    .venv/bin/python benchmarks/ray_breakdown.py [--documents 1000] [--executor ray]
        [--address HOST:PORT] [--json benchmarks/results/ray_breakdown.json]

One cold run (an empty cache) of the scaling benchmark's job (benchmarks/scaling.py: 20
InstructIR queries over ``--documents`` documents, MiniLM) in this process, through
``instructprobe.probes.runner.execute``, with the steps it goes through timed from the outside
(each wrapped, nothing of the run changed): importing the package, connecting to the cluster
(a new local one of ``--cpus`` CPUs unless ``--address``), making the executor, loading the
suite, planning, each encode call (the time to its first chunk back, which on Ray holds the
replica's start and its model's load, and to its last), the driver's cache writes, the
statistics, and closing. The rest of the run (ranking, measuring) is what is left of the
measured total. CPU seconds too, which the machine's other jobs change less than wall
seconds: the driver's (in the whole run and in the encode calls) and, on a new local cluster,
its processes' (read with ``psutil`` every half second while the run runs). ``--executor
local`` gives the same breakdown of the local run. One run per call, appended to ``--json``:
run them back to back, and read the machine's load written beside the numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

STARTED = time.perf_counter()
HERE = Path(__file__).resolve().parent
Spans = dict[str, list[float]]


def timed_call(spans: Spans, label: str, function: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spans[label].append(time.perf_counter() - start)

    return wrapper


def timed_chunks(spans: Spans, function: Callable[..., Iterator[Any]]) -> Callable[..., Any]:
    """An executor's ``run``: the time to its first chunk back, and to its last."""

    def wrapper(*args: Any, **kwargs: Any) -> Iterator[Any]:
        start, cpu = time.perf_counter(), time.process_time()
        first = None
        for item in function(*args, **kwargs):
            if first is None:
                first = time.perf_counter() - start
                spans["encode call: first chunk back"].append(first)
            yield item
        spans["encode call: whole"].append(time.perf_counter() - start)
        spans["encode call: the driver's CPU"].append(time.process_time() - cpu)

    return wrapper


def counted_draws(spans: Spans, function: Callable[..., Any]) -> Callable[..., Any]:
    """``adjusted_summaries``: the draws its groups cost (``rayanalysis.draws``), and its time
    (the summaries the driver makes, and the p-values' adjustment)."""

    def wrapper(groups: Any, seed: int, resamples: int, *args: Any, **kwargs: Any) -> Any:
        spans["statistics: draws"].append(resamples * sum(len(g.values) for g in groups))
        start = time.perf_counter()
        try:
            return function(groups, seed, resamples, *args, **kwargs)
        finally:
            spans["statistics: adjusted summaries on the driver"].append(
                time.perf_counter() - start
            )

    return wrapper


def instrument(spans: Spans, executor: str) -> None:
    from instructprobe.probes import runner
    from instructprobe.retrievers import cache, dense, executors

    wrap = [
        (runner, "load_suite", "load suite"),
        (runner, "executor_for", "make the executor (connects)"),
        (runner, "summaries_for", "make the summaries (connects)"),
        (runner.Runner, "plan", "plan"),
        (runner.Runner, "measure_all", "rank and measure"),
        (runner.Runner, "analyse", "statistics and records"),
        (cache.EmbeddingCache, "put", "cache writes"),
        (dense, "load_model", "model load on the driver"),
    ]
    if executor == "ray":
        from instructprobe.probes import rayanalysis
        from instructprobe.retrievers import rayexec

        wrap += [
            (rayexec, "connect", "connect"),
            (rayanalysis.RaySummaries, "__call__", "summaries as Ray tasks"),
            (rayexec.RayExecutor, "close", "close the executor"),
        ]
        rayexec.RayExecutor.run = timed_chunks(spans, rayexec.RayExecutor.run)  # type: ignore[method-assign]
    else:
        executors.LocalExecutor.run = timed_chunks(spans, executors.LocalExecutor.run)  # type: ignore[method-assign]
    summaries = "adjusted_summaries"  # the runner's own name for it, wrapped where it is used
    setattr(runner, summaries, counted_draws(spans, getattr(runner, summaries)))
    for owner, name, label in wrap:
        setattr(owner, name, timed_call(spans, label, getattr(owner, name)))


class ClusterCPU:
    """CPU seconds of the processes this one started (a local cluster: its GCS, raylet and
    workers), read every ``period`` seconds by a thread, each process's last reading kept: a
    worker that was stopped counts up to its last reading."""

    def __init__(self, period: float = 0.5) -> None:
        import threading

        self._seen: dict[int, tuple[str, float]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, args=(period,), daemon=True)
        self._thread.start()

    def _watch(self, period: float) -> None:
        while not self._stop.wait(period):
            self.read()

    def read(self) -> None:
        import psutil  # type: ignore[import-untyped]

        for process in psutil.Process().children(recursive=True):
            try:
                times = process.cpu_times()
                name = process.name()
            except psutil.Error:
                continue
            self._seen[process.pid] = (name, times.user + times.system)

    def seconds(self) -> dict[str, float]:
        """Each kind of process's CPU seconds (Ray names a worker by its actor or task)."""
        self._stop.set()
        self._thread.join()
        self.read()
        found: dict[str, float] = defaultdict(float)
        for name, seconds in self._seen.values():
            found[name] += seconds
        return dict(sorted(found.items(), key=lambda item: -item[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--queries", type=int, default=20)
    parser.add_argument("--executor", default="ray", choices=("ray", "local"))
    parser.add_argument("--address", default=None, help="a standing cluster (default: a new one)")
    parser.add_argument("--cpus", type=int, default=2, help="the new local cluster's CPUs")
    parser.add_argument("--label", default="")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    os.environ.update(HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false", RAY_AUTH_MODE="disabled")
    load_before = [round(x, 2) for x in os.getloadavg()]

    spans: Spans = defaultdict(list)
    start = time.perf_counter()
    from instructprobe.probes.request import RunRequest
    from instructprobe.probes.runner import execute
    from instructprobe.suites import load_suite
    from instructprobe.suites.jsonl import write_suite

    sys.path.insert(0, str(HERE))
    from scaling import Point, grown_suite

    imported = time.perf_counter() - start
    work = Path(tempfile.mkdtemp(prefix="ray_breakdown."))
    suite = work / "suite.jsonl"
    point = Point(args.documents, args.queries)
    write_suite(grown_suite(load_suite("instructir-lite"), point, 24), suite)
    if args.executor == "ray" and args.address is None:
        import ray

        begun = time.perf_counter()
        ray.init(address="local", num_cpus=args.cpus, include_dashboard=False, log_to_driver=False)
        spans["ray.init (a new local cluster)"].append(time.perf_counter() - begun)
    cluster = ClusterCPU()
    instrument(spans, args.executor)
    settings = {"retrievers": "minilm", "suite": str(suite), "cache_dir": str(work / "cache")}
    if args.executor == "ray":
        settings.update(executor="ray", ray_address=args.address or "auto")
    request = RunRequest.create(settings)
    begun, cpu = time.perf_counter(), time.process_time()
    execute(request)
    run, driver_cpu = time.perf_counter() - begun, time.process_time() - cpu
    shutdown, cluster_cpu = 0.0, {}
    if args.executor == "ray":
        import ray

        cluster_cpu = cluster.seconds()
        begun = time.perf_counter()
        ray.shutdown()
        shutdown = time.perf_counter() - begun
    totals = {label: sum(times) for label, times in spans.items()}
    counts = {label: len(times) for label, times in spans.items() if len(times) > 1}
    numbers = {
        "label": args.label,
        "executor": args.executor,
        "documents": args.documents,
        "standing cluster": args.address is not None,
        "load before": load_before,
        "imports (s)": imported,
        "execute (s)": run,
        "ray.shutdown (s)": shutdown,
        "the driver's CPU in execute (s)": driver_cpu,
        "the cluster's CPU (s)": sum(cluster_cpu.values()),
        "the cluster's CPU by process (s)": cluster_cpu,
        "process so far (s)": time.perf_counter() - STARTED,
        "steps (s)": totals,
        "calls": counts,
        "first chunk back, each call (s)": spans.get("encode call: first chunk back", []),
        "load after": [round(x, 2) for x in os.getloadavg()],
    }
    print(json.dumps(numbers, indent=1))
    if args.json is not None:
        found = json.loads(args.json.read_text()) if args.json.exists() else []
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps([*found, numbers], indent=1) + "\n")


if __name__ == "__main__":
    main()
