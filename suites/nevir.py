"""NevIR (Weller et al., 2024): pairs of passages that differ by a negation, each with a question
that only one of them answers. Published as orionweller/NevIR, ``{train,validation,test}.jsonl``
with ``q1``, ``q2``, ``doc1``, ``doc2`` (and an ``id``).

A pair becomes one suite query in reranking mode over its two passages ``<id>-doc1`` and
``<id>-doc2``: the instruction is ``q1`` (``doc1`` relevant, ``doc2`` judged not relevant), and
the ``changed`` instruction is ``q2`` (``doc2`` relevant, ``doc1`` not). A retriever that follows
ranks ``doc1`` first for ``q1`` and moves it down for ``q2``; p-MRR over the pair measures that,
and NevIR's paired accuracy (both questions' top passage right) is the benchmark's own score.

The query ``text`` is empty: the question is the whole input, so the model sees ``q1`` alone
(and ``q2`` alone), exactly as NevIR and MTEB give it, through the retriever's bare query form.
"""

from __future__ import annotations

from pathlib import Path

from instructprobe.suites.build import Draft, assemble
from instructprobe.suites.model import Benchmark, Document, Protocol, Suite
from instructprobe.suites.problems import Report
from instructprobe.suites.tables import Qrels, jsonl_rows, require, table_rows, text

DESCRIPTION = "NevIR: passage pairs that differ by a negation, one question for each passage"


def nevir_file(path: Path, split: str = "test") -> Path:
    if path.is_dir():
        for suffix in (".jsonl", ".parquet"):
            if (path / f"{split}{suffix}").is_file():
                return path / f"{split}{suffix}"
        return path / f"{split}.jsonl"
    return path


def load_nevir(path: Path, report: Report, *, split: str = "test") -> Suite | None:
    source = nevir_file(path, split)
    if not require(source, report, f"NevIR {split} file ({split}.jsonl)"):
        return None
    rows = table_rows(source, report) if source.suffix == ".parquet" else jsonl_rows(source, report)
    documents: list[Document] = []
    drafts: list[Draft] = []
    qrels: Qrels = {}
    changed: Qrels = {}
    for number, (at, record) in enumerate(rows, start=1):
        report.count("pairs read")
        raw_id = record.get("id", number)
        pair = str(raw_id).strip() if isinstance(raw_id, str | int) else ""
        if not pair:
            report.error(at, "field 'id' must be a string or an integer", "missing-field")
            continue
        fields = [text(record, key, at, report) for key in ("q1", "q2", "doc1", "doc2")]
        q1, q2, doc1, doc2 = fields
        if q1 is None or q2 is None or doc1 is None or doc2 is None:
            continue
        if doc1.strip() == doc2.strip():
            report.warn(at, f"pair {pair!r}: the two passages are identical (kept)", "same-docs")
        first, second = f"{pair}-doc1", f"{pair}-doc2"
        documents += [Document(first, doc1), Document(second, doc2)]
        drafts.append(
            Draft(pair, at, "", q1, changed=q2, candidates=[first, second], question_only=True)
        )
        qrels[pair] = {first: 1, second: 0}
        changed[pair] = {first: 0, second: 1}
    seen: set[str] = set()
    unique = []
    for document in documents:
        if document.id in seen:
            report.error(str(source), f"duplicate pair id {document.id.rsplit('-', 1)[0]!r}", "dup")
            continue
        seen.add(document.id)
        unique.append(document)
    return assemble(
        name=f"nevir-{split}" if split != "test" else "nevir",
        description=DESCRIPTION,
        source=source,
        report=report,
        documents=unique,
        drafts=drafts,
        qrels=qrels,
        qrels_at=str(source),
        changed_qrels=changed,
        benchmark=Benchmark(Protocol.NEVIR),
    )
