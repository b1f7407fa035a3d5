"""A run's statistics on the driver against the same statistics as Ray tasks (--executor ray).

    .venv/bin/python benchmarks/analysis_tasks.py [--limit 300] [--resamples 10000]
        [--retrievers bm25,second=bm25] [--cpus 2] [--repeats 3] [--cache-dir DIR]

The job: instructir-lite's first ``--limit`` queries, ranked by two BM25 retrievers (the same
model under two names: two retrievers' statistics, without a model to encode with). It is
planned and measured once; then what the run does after measuring (``Runner.analyse``: the
cells' and strata's summaries, the adjusted p-values, the verdicts) is timed on the driver
alone and with the summaries as Ray tasks (one per retriever and family) on a local cluster of
``--cpus`` CPUs, alternately, ``--repeats`` times each. The first Ray round is reported apart:
as in a run, the summaries' workers were started while the job was planned and measured (that
phase is timed with and without them), and warmed up (their imports) by then. Then once more on
a new cluster with the summaries made just before they are needed (workers cold: a CPU cluster
whose model replicas held every CPU until the statistics). The job's draws (every group's values
times the resamples, ``rayanalysis.draws``) are recorded, to set ``TASKS_FROM_DRAWS`` from runs
at several ``--limit``s. Both give the same records (checked).

One process, one run (the machine is shared: its load is recorded before and after). Results go
to ``--json`` (default benchmarks/results/analysis_tasks.json).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def measured_job(args: argparse.Namespace) -> tuple[Any, Any, list[Any]]:
    """The runner, its plan and each retriever's measured rankings (not timed)."""
    from instructprobe.probes.request import RunRequest
    from instructprobe.probes.runner import Runner, resolve_retrievers
    from instructprobe.suites import load_suite

    request = RunRequest.create(
        {
            "retrievers": args.retrievers,
            "suite": "instructir-lite",
            "limit": args.limit,
            "resamples": args.resamples,
            "cache_dir": args.cache_dir or tempfile.mkdtemp(prefix="analysis-tasks."),
        }
    )
    runner = Runner(request, load_suite("instructir-lite"), resolve_retrievers(request))
    planned = runner.plan()
    return runner, planned, [runner.measure(r, planned) for r in runner.retrievers]


def timed_analysis(runner: Any, planned: Any, measured: list[Any]) -> tuple[float, str]:
    start = time.perf_counter()
    records = runner.analyse(measured, planned)
    return time.perf_counter() - start, repr(records)


def cold_round(args: argparse.Namespace, runner: Any, planned: Any, measured: list[Any]) -> float:
    """The summaries as tasks on a new cluster, made just before they are needed: their workers
    start (and import) with them, as on a run whose model replicas held every CPU until then."""
    import ray

    from instructprobe.probes.rayanalysis import RaySummaries

    ray.init(address="local", num_cpus=args.cpus, include_dashboard=False, log_to_driver=False)
    start = time.perf_counter()
    runner.summaries = RaySummaries(ray)
    timed_analysis(runner, planned, measured)
    seconds = time.perf_counter() - start  # with the summaries' making (their warm-up tasks)
    ray.shutdown()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--retrievers", default="bm25,second=bm25")
    parser.add_argument("--limit", type=int, default=300)
    parser.add_argument("--resamples", type=int, default=10_000)
    parser.add_argument("--cpus", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cache-dir", help="a cache that already holds the plan saves its making")
    parser.add_argument("--json", type=Path, default=HERE / "results" / "analysis_tasks.json")
    args = parser.parse_args()

    import ray

    from instructprobe.probes import rayanalysis
    from instructprobe.probes.rayanalysis import RaySummaries

    os.environ["RAY_AUTH_MODE"] = "disabled"  # a cluster of this process alone
    numbers: dict[str, Any] = {"cores": os.cpu_count(), "load before": load()}
    measured_job(args)  # the plan into the cache, and the suite and BM25 into memory
    start = time.perf_counter()
    measured_job(args)
    numbers["plan and measure, alone (s)"] = time.perf_counter() - start
    ray.init(address="local", num_cpus=args.cpus, include_dashboard=False, log_to_driver=False)
    start = time.perf_counter()
    on_ray = RaySummaries(ray)  # as a run makes it: before the plan, its workers warming up
    runner, planned, measured = measured_job(args)
    numbers["plan and measure, workers warming up (s)"] = time.perf_counter() - start
    numbers["job"] = {
        "retrievers": args.retrievers,
        "queries": len(runner.suite.queries),
        "variants": len(planned.variants),
        "resamples": args.resamples,
    }
    rayanalysis.TASKS_FROM_DRAWS = 0  # tasks whatever the job's size: they are what is timed
    runner.summaries = on_ray
    numbers["ray, first round (s)"], first = timed_analysis(runner, planned, measured)
    numbers["job"]["draws"] = on_ray.draws
    local_times, ray_times, same = [], [], True
    for _ in range(args.repeats):
        runner.summaries = None
        seconds, local = timed_analysis(runner, planned, measured)
        local_times.append(seconds)
        runner.summaries = on_ray
        seconds, clustered = timed_analysis(runner, planned, measured)
        ray_times.append(seconds)
        same = same and local == clustered == first
    ray.shutdown()
    numbers["ray, workers cold (s)"] = cold_round(args, runner, planned, measured)
    numbers.update(
        {
            "local (s)": local_times,
            "ray tasks (s)": ray_times,
            "ray / local (medians)": statistics.median(ray_times) / statistics.median(local_times),
            "ray first round / local (median)": numbers["ray, first round (s)"]
            / statistics.median(local_times),
            "records identical": same,
            "load after": load(),
        }
    )
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(numbers, indent=1) + "\n")
    print(json.dumps(numbers, indent=1))


if __name__ == "__main__":
    main()
