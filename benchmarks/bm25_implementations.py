"""How far BM25 implementations lie apart on InstructIR's own data: the tolerance a user should
expect between instructprobe's BM25 (bm25s) and the papers' BM25 numbers.

    .venv/bin/python benchmarks/bm25_implementations.py [--anserini-jar JAR]

The papers' BM25 came from other implementations than bm25s (InstructIR's: Pyserini behind
BEIR's server; FollowIR's predates MTEB's bm25s model). This ranks the same instances, rendered
the same way (instruction first, ``instruction query``, as instructprobe asks InstructIR), over
the same corpus with each implementation at its defaults, and scores them with the benchmark
section's nDCG@10 and Robustness@10 (``instructprobe.probes.benchmark``):

- ``bm25s``: instructprobe's BM25: bm25s, Lucene's variant, k1 0.9, b 0.4, lower-cased,
  English stop words, Snowball stemmer;
- ``rank_bm25``: rank_bm25's BM25Okapi at its defaults (k1 1.5, b 0.75, epsilon 0.25) with the
  tokenisation its README shows, ``text.split(" ")``: no lower-casing, stemming or stop words;
- ``rank_bm25 on bm25s tokens``: BM25Okapi on bm25s's tokens, which parts the difference into
  tokenisation and the scoring variant;
- ``pyserini`` (only with ``--anserini-jar JAR``): Lucene's BM25 as Pyserini runs it, k1 0.9,
  b 0.4, Lucene's English analyzer (Porter stemmer, its stop words), from the Anserini fat jar
  inside the pyserini wheel, run with ``java`` (index, then ``SearchCollection -bm25``). Pyserini
  0.22.1's jar (``pyserini/resources/jars/anserini-0.22.1-fatjar.jar``) runs on Java 11 or
  later; later releases need Java 21. Its rankings are put in pytrec_eval's order (score, then
  document id descending) before scoring.

The data is instructir-lite (the InstructIR GitHub files; ``--suite instructir-lite:DIR`` or
``$INSTRUCTPROBE_INSTRUCTIR_DIR``): 9,906 instances judged on the original MS MARCO passage of
their query among 1,743 passages, not the revised targets of the hub's corpus that the paper's
nDCG@10 of 76.0 comes from. So the numbers are an implementation tolerance, not a reproduction.
Needs ``rank_bm25`` (the dev extra). The full run (no ``--limit``) writes
benchmarks/results/bm25_implementations.json; docs/datasets.md quotes it.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")

RESULTS = Path(__file__).parent / "results" / "bm25_implementations.json"
DEPTH = 10
"""The rankings are cut at 10: nDCG@10 and Robustness@10 read no deeper."""


def rank_bm25_rankings(
    doc_ids: Sequence[str],
    doc_tokens: Sequence[list[str]],
    query_tokens: Sequence[list[str]],
) -> list[Any]:
    import numpy as np
    from rank_bm25 import BM25Okapi

    from instructprobe.retrievers.base import top_k

    model = BM25Okapi(list(doc_tokens))
    order = np.argsort(np.array(doc_ids))
    scores = np.stack([model.get_scores(tokens) for tokens in query_tokens])
    return top_k(scores, doc_ids, order, DEPTH)


def anserini_rankings(
    jar: Path,
    doc_ids: Sequence[str],
    doc_texts: Sequence[str],
    query_ids: Sequence[str],
    texts: Sequence[str],
) -> list[Any]:
    import subprocess
    import tempfile

    from instructprobe.retrievers.base import Ranking

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "docs").mkdir()
        rows = (
            json.dumps({"id": d, "contents": t}) for d, t in zip(doc_ids, doc_texts, strict=True)
        )
        (folder / "docs" / "docs.jsonl").write_text("\n".join(rows) + "\n")
        topics = (f"{q}\t{' '.join(t.split())}" for q, t in zip(query_ids, texts, strict=True))
        (folder / "topics.tsv").write_text("\n".join(topics) + "\n")
        java = ["java", "-cp", str(jar)]
        index = ["io.anserini.index.IndexCollection", "-collection", "JsonCollection"]
        index += ["-input", str(folder / "docs"), "-index", str(folder / "index")]
        index += ["-generator", "DefaultLuceneDocumentGenerator", "-threads", "1"]
        subprocess.run([*java, *index], check=True, capture_output=True)
        search = ["io.anserini.search.SearchCollection", "-index", str(folder / "index")]
        search += ["-topics", str(folder / "topics.tsv"), "-topicreader", "TsvString"]
        search += ["-output", str(folder / "run.txt"), "-bm25", "-hits", str(DEPTH)]
        subprocess.run([*java, *search], check=True, capture_output=True)
        found: dict[str, list[tuple[str, float]]] = {}
        for line in (folder / "run.txt").read_text().splitlines():
            query, _, doc, _, score, _ = line.split()
            found.setdefault(query, []).append((doc, float(score)))
    rankings = []
    for query in query_ids:
        ranked = sorted(found.get(query, []), key=lambda hit: (hit[1], hit[0]), reverse=True)
        rankings.append(Ranking(tuple(d for d, _ in ranked), tuple(s for _, s in ranked)))
    return rankings


def versions(jar: Path | None) -> dict[str, str]:
    import subprocess
    from importlib.metadata import version

    found = {name: version(name) for name in ("bm25s", "rank-bm25")}
    if jar is not None:
        java = subprocess.run(["java", "-version"], capture_output=True, text=True, check=True)
        found["anserini jar"] = jar.name
        found["java"] = java.stderr.splitlines()[0]
    return found


def measured(
    name: str, suite: Any, rankings: Callable[[], list[Any]]
) -> dict[str, float | int | str]:
    from instructprobe.probes.benchmark import scores

    start = time.perf_counter()
    ranked = rankings()
    seconds = time.perf_counter() - start
    original = {q.id: r for q, r in zip(suite.queries, ranked, strict=True)}
    found = {s.metric: s for s in scores(name, suite, original, {})}
    row: dict[str, float | int | str] = {"implementation": name, "seconds": round(seconds, 1)}
    for metric, score in found.items():
        row[metric] = score.value
        row[f"{metric} n"] = score.n
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--suite", default="instructir-lite")
    parser.add_argument("--limit", type=int, default=None, help="the first N instances only")
    parser.add_argument(
        "--anserini-jar", type=Path, default=None, help="Anserini's fat jar: add Pyserini's BM25"
    )
    args = parser.parse_args()

    from instructprobe.perturb import Order, Request
    from instructprobe.retrievers.bm25 import BM25, _tokenizer
    from instructprobe.suites import load_suite
    from instructprobe.suites.model import Benchmark, Protocol

    # instructir-lite is no published benchmark (no revised targets): scored here by
    # InstructIR's protocol all the same, as a benchmark suite's section scores it
    loaded = load_suite(args.suite).limited(args.limit)
    suite = replace(loaded, benchmark=loaded.benchmark or Benchmark(Protocol.INSTRUCTIR))
    bm25 = BM25()
    texts = [
        bm25.template.render(Request(q.text, q.instruction, Order.INSTRUCTION_FIRST))
        for q in suite.queries
    ]
    doc_ids = [d.id for d in suite.documents]
    doc_texts = [d.text for d in suite.documents]

    def ours() -> list[Any]:
        return bm25.index(doc_ids, doc_texts).search(texts, DEPTH)

    def theirs() -> list[Any]:
        split = [t.split(" ") for t in doc_texts]
        return rank_bm25_rankings(doc_ids, split, [t.split(" ") for t in texts])

    def theirs_on_our_tokens() -> list[Any]:
        tokenizer = _tokenizer()
        docs = tokenizer.tokenize(doc_texts, return_as="string", show_progress=False)
        asked = tokenizer.tokenize(
            texts, update_vocab=False, return_as="string", show_progress=False
        )
        return rank_bm25_rankings(doc_ids, docs, asked)

    def pyserini() -> list[Any]:
        assert args.anserini_jar is not None
        ids = [q.id for q in suite.queries]
        return anserini_rankings(args.anserini_jar, doc_ids, doc_texts, ids, texts)

    rows = [
        measured("bm25s", suite, ours),
        measured("rank_bm25", suite, theirs),
        measured("rank_bm25 on bm25s tokens", suite, theirs_on_our_tokens),
    ]
    if args.anserini_jar is not None:
        jar = args.anserini_jar.stem.removesuffix("-fatjar")
        rows.append(measured(f"pyserini ({jar})", suite, pyserini))
    base = rows[0]
    for row in rows:
        for metric in ("nDCG@10", "Robustness@10"):
            row[f"{metric} - bm25s"] = float(row[metric]) - float(base[metric])
        print(
            f"{row['implementation']:<28} nDCG@10 {100 * float(row['nDCG@10']):6.2f} "
            f"({100 * float(row['nDCG@10 - bm25s']):+6.2f})  Robustness@10 "
            f"{100 * float(row['Robustness@10']):6.2f} "
            f"({100 * float(row['Robustness@10 - bm25s']):+6.2f})  "
            f"[{row['nDCG@10 n']} instances, {row['Robustness@10 n']} queries; "
            f"{row['seconds']} s]"
        )
    if args.limit is None and args.suite == "instructir-lite":
        record = {
            "suite": suite.name,
            "source": suite.source,
            "sha256": suite.sha256,
            "instances": len(suite.queries),
            "documents": len(suite.documents),
            "input": "instruction first: '{instruction} {query}'",
            "versions": versions(args.anserini_jar),
            "rows": rows,
        }
        RESULTS.write_text(json.dumps(record, indent=2) + "\n")
        print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
