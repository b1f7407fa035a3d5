"""How a probe run grows with the corpus (1k -> 100k documents) and with queries x variants.

    .venv/bin/python benchmarks/scaling.py [--retriever minilm] [--repeats 3]
        [--sizes 1000,3000,10000,30000,100000] [--queries 10,30,100,300] [--fixed-docs 3000]

Suites are written from the InstructIR data in ../shared: the chosen queries (with their
instructions, judgments and paraphrases), the passages they judge, the other InstructIR
passages, then synthetic passages up to the corpus size: ``--words`` words each (default 24,
about a third of an InstructIR passage, so that 100k documents encode in minutes here), drawn
from the InstructIR passages' unigram frequencies with a fixed seed.

Every point is a fresh process with an empty cache (cold), then the same run again (warm);
median of ``--repeats``. Printed per point: unique texts (documents + distinct requests), cold
and warm seconds, cold milliseconds per unique text, and peak RSS next to the size the
queries x documents score matrix would have. Linear in unique texts means the cold ms per text
stays flat; streaming top-k means peak memory grows with the stored embeddings, not with that
matrix. Results go to ``--json`` (default benchmarks/results/scaling.json).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from harness import timed

if TYPE_CHECKING:
    from instructprobe.suites.model import Document, Suite

HERE = Path(__file__).resolve().parent
EMBEDDING_BYTES = 384 * 4  # all-MiniLM-L6-v2, float32


@dataclass(frozen=True)
class Point:
    documents: int
    queries: int


def synthetic_documents(
    real: Sequence[Document], count: int, words_per_document: int, seed: int
) -> list[Document]:
    """``count`` passages of ``words_per_document`` words drawn from ``real``'s unigrams."""
    import numpy as np

    from instructprobe.perturb.text import words
    from instructprobe.suites.model import Document

    counts = Counter(w for d in real for w in words(d.text))
    vocabulary = np.array(list(counts))
    cumulative = np.cumsum(np.array(list(counts.values()), dtype=float))
    rng = np.random.default_rng(seed)
    drawn = np.searchsorted(cumulative, rng.random(count * words_per_document) * cumulative[-1])
    rows = vocabulary[drawn].reshape(count, words_per_document)
    return [Document(f"synthetic-{i:06d}", " ".join(row) + ".") for i, row in enumerate(rows)]


def grown_suite(base: Suite, point: Point, words_per_document: int, seed: int = 0) -> Suite:
    """The first ``point.queries`` queries of ``base`` over a corpus of ``point.documents``."""
    from instructprobe.suites.model import Suite

    queries = base.queries[: point.queries]
    judged = {doc for q in queries for doc in q.qrels}
    real = [d for d in base.documents if d.id in judged]
    real += [d for d in base.documents if d.id not in judged]
    documents = real[: max(point.documents, len(judged))]
    missing = point.documents - len(documents)
    if missing > 0:
        documents += synthetic_documents(base.documents, missing, words_per_document, seed)
    return Suite(f"scaling-{point.documents}x{point.queries}", tuple(documents), queries)


def distinct_requests(results: Path) -> int:
    """Distinct (query, instruction, order) a run asked, originals included."""
    from instructprobe.probes.results import read_results

    variants = read_results(results).variants  # the summary, and the outcomes file beside it
    asked = {(v.query, v.instruction, v.order.value) for v in variants}
    asked |= {(v.query, v.original_instruction, "instruction_first") for v in variants}
    return len(asked)


def measure(point: Point, base: Suite, args: argparse.Namespace, work: Path) -> dict[str, float]:
    from instructprobe.suites.jsonl import write_suite

    suite_path = work / f"suite-{point.documents}x{point.queries}.jsonl"
    write_suite(grown_suite(base, point, args.words), suite_path)
    retriever, repeats = args.retriever, args.repeats
    results = work / "results.json"
    probe = str(Path(sys.executable).parent / "probe")
    cold, warm, peaks = [], [], []
    for repeat in range(repeats):
        cache = work / f"cache-{point.documents}x{point.queries}-{repeat}"
        command = [probe, "run", "-r", retriever, "--suite", str(suite_path), "--quiet"]
        command += ["--cache-dir", str(cache), "--out", str(results)]
        seconds, peak = timed(command)
        cold.append(seconds)
        peaks.append(peak)
        warm.append(timed(command)[0])
    texts = point.documents + distinct_requests(results)
    requests = texts - point.documents
    return {
        "documents": point.documents,
        "queries": point.queries,
        "distinct requests": requests,
        "unique texts": texts,
        "cold (s)": statistics.median(cold),
        "warm (s)": statistics.median(warm),
        "cold ms per unique text": 1000 * statistics.median(cold) / texts,
        "peak RSS (MiB)": max(peaks) / 1024,
        "embeddings (MiB)": texts * EMBEDDING_BYTES / 2**20,
        "requests x documents matrix (MiB)": requests * point.documents * 4 / 2**20,
    }


def show(rows: list[dict[str, float]]) -> None:
    columns = list(rows[0])
    print(" | ".join(columns))
    for row in rows:
        print(
            " | ".join(
                f"{row[c]:.2f}" if isinstance(row[c], float) else str(row[c]) for c in columns
            )
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--retriever", default="minilm")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sizes", default="1000,3000,10000,30000,100000", help="'' to skip")
    parser.add_argument("--queries", default="10,30,100,300", help="'' to skip")
    parser.add_argument("--fixed-queries", type=int, default=20)
    parser.add_argument("--fixed-docs", type=int, default=3000)
    parser.add_argument("--words", type=int, default=24, help="words per synthetic passage")
    parser.add_argument("--json", type=Path, default=HERE / "results" / "scaling.json")
    args = parser.parse_args()

    from instructprobe.suites import load_suite

    base = load_suite("instructir-lite")
    work = Path(tempfile.mkdtemp(prefix="scaling."))
    corpus = [Point(int(n), args.fixed_queries) for n in args.sizes.split(",") if n]
    requests = [Point(args.fixed_docs, int(q)) for q in args.queries.split(",") if q]
    numbers: dict[str, object] = {"retriever": args.retriever, "repeats": args.repeats}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    for name, points in (("corpus growth", corpus), ("queries growth", requests)):
        rows: list[dict[str, float]] = []
        numbers[name] = rows
        for point in points:
            rows.append(measure(point, base, args, work))
            print(f"{name}: {rows[-1]}", flush=True)
            args.json.write_text(json.dumps(numbers, indent=1) + "\n")  # kept if interrupted
        if rows:
            show(rows)


if __name__ == "__main__":
    main()
