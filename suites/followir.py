"""FollowIR (Weller et al., 2024) as published: jhu-clsp/{robust04,news21,core17}-instructions.

Files: ``corpus.jsonl`` (``_id``, ``title``, ``text``); ``queries.jsonl`` (``_id``, ``text``,
``instruction_og``, ``instruction_changed``, ``keywords``, ``short_query``);
``qrels_og/test.tsv`` and ``qrels_changed/test.tsv`` (or their ``test.jsonl``); and
``top_ranked.jsonl`` (``qid``, ``pid``), each query's candidate pool.

One FollowIR query becomes one suite query: ``text`` and ``instruction_og`` judged by
``qrels_og``, and ``changed`` = ``instruction_changed`` judged by ``qrels_changed``. The pool
becomes ``candidates`` (reranking mode, as FollowIR scores); ``@full`` after the suite name drops
the pools (full retrieval). A folder without ``top_ranked.jsonl`` is an error unless ``@full``
asks for full retrieval: the published protocol reranks the pools. The original instruction is
judged by ``qrels_og``: MTEB's old (v1) loader filled the original qrels from
``qrels_changed`` and the changed ones from ``qrels_og``; this loader does not. ``keywords`` and
``short_query`` (FollowIR's length ablation) are read and counted, not used.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from instructprobe.suites.build import Draft, assemble, documents_from
from instructprobe.suites.model import QUERY_FIRST, Benchmark, Protocol, Suite
from instructprobe.suites.problems import Report
from instructprobe.suites.tables import (
    Qrels,
    Row,
    identifier,
    jsonl_rows,
    qrels_file,
    require,
    text,
)

DESCRIPTION = "FollowIR {name}: TREC narratives as instructions, original and changed, with qrels"


def _qrels_in(folder: Path, split: str) -> Path:
    for suffix in (".tsv", ".jsonl"):
        path = folder / f"{split}{suffix}"
        if path.is_file():
            return path
    return folder / f"{split}.tsv"


def pools(rows: Iterable[Row], report: Report) -> tuple[dict[str, list[str]], dict[str, str]]:
    """Candidate pools from ``top_ranked`` rows: one (``qid``, ``pid``) a row, or a list of pids
    (also MTEB v2's ``query-id`` and ``corpus-ids``)."""
    pool: dict[str, list[str]] = {}
    first: dict[str, str] = {}
    for at, record in rows:
        report.count("top_ranked rows")
        key = "qid" if "qid" in record else "query-id"
        query = identifier(record, key, at, report)
        docs = record.get("pid", record.get("corpus-ids"))
        if isinstance(docs, str | int) and not isinstance(docs, bool):
            docs = [docs]
        if query is None:
            continue
        if not isinstance(docs, list) or not all(isinstance(d, str | int) for d in docs):
            report.error(at, "field 'pid' must be a document id or a list of them", "missing-field")
            continue
        pool.setdefault(query, []).extend(str(d) for d in docs)
        first.setdefault(query, at)
    return pool, first


def load_followir(folder: Path, report: Report, *, name: str | None = None) -> Suite | None:
    corpus, queries = folder / "corpus.jsonl", folder / "queries.jsonl"
    og, changed = (
        _qrels_in(folder / "qrels_og", "test"),
        _qrels_in(folder / "qrels_changed", "test"),
    )
    present = [
        require(corpus, report, "corpus.jsonl (FollowIR layout)"),
        require(queries, report, "queries.jsonl (FollowIR layout)"),
        require(og, report, "qrels_og/test.tsv (FollowIR layout)"),
        require(changed, report, "qrels_changed/test.tsv (FollowIR layout)"),
    ]
    if not all(present):
        return None
    documents = documents_from(jsonl_rows(corpus, report), report)
    top = folder / "top_ranked.jsonl"
    if not top.is_file() and not report.pools_optional:
        report.error(
            str(top),
            "missing top_ranked.jsonl: FollowIR is scored by reranking each query's pool; add "
            "'@full' to the suite to rank the whole corpus instead (not the published protocol)",
            "no-pools",
        )
        return None
    pool, pool_at = pools(jsonl_rows(top, report), report) if top.is_file() else ({}, {})
    drafts = []
    for at, record in jsonl_rows(queries, report):
        report.count("query rows")
        query_id = identifier(record, "_id", at, report)
        body = text(record, "text", at, report)
        instruction = text(record, "instruction_og", at, report)
        changed_instruction = text(record, "instruction_changed", at, report, required=False)
        for extra in ("keywords", "short_query"):
            if isinstance(record.get(extra), str):
                report.count(f"{extra} read, not used")
        if query_id is None or body is None or instruction is None:
            continue
        drafts.append(
            Draft(
                query_id,
                at,
                body,
                instruction,
                changed=changed_instruction or None,
                candidates=pool.get(query_id) if pool else None,
                candidates_at=pool_at.get(query_id, ""),
            )
        )
    for draft in drafts:
        if pool and draft.candidates is None:
            draft.candidates = []  # assemble leaves it out, with a warning
    label = name or folder.name
    original: Qrels = qrels_file(og, report, "qrels_og rows")
    return assemble(
        name=label,
        description=DESCRIPTION.format(name=label),
        source=folder,
        report=report,
        documents=documents,
        drafts=drafts,
        qrels=original,
        qrels_at=str(og),
        changed_qrels=qrels_file(changed, report, "qrels_changed rows"),
        narrows=True,
        benchmark=Benchmark(Protocol.FOLLOWIR),
        order=QUERY_FIRST,  # FollowIR's evaluation (MTEB) reads q + " " + i
    )
