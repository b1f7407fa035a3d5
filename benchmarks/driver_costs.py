"""What the driver of a run does itself, whatever executes the encoding: cache writes, top-k
scoring, measuring a variant and writing its outcome, and the statistics, each timed on CPU at
the sizes this machine holds, for docs/scale.md.

    .venv/bin/python benchmarks/driver_costs.py [--json benchmarks/results/driver_costs.json]

- cache writes: ``EmbeddingCache.put`` of 4,096 vectors per transaction, 384 wide (MiniLM)
  and 4,096 wide (a 7B embedder such as e5-mistral), into a fresh SQLite file;
- top-k: ``stream_top_k`` (the dense index's scoring: queries @ corpus, depth 1,000) of 256
  queries over 65,536 documents (the block the index scores at once), 384 and 4,096 wide;
  per-query seconds per million documents follow, as the cost is linear in the corpus;
- measure: ``observe`` of one invariant variant's five measures and its tracked ranks, on
  rankings of depth 1,000, then its row written to the outcomes file;
- statistics: ``adjusted_summaries`` over 30 groups (a grid of 2 retrievers x 6 families,
  about 2.5 cells each) of N per-query values, bounded (the verdicts' cells) and bootstrap
  (the other cells), 2,000 resamples.

Median of ``--repeats`` timings of each; one process, numpy's own threads (2 cores here).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def median_seconds(action: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def cache_writes(width: int, repeats: int) -> dict[str, float]:
    from instructprobe.retrievers.cache import EmbeddingCache, Namespace

    rng = np.random.default_rng(0)
    count = 4096
    vectors = rng.standard_normal((count, width)).astype(np.float32)
    folder = Path(tempfile.mkdtemp(prefix="driver_costs."))
    batches = iter(range(10**6))

    def put() -> None:
        batch = next(batches)
        texts = [f"text {batch} {i}" for i in range(count)]
        EmbeddingCache(folder).put(Namespace("bench", "document"), texts, vectors)

    seconds = median_seconds(put, repeats)
    return {
        "width": width,
        "vectors per transaction": count,
        "seconds": seconds,
        "vectors per second": count / seconds,
        "MB per second": count * width * 4 / seconds / 1e6,
    }


def top_k(width: int, repeats: int) -> dict[str, float]:
    from instructprobe.retrievers.base import stream_top_k

    rng = np.random.default_rng(0)
    queries, documents, depth = 256, 65536, 1000
    docs = rng.standard_normal((documents, width)).astype(np.float32)
    asked = rng.standard_normal((queries, width)).astype(np.float32)
    ids = [f"d{i:07d}" for i in range(documents)]
    order = np.argsort(np.asarray(ids, dtype=object))
    seconds = median_seconds(lambda: stream_top_k(asked, docs, ids, order, depth), repeats)
    per_query = seconds / queries
    return {
        "width": width,
        "queries": queries,
        "documents": documents,
        "depth": depth,
        "seconds": seconds,
        "query x document pairs per second": queries * documents / seconds,
        "seconds per query per million documents": per_query * 1e6 / documents,
    }


def measure_and_write(repeats: int) -> dict[str, float]:
    from instructprobe.perturb import Expectation, Family, Request, Variant
    from instructprobe.probes.observe import observe, tracked_ranks
    from instructprobe.probes.outcomes import OutcomeWriter
    from instructprobe.probes.results import Outcome, VariantRecord
    from instructprobe.probes.verdicts import cell_measures
    from instructprobe.retrievers.base import Ranking

    rng = np.random.default_rng(0)
    ids = [f"d{i:05d}" for i in range(5000)]
    variants = 4096
    rankings = [
        Ranking(tuple(ids[j] for j in rng.permutation(5000)[:1000]), tuple(range(1000, 0, -1)))
        for _ in range(8)
    ]
    qrels = {ids[j]: 1 for j in range(0, 50, 5)}
    request = Request("a query", "an instruction of some length " * 4)
    variant = Variant("q1", Family.PARAPHRASE, "op", "form", request, Expectation.invariant())
    measures = cell_measures(variant.family.expectation_kind, 10)
    record = VariantRecord(
        variant.id, "q1", variant.family, "op", "form", request.query, request.instruction,
        request.instruction, request.order, variant.expectation.kind, (), (), 0.5, {"k": "v"},
    )  # fmt: skip

    def measure() -> list[Outcome]:
        outcomes = []
        for i in range(variants):
            before, after = rankings[i % 8], rankings[(i + 1) % 8]
            values = {str(m): observe(variant, m, before, after, qrels).value for m in measures}
            ranks = tracked_ranks(variant, before, after, qrels)
            outcomes.append(Outcome("r", variant.id, values, ranks))
        return outcomes

    measured = measure()
    folder = Path(tempfile.mkdtemp(prefix="driver_costs."))

    def write() -> None:
        writer = OutcomeWriter(folder / "outcomes.parquet")
        writer.write([(record, o) for o in measured])
        writer.close()

    measure_seconds = median_seconds(measure, repeats)
    write_seconds = median_seconds(write, repeats)
    return {
        "variants": variants,
        "measure seconds": measure_seconds,
        "variants measured per second": variants / measure_seconds,
        "write seconds": write_seconds,
        "outcome rows written per second": variants / write_seconds,
    }


def statistics_cost(queries: int, repeats: int) -> dict[str, float]:
    from instructprobe.probes.analysis import Group, adjusted_summaries
    from instructprobe.probes.bounded import Bounds
    from instructprobe.probes.request import Correction

    rng = np.random.default_rng(0)
    values = np.clip(rng.normal(0.0, 0.15, queries), -1, 1).tolist()

    def groups(bounds: Bounds | None) -> list[Group[int]]:
        return [Group(i, values, ("bench", str(i)), bounds=bounds) for i in range(30)]

    bounded = median_seconds(
        lambda: adjusted_summaries(groups(Bounds(-1.0, 1.0)), 0, 2000, Correction("holm")),
        repeats,
    )
    bootstrap = median_seconds(
        lambda: adjusted_summaries(groups(None), 0, 2000, Correction("holm")), repeats
    )
    return {
        "queries": queries,
        "groups": 30,
        "bounded seconds": bounded,
        "bootstrap seconds": bootstrap,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--queries", default="300,3000,30000")
    parser.add_argument("--json", type=Path, default=HERE / "results" / "driver_costs.json")
    args = parser.parse_args()
    numbers: dict[str, object] = {"repeats": args.repeats}
    steps: list[tuple[str, Callable[[], object]]] = [
        ("cache writes", lambda: [cache_writes(w, args.repeats) for w in (384, 4096)]),
        ("top-k", lambda: [top_k(w, args.repeats) for w in (384, 4096)]),
        ("measure and write", lambda: measure_and_write(args.repeats)),
        (
            "statistics",
            lambda: [statistics_cost(int(q), args.repeats) for q in args.queries.split(",")],
        ),
    ]
    for name, step in steps:
        numbers[name] = step()
        print(f"{name}: {json.dumps(numbers[name])}", flush=True)
        args.json.write_text(json.dumps(numbers, indent=1) + "\n")


if __name__ == "__main__":
    main()
