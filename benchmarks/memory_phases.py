"""Where a run's memory goes, phase by phase: what the driver holds after reading the suite,
after planning, after ranking and measuring, and after the statistics.

    .venv/bin/python benchmarks/memory_phases.py --limit 2000 --cache-dir DIR [--trace]
        [--retriever bm25] [--json FILE --label NAME]

One ``Runner`` over instructir-lite, its steps called one by one (``plan``, ``measure_all``,
``analyse``), as ``probe run -r RETRIEVER --suite instructir-lite --limit N`` does them. After
each step: the RSS (``/proc/self/status``: VmRSS, and VmHWM, the peak so far) and, with
``--trace``, the bytes Python allocated and still holds (tracemalloc, which slows the run
several times). The difference of a step's numbers between two ``--limit`` values, divided by
the difference of the queries, is what that step holds per query. ``--cache-dir`` is the run's
cache: a cache a run of the same request filled makes the run warm.
"""

from __future__ import annotations

import argparse
import json
import os
import tracemalloc
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def status_mib(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


class Phases:
    def __init__(self, trace: bool) -> None:
        self.trace = trace
        self.rows: list[dict[str, Any]] = []
        if trace:
            tracemalloc.start()

    def mark(self, phase: str) -> None:
        row: dict[str, Any] = {
            "phase": phase,
            "RSS (MiB)": round(status_mib("VmRSS"), 1),
            "peak RSS (MiB)": round(status_mib("VmHWM"), 1),
        }
        if self.trace:
            current, peak = tracemalloc.get_traced_memory()
            row |= {"traced (MiB)": round(current / 2**20, 1)}
            row |= {"traced peak (MiB)": round(peak / 2**20, 1)}
            tracemalloc.reset_peak()
        self.rows.append(row)
        print(row, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, required=True)
    parser.add_argument("--cache-dir", required=True)
    parser.add_argument("--retriever", default="bm25")
    parser.add_argument("--trace", action="store_true")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--label", default="")
    args = parser.parse_args()

    from instructprobe.probes.request import RunRequest
    from instructprobe.probes.runner import Runner, resolve_retrievers
    from instructprobe.suites import load_suite

    phases = Phases(args.trace)
    request = RunRequest.create(
        {
            "retrievers": args.retriever,
            "suite": "instructir-lite",
            "limit": args.limit,
            "cache_dir": args.cache_dir,
        },
        "memory_phases",
    )
    suite = load_suite("instructir-lite")
    runner = Runner(request, suite, resolve_retrievers(request))
    phases.mark("suite read")
    planned = runner.plan()
    phases.mark("planned")
    store = runner.measure_all(planned)
    phases.mark("ranked and measured")
    runner.analyse(store.measured, planned)
    phases.mark("statistics")
    if args.json is not None:
        numbers = json.loads(args.json.read_text()) if args.json.exists() else {}
        numbers[f"{args.label}{args.limit}"] = phases.rows
        args.json.write_text(json.dumps(numbers, indent=1) + "\n")


if __name__ == "__main__":
    main()
