"""BEIR folders: ``corpus.jsonl``, ``queries.jsonl`` and ``qrels/<split>.tsv``.

Each query needs an instruction. It is taken from an ``instruction`` field (or
``metadata.instruction``), or from InstructIR's ``"instruction [SEP] query"`` text; a BEIR
folder whose queries have none is refused with the fix (there is nothing to probe), unless the
run gives one instruction for all of them (``--instruction``).
InstructIR as published on the hub (kaist-ai/InstructIR) is such a folder.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from instructprobe.suites.build import Draft, assemble, documents_from
from instructprobe.suites.model import Benchmark, Suite
from instructprobe.suites.problems import Report
from instructprobe.suites.tables import identifier, jsonl_rows, qrels_file, require, text

SEP = "[SEP]"


def split_sep(joined: str) -> tuple[str, str] | None:
    """InstructIR's ``"instruction [SEP] query"`` as (instruction, query), or ``None``."""
    if SEP not in joined:
        return None
    instruction, _, query = joined.rpartition(SEP)
    return instruction.strip(), query.strip()


def query_and_instruction(
    record: Mapping[str, Any], at: str, report: Report
) -> tuple[str, str] | None:
    """(query, instruction) of a BEIR query record; reported and ``None`` if there is none."""
    body = text(record, "text", at, report)
    if body is None:
        return None
    metadata = record.get("metadata")
    instruction = record.get("instruction")
    if instruction is None and isinstance(metadata, dict):
        instruction = metadata.get("instruction")
    if isinstance(instruction, str):
        return body, instruction
    if instruction is not None:
        report.error(at, "field 'instruction' must be a string", "missing-field")
        return None
    parts = split_sep(body)
    if parts is None and (given := report.default_instruction()) is not None:
        return body, given
    if parts is None:
        report.error(
            at,
            "query has no instruction (give an 'instruction' field, the text "
            "'instruction [SEP] query' as InstructIR does, or one for every query with "
            "--instruction)",
            "no-instruction",
        )
        return None
    instruction_text, query = parts
    return query, instruction_text


def instance_topic(query_id: str) -> str:
    """InstructIR's instance ids are ``<qid>_<k>``: the instances of one query share a topic."""
    base, sep, k = query_id.rpartition("_")
    return base if sep and k.isdigit() else ""


def qrels_path(folder: Path, split: str) -> Path:
    """``qrels/<split>.tsv``, or ``qrels/<split>.jsonl`` (``query-id``, ``corpus-id``,
    ``score``), as the hubs have published both; else the one qrels file there is."""
    qrels = folder / "qrels"
    for suffix in (".tsv", ".jsonl"):
        if (qrels / f"{split}{suffix}").is_file():
            return qrels / f"{split}{suffix}"
    if qrels.is_dir():
        found = sorted([*qrels.glob("*.tsv"), *qrels.glob("*.jsonl")])
        if len(found) == 1:
            return found[0]
    return qrels / f"{split}.tsv"


def load_beir(
    folder: Path,
    report: Report,
    *,
    name: str | None = None,
    description: str = "",
    split: str = "test",
    topic: Callable[[str], str] = instance_topic,
    benchmark: Benchmark | None = None,
) -> Suite | None:
    corpus, queries, qrels = (
        folder / "corpus.jsonl",
        folder / "queries.jsonl",
        qrels_path(folder, split),
    )
    present = [
        require(corpus, report, "corpus.jsonl (BEIR layout)"),
        require(queries, report, "queries.jsonl (BEIR layout)"),
        require(qrels, report, f"qrels/{split}.tsv (BEIR layout)"),
    ]
    if not all(present):
        return None
    documents = documents_from(jsonl_rows(corpus, report), report)
    drafts = []
    for at, record in jsonl_rows(queries, report):
        report.count("query rows")
        query_id = identifier(record, "_id", at, report)
        parts = query_and_instruction(record, at, report)
        if query_id is None or parts is None:
            continue
        drafts.append(Draft(query_id, at, parts[0], parts[1], topic=topic(query_id)))
    return assemble(
        name=name or folder.name,
        description=description or f"BEIR folder {folder}",
        source=folder,
        report=report,
        documents=documents,
        drafts=drafts,
        qrels=qrels_file(qrels, report),
        qrels_at=str(qrels),
        benchmark=benchmark,
    )
