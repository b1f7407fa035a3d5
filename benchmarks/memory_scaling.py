"""How the driver's memory and the results' size grow with the number of queries.

    .venv/bin/python benchmarks/memory_scaling.py [--queries 100,500,2000] [--label after]
        [--probe PATH] [--retriever bm25] [--json benchmarks/results/memory_scaling.json]

Each point is ``probe run -r RETRIEVER --suite instructir-lite --limit N --out FILE --quiet``
in a fresh process: first with an empty cache (cold: the plan is made and the paraphrase
filter's MiniLM encodes), then again on that cache (warm: the plan and the embeddings are read
back). Recorded per point: wall seconds, peak RSS and peak anonymous RSS (read every 20 ms) of
both, and the bytes of every file the run wrote (the results JSON, and the Parquet files beside
it where the layout has them). The peak RSS also counts the pages of shared libraries a run
touched, which depend on the page cache (a virtual environment installed minutes before maps
more of, e.g., llvmlite's 100 MB library than one long in use), so curves of different
checkouts compare best by their anonymous RSS.

``--caches DIR`` skips the cold runs: each warm run reads a copy of ``DIR/N/cache``, the
cache an earlier invocation's cold run made (kept in its temporary folder, printed first);
with ``--prime`` the command runs once, unmeasured, before the warm run, so that a plan the copy
lacks (code whose plan key differs) is made, from the cached embeddings.
``--probe`` runs another checkout's command (the code before a change, for the "before" curve);
``--label`` names the curve in the JSON, which keeps the curves already there. The ratios
printed are against the curve named ``before`` when it is in the file; then, for every curve in
the file, the slope of the peak RSS in MiB per query from 500 queries (where the first chunk
of about 4,096 variants is full) to the curve's largest point, warm and cold.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from harness import timed_memory

HERE = Path(__file__).resolve().parent
FULL_CHUNK = 500
"""Queries from which the slope is read: at 500 the first chunk of variants is full."""


def written(out: Path) -> dict[str, int]:
    """The files a run wrote for ``--out out``: the JSON and any companion beside it."""
    return {p.name: p.stat().st_size for p in sorted(out.parent.glob(out.stem + "*"))}


def point(
    probe: str, retriever: str, queries: int, work: Path, caches: Path | None, prime: bool
) -> dict[str, object]:
    folder = work / f"{queries}"
    folder.mkdir()
    out, cache = folder / "results.json", folder / "cache"
    command = [probe, "run", "-r", retriever, "--suite", "instructir-lite", "--quiet"]
    command += ["--limit", str(queries), "--out", str(out), "--cache-dir", str(cache)]
    row: dict[str, object] = {"queries": queries}
    if caches is None:
        row |= measured("cold", command)
    else:  # warm only, on a copy of the cache an earlier cold run made
        shutil.copytree(caches / str(queries) / "cache", cache)
        if prime:
            timed_memory(command)
    row |= measured("warm", command)
    files = written(out)
    return row | {
        "files (bytes)": files,
        "results (MB)": round(sum(files.values()) / 1e6, 2),
    }


def measured(kind: str, command: list[str]) -> dict[str, float]:
    seconds, peak, anon = timed_memory(command)
    return {
        f"{kind} (s)": round(seconds, 1),
        f"{kind} peak RSS (MiB)": round(peak / 1024, 1),
        f"{kind} peak anonymous RSS (MiB)": round(anon / 1024, 1),
    }


def ratios(numbers: dict[str, object], label: str) -> None:
    before, after = numbers.get("before"), numbers.get(label)
    if label == "before" or not isinstance(before, list) or not isinstance(after, list):
        return
    old = {row["queries"]: row for row in before}
    for row in after:
        base = old.get(row["queries"])
        if base is None:
            continue
        print(
            f"{row['queries']:>6} queries: warm peak RSS {row['warm peak RSS (MiB)']:.0f} / "
            f"{base['warm peak RSS (MiB)']:.0f} MiB = "
            f"{row['warm peak RSS (MiB)'] / base['warm peak RSS (MiB)']:.2f}x; results "
            f"{row['results (MB)']:.1f} / {base['results (MB)']:.1f} MB = "
            f"{row['results (MB)'] / base['results (MB)']:.2f}x"
        )


def slope(rows: list[dict[str, Any]], measure: str) -> float | None:
    """MiB per query of ``measure`` from the 500-query point to the largest one."""
    points = sorted((row["queries"], row[measure]) for row in rows if measure in row)
    points = [(q, mib) for q, mib in points if q >= FULL_CHUNK]
    if len(points) < 2:
        return None
    (first, low), (last, high) = points[0], points[-1]
    return float((high - low) / (last - first))


def slopes(numbers: dict[str, Any]) -> None:
    for label, rows in numbers.items():
        if not isinstance(rows, list):
            continue
        found = {
            f"{kind}{part}": slope(rows, f"{kind} peak{part} RSS (MiB)")
            for kind in ("warm", "cold")
            for part in ("", " anonymous")
        }
        described = [f"{kind} {s:+.4f}" for kind, s in found.items() if s is not None]
        if described:
            largest = max(row["queries"] for row in rows)
            print(f"{label}: peak RSS {', '.join(described)} MiB per query (500 to {largest:,})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", default="100,500,2000")
    parser.add_argument("--retriever", default="bm25")
    parser.add_argument("--label", default="after")
    parser.add_argument("--probe", default=str(Path(sys.executable).parent / "probe"))
    parser.add_argument("--json", type=Path, default=HERE / "results" / "memory_scaling.json")
    parser.add_argument(
        "--caches", type=Path, help="warm runs only, each on a copy of CACHES/N/cache (no cold)"
    )
    parser.add_argument("--prime", action="store_true", help="with --caches: run once first")
    args = parser.parse_args()
    numbers = json.loads(args.json.read_text()) if args.json.exists() else {}
    numbers["retriever"] = args.retriever
    rows: list[dict[str, object]] = []
    numbers[args.label] = rows
    work = Path(tempfile.mkdtemp(prefix="memory_scaling."))
    print(f"caches in {work}", flush=True)
    for queries in (int(q) for q in args.queries.split(",") if q):
        rows.append(point(args.probe, args.retriever, queries, work, args.caches, args.prime))
        print(f"{args.label}: {rows[-1]}", flush=True)
        args.json.write_text(json.dumps(numbers, indent=1) + "\n")  # kept if interrupted
    ratios(numbers, args.label)
    slopes(numbers)


if __name__ == "__main__":
    main()
