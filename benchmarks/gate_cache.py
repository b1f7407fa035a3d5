"""A release gate right after the identical ``probe run`` is answered from the caches.

    .venv/bin/python benchmarks/gate_cache.py [--repeats 3]

With an empty cache folder of its own, times (fresh processes, wall clock):

1. ``probe run`` cold: the request of docs/examples/release-gates.toml (BM25 and MiniLM on the
   starter suite, 2,000 resamples), as flags;
2. ``probe run`` again (warm), median of ``--repeats``;
3. ``probe gate docs/examples/release-gates.toml``, which makes that same request, median of
   ``--repeats``: it reads the embeddings and the plan the run left;
4. the same gate with ``cache = false`` in its ``[run]``: what every gate cost before the gate
   and the run shared one request.

Prints a table and writes benchmarks/results/gate_cache.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import ENV

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
GATES = ROOT / "docs" / "examples" / "release-gates.toml"
PROBE = str(Path(sys.executable).with_name("probe"))
RUN = [PROBE, "run", "-r", "bm25,minilm", "--suite", "starter", "--resamples", "2000", "-q"]
GATE_EXIT = (0, 1)
"""A gate that fails a check exits 1 (the example gate fails BM25 on negation): still timed."""


def seconds(command: list[str], env: dict[str, str], allowed: tuple[int, ...] = (0,)) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode not in allowed:
        raise SystemExit(f"{' '.join(command)} exited {done.returncode}: {done.stderr[-500:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", type=Path, default=HERE / "results" / "gate_cache.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        env = {**ENV, "INSTRUCTPROBE_CACHE_DIR": str(Path(folder) / "cache")}
        uncached = Path(folder) / "uncached.toml"
        text = GATES.read_text(encoding="utf-8")
        uncached.write_text(text.replace("[run]\n", "[run]\ncache = false\n", 1), "utf-8")
        cold = seconds([*RUN, "--out", os.devnull], env)
        warm = [seconds([*RUN, "--out", os.devnull], env) for _ in range(args.repeats)]
        gate = [
            seconds([PROBE, "gate", str(GATES), "-q"], env, GATE_EXIT) for _ in range(args.repeats)
        ]
        no_cache = seconds([PROBE, "gate", str(uncached), "-q"], env, GATE_EXIT)
    rows = {
        "probe run, cold (s)": cold,
        "probe run, warm (s)": statistics.median(warm),
        "probe gate after the run (s)": statistics.median(gate),
        "probe gate without the cache (s)": no_cache,
    }
    rows["gate after the run / warm run"] = (
        rows["probe gate after the run (s)"] / rows["probe run, warm (s)"]
    )
    rows["gate without the cache / gate after the run"] = (
        no_cache / rows["probe gate after the run (s)"]
    )
    for name, value in rows.items():
        print(f"{name:<48} {value:8.2f}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "gates": str(GATES.relative_to(ROOT)),
        "repeats": args.repeats,
        "samples (s)": {"warm run": warm, "gate": gate},
        **{name: round(value, 3) for name, value in rows.items()},
    }
    args.json.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
