"""MTEB v2 retrieval data sets: Hugging Face configs ``corpus``, ``queries``, ``default`` (or
``qrels``), and optionally ``instruction``, ``top_ranked`` and ``qrel_diff``.

The configs' files are found through the ``configs:`` list of the dataset card (README.md), or,
without a card, in folders named after the configs (``data/`` is ``default``). Files are Parquet
or JSONL. Two forms are read:

- **InstructIR** (mteb/InstructIR-mteb): one query per instance, its instruction from the
  ``instruction`` config (``query-id``, ``instruction``) or column.
- **FollowIR** (jhu-clsp/*-instructions-mteb): each query twice, ``<qid>-og`` and
  ``<qid>-changed``, each with its own instruction, qrels and ``top_ranked`` pool; ``qrel_diff``
  lists per ``<qid>`` the documents that the change made non-relevant. The two become one suite
  query with a ``changed`` instruction; ``qrel_diff`` is checked against the qrels.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from instructprobe.suites.beir import instance_topic, split_sep
from instructprobe.suites.build import Draft, assemble, documents_from
from instructprobe.suites.followir import pools
from instructprobe.suites.model import INSTRUCTION_FIRST, QUERY_FIRST, Suite
from instructprobe.suites.problems import Report
from instructprobe.suites.tables import Qrels, Row, identifier, row_qrels, table_rows, text

OG, CHANGED = "-og", "-changed"
ALIASES = {
    "default": ("default", "qrels", "data"),
    "instruction": ("instruction", "instructions"),
}


def _card_configs(card: Path) -> dict[str, list[str]]:
    """``config name -> data file patterns`` from a dataset card's YAML front matter."""
    lines = card.read_text(encoding="utf-8", errors="replace").splitlines()
    if not lines or lines[0].strip() != "---":
        return {}
    try:
        end = lines.index("---", 1)
    except ValueError:
        return {}
    import yaml  # type: ignore[import-untyped]

    try:
        header = yaml.safe_load("\n".join(lines[1:end]))
    except yaml.YAMLError:
        return {}
    configs: dict[str, list[str]] = {}
    entries = header.get("configs") if isinstance(header, dict) else None
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict) or not isinstance(entry.get("config_name"), str):
            continue
        files = entry.get("data_files", [])
        patterns: list[str] = []
        for item in files if isinstance(files, list) else [files]:
            path = item.get("path") if isinstance(item, dict) else item
            patterns += path if isinstance(path, list) else [path] if isinstance(path, str) else []
        configs[entry["config_name"]] = patterns
    return configs


def config_files(folder: Path) -> dict[str, list[Path]]:
    """Each config's data files (Parquet or JSONL) in a dataset snapshot folder."""
    found: dict[str, list[Path]] = {}
    card = folder / "README.md"
    for config, patterns in (_card_configs(card) if card.is_file() else {}).items():
        files = sorted({p for pattern in patterns for p in folder.glob(pattern) if p.is_file()})
        if files:
            found[config] = files
    for sub in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")):
        name = "default" if sub.name == "data" else sub.name
        files = sorted(p for p in sub.rglob("*") if p.suffix in (".parquet", ".jsonl"))
        if files and name not in found:
            found[name] = files
    return found


def _config(found: dict[str, list[Path]], name: str) -> list[Path] | None:
    for alias in ALIASES.get(name, (name,)):
        if alias in found:
            return found[alias]
    return None


def _rows(files: list[Path], report: Report) -> Iterator[Row]:
    for path in files:
        yield from table_rows(path, report)


def _instructions(files: list[Path] | None, report: Report) -> dict[str, str]:
    instructions: dict[str, str] = {}
    for at, record in _rows(files or [], report):
        query = identifier(record, "query-id", at, report)
        key = "instruction" if "instruction" in record else "text"
        value = text(record, key, at, report)
        if query is not None and value is not None:
            instructions[query] = value
    return instructions


def _query_rows(
    files: list[Path], instructions: dict[str, str], report: Report
) -> list[tuple[str, str, str, str]]:
    """(id, where, text, instruction) of each query row."""
    rows = []
    for at, record in _rows(files, report):
        report.count("query rows")
        query_id = identifier(record, "_id" if "_id" in record else "id", at, report)
        body = text(record, "text", at, report)
        if query_id is None or body is None:
            continue
        instruction: Any = instructions.get(query_id, record.get("instruction"))
        if not isinstance(instruction, str):
            parts = split_sep(body)
            if parts is None:
                report.error(at, f"query {query_id!r} has no instruction", "no-instruction")
                continue
            instruction, body = parts
        rows.append((query_id, at, body, instruction))
    return rows


def _pair(
    rows: list[tuple[str, str, str, str]],
    qrels: Qrels,
    pool: dict[str, list[str]],
    diff: dict[str, list[str]],
    report: Report,
) -> tuple[list[Draft], Qrels, Qrels]:
    """FollowIR's ``<qid>-og`` / ``<qid>-changed`` rows as one query with a changed instruction."""
    by_id = {row[0]: row for row in rows}
    drafts: list[Draft] = []
    original: Qrels = {}
    changed: Qrels = {}
    for query_id, at, body, instruction in rows:
        if query_id.endswith(CHANGED):
            if query_id[: -len(CHANGED)] + OG not in by_id:
                report.warn(at, f"{query_id!r} has no '{OG}' query, left out", "unpaired")
            continue
        if not query_id.endswith(OG):
            report.warn(at, f"{query_id!r} is neither '<qid>{OG}' nor '<qid>{CHANGED}'", "unpaired")
            continue
        base = query_id[: -len(OG)]
        partner = by_id.get(base + CHANGED)
        if partner is not None and partner[2].strip() != body.strip():
            report.warn(at, f"{base!r}: the og and changed query texts differ", "text-differs")
        candidates = pool.get(query_id)
        if (
            partner is not None
            and candidates is not None
            and set(pool.get(base + CHANGED, [])) != set(candidates)
        ):
            report.warn(at, f"{base!r}: og and changed pools differ; og's is used", "pool")
        drafts.append(
            Draft(
                base,
                at,
                body,
                instruction,
                changed=partner[3] if partner else None,
                candidates=candidates if pool else None,
            )
        )
        original[base] = qrels.pop(query_id, {})
        if base + CHANGED in qrels:
            changed[base] = qrels.pop(base + CHANGED)
    for base, listed in diff.items():
        if base not in original:
            continue
        was = {d for d, g in original[base].items() if g > 0}
        now = {d for d, g in changed.get(base, {}).items() if g > 0}
        if set(listed) != was - now:
            report.warn(
                "qrel_diff",
                f"{base!r}: qrel_diff lists {len(listed)} document(s), the qrels make "
                f"{len(was - now)} non-relevant; the qrels are used",
                "qrel-diff",
            )
        else:
            report.count("qrel_diff entries that agree with the qrels")
    original.update(qrels)  # ids that pair with nothing: reported as unknown queries
    return drafts, original, changed


def load_mteb(folder: Path, report: Report, *, name: str | None = None) -> Suite | None:
    found = config_files(folder)
    needed = {"corpus": _config(found, "corpus"), "queries": _config(found, "queries")}
    needed["default"] = _config(found, "default")
    for config, files in needed.items():
        if files is None:
            report.error(str(folder), f"no '{config}' config (MTEB layout)", "missing-file")
    corpus, query_files, qrels_files = needed["corpus"], needed["queries"], needed["default"]
    if corpus is None or query_files is None or qrels_files is None:
        return None
    documents = documents_from(_rows(corpus, report), report, id_key="_id")
    instructions = _instructions(_config(found, "instruction"), report)
    rows = _query_rows(query_files, instructions, report)
    qrels = row_qrels(_rows(qrels_files, report), report)
    pool, _ = pools(_rows(_config(found, "top_ranked") or [], report), report)
    diff: dict[str, list[str]] = {}
    for at, record in _rows(_config(found, "qrel_diff") or [], report):
        query = identifier(record, "query-id", at, report)
        listed = record.get("corpus-ids")
        if query is not None and isinstance(listed, list):
            diff[query] = [str(d) for d in listed]
    paired = any(r[0].endswith(OG) for r in rows)
    changed: Qrels | None = None
    if paired:
        drafts, qrels, changed = _pair(rows, qrels, pool, diff, report)
    else:
        drafts = [
            Draft(
                q,
                at,
                body,
                instr,
                topic=instance_topic(q),
                candidates=pool.get(q) if pool else None,
            )
            for q, at, body, instr in rows
        ]
    label = name or folder.name
    return assemble(
        name=label,
        description=f"{label} (MTEB layout)",
        source=folder,
        report=report,
        documents=documents,
        drafts=drafts,
        qrels=qrels,
        qrels_at=str(qrels_files[0]),
        changed_qrels=changed,
        narrows=paired,
        # FollowIR's published numbers come from MTEB, which reads q + " " + i; InstructIR's
        # from its own code, which reads the instruction first (MTEB's task card says so too)
        order=QUERY_FIRST if paired else INSTRUCTION_FIRST,
    )
