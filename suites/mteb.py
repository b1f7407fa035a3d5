"""MTEB v2 retrieval data sets: Hugging Face configs ``corpus``, ``queries``, ``default`` (or
``qrels``), and optionally ``instruction``, ``top_ranked`` and ``qrel_diff``.

The configs' files are found through the ``configs:`` list of the dataset card (README.md), or,
without a card, in folders named after the configs (``data/`` is ``default``). Files are Parquet
or JSONL. Two forms are read:

- **InstructIR** (mteb/InstructIR-mteb): one query per instance, its instruction from the
  ``instruction`` config (``query-id``, ``instruction``) or column.
- **FollowIR** (mteb/{Robust04,News21,Core17}InstructionRetrieval, as MTEB 2.26 reads them, and
  jhu-clsp/*-instructions-mteb): each query twice, ``<qid>-og`` and ``<qid>-changed``, each with
  its own instruction, qrels and ``top_ranked`` pool; ``qrel_diff`` lists per ``<qid>`` the
  documents p-MRR scores (those the change made non-relevant, and those whose grade only went
  down). The two become one suite query with a ``changed`` instruction; p-MRR scores the
  published ``qrel_diff`` list, as MTEB does, and its disagreements with the qrels are reported.
- **NevIR** (orionweller/NevIR-mteb): ``<pair>_q1`` and ``<pair>_q2``, one passage relevant to
  each, both reranking the pair's passages; they become one query, q1 changed to q2, with the
  question alone as the model's input.

A paired form without ``top_ranked`` is an error: its published protocol reranks the pools.
``@full`` after the suite asks for full retrieval instead, on purpose.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Any

from instructprobe.suites.beir import instance_topic, split_sep
from instructprobe.suites.build import Draft, assemble, documents_from
from instructprobe.suites.followir import pools
from instructprobe.suites.model import INSTRUCTION_FIRST, QUERY_FIRST, Benchmark, Protocol, Suite
from instructprobe.suites.problems import Report
from instructprobe.suites.tables import Qrels, Row, identifier, row_qrels, table_rows, text

OG, CHANGED = "-og", "-changed"
ALIASES = {
    "default": ("default", "qrels", "data"),
    "instruction": ("instruction", "instructions"),
}


EVAL_SPLIT = "test"
"""The split MTEB evaluates; a config with several splits is read at this one only."""
SPLIT_NAMES = ("train", "dev", "validation", "test")
DEFAULT_SPLIT = "train"
"""The split Hugging Face gives data files that name none."""


def card_configs(card: Path) -> dict[str, dict[str, list[str]]]:
    """``config name -> split -> data file patterns`` from a dataset card's YAML front matter."""
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
    configs: dict[str, dict[str, list[str]]] = {}
    entries = header.get("configs") if isinstance(header, dict) else None
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict) or not isinstance(entry.get("config_name"), str):
            continue
        files = entry.get("data_files", [])
        splits: dict[str, list[str]] = {}
        for item in files if isinstance(files, list) else [files]:
            split = item.get("split") if isinstance(item, dict) else None
            path = item.get("path") if isinstance(item, dict) else item
            patterns = path if isinstance(path, list) else [path] if isinstance(path, str) else []
            key = split if isinstance(split, str) else DEFAULT_SPLIT
            splits.setdefault(key, []).extend(p for p in patterns if isinstance(p, str))
        configs[entry["config_name"]] = splits
    return configs


def _split_named(path: Path) -> str:
    """The split a data file's name gives it (``test.jsonl``, ``test-00000-of-00001.parquet``),
    as Hugging Face infers it for a folder without a card; ``train`` where it names none."""
    head = path.stem.split("-")[0].split("_")[0]
    return head if head in SPLIT_NAMES else DEFAULT_SPLIT


def eval_split(splits: Collection[str]) -> str | None:
    """The split MTEB reads: ``test``, else the only one there is; ``None`` if it cannot tell."""
    if EVAL_SPLIT in splits:
        return EVAL_SPLIT
    return next(iter(splits)) if len(splits) == 1 else None


def _at_eval_split(
    config: str, splits: dict[str, list[Path]], where_read: Path, report: Report | None
) -> list[Path]:
    present = {name: files for name, files in splits.items() if files}
    split = eval_split(present)
    if split is None:
        if present and report is not None:
            report.error(
                str(where_read),
                f"config {config!r} has the splits {', '.join(sorted(present))} and no "
                f"{EVAL_SPLIT!r} split (MTEB reads {EVAL_SPLIT!r}, or the only split)",
                "split",
            )
        return []
    return present[split]


def config_files(folder: Path, report: Report | None = None) -> dict[str, list[Path]]:
    """Each config's data files (Parquet or JSONL) in a dataset snapshot folder, at the split
    MTEB reads (``test``, or the only one): a config's other splits (``train``, ``dev``) are
    not read. A config whose splits leave that open is an error in ``report``."""
    found: dict[str, list[Path]] = {}
    card = folder / "README.md"
    for config, patterns in (card_configs(card) if card.is_file() else {}).items():
        splits = {
            split: sorted({p for pattern in globs for p in folder.glob(pattern) if p.is_file()})
            for split, globs in patterns.items()
        }
        if files := _at_eval_split(config, splits, card, report):
            found[config] = files
    folders_report = None if found else report  # with a card, its configs are the data set
    for sub in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")):
        name = "default" if sub.name == "data" else sub.name
        named: dict[str, list[Path]] = {}
        for path in sorted(p for p in sub.rglob("*") if p.suffix in (".parquet", ".jsonl")):
            named.setdefault(_split_named(path), []).append(path)
        if name not in found and (files := _at_eval_split(name, named, sub, folders_report)):
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
) -> list[tuple[str, str, str, str | None]]:
    """(id, where, text, instruction) of each query row; the instruction is ``None`` where the
    row has none (NevIR's questions need none: they are the whole input)."""
    rows: list[tuple[str, str, str, str | None]] = []
    for at, record in _rows(files, report):
        report.count("query rows")
        query_id = identifier(record, "_id" if "_id" in record else "id", at, report)
        body = text(record, "text", at, report)
        if query_id is None or body is None:
            continue
        instruction: Any = instructions.get(query_id, record.get("instruction"))
        if not isinstance(instruction, str):
            parts = split_sep(body)
            if parts is None and (given := report.default_instruction()) is not None:
                parts = given, body
            instruction, body = parts if parts is not None else (None, body)
        rows.append((query_id, at, body, instruction))
    return rows


def _instructed(
    rows: list[tuple[str, str, str, str | None]], report: Report
) -> list[tuple[str, str, str, str]]:
    """The rows with an instruction; each row without one is an error."""
    kept = []
    for query_id, at, body, instruction in rows:
        if instruction is None:
            report.error(
                at,
                f"query {query_id!r} has no instruction (give one for every query with "
                "--instruction)",
                "no-instruction",
            )
        else:
            kept.append((query_id, at, body, instruction))
    return kept


def _pool_of(candidates: list[str] | None, pool: dict[str, list[str]]) -> list[str] | None:
    """A query's candidates where the data set has pools: one the pools leave out gets an empty
    pool (left out, with a warning, as the FollowIR layout does; MTEB ranks nothing for it),
    never the whole corpus."""
    if not pool:
        return None
    return candidates if candidates is not None else []


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
                candidates=_pool_of(candidates, pool),
            )
        )
        original[base] = qrels.pop(query_id, {})
        if base + CHANGED in qrels:
            changed[base] = qrels.pop(base + CHANGED)
    for draft in drafts:
        listed = diff.get(draft.id)
        if listed is not None:
            draft.moved = listed
            _check_diff(draft.id, listed, original[draft.id], changed.get(draft.id, {}), report)
    original.update(qrels)  # ids that pair with nothing: reported as unknown queries
    return drafts, original, changed


def _check_diff(
    base: str, listed: list[str], og: dict[str, int], changed: dict[str, int], report: Report
) -> None:
    """``qrel_diff`` is the published list p-MRR scores (MTEB reads it, not the qrels): it is
    used as published. A listed document whose grade only went down (2 -> 1) is counted; one
    that the qrels do not move at all, or a flip it leaves out, is reported."""
    flips = {d for d, g in og.items() if g > 0 and changed.get(d, 0) <= 0}
    lowered = {d for d, g in og.items() if 0 < changed.get(d, 0) < g}
    unexplained = set(listed) - flips - lowered
    missing = flips - set(listed)
    report.count("qrel_diff documents scored by p-MRR", len(listed))
    if set(listed) & lowered:
        report.count("qrel_diff documents whose grade only went down", len(set(listed) & lowered))
    if unexplained or missing:
        report.warn(
            "qrel_diff",
            f"{base!r}: qrel_diff lists {len(listed)} document(s); {len(unexplained)} of them the "
            f"qrels do not move, and it leaves out {len(missing)} the qrels make non-relevant; "
            "p-MRR scores the published list, as MTEB does",
            "qrel-diff",
        )


NEVIR_Q1, NEVIR_Q2 = "_q1", "_q2"
_PROTOCOLS = {
    "followir": Benchmark(Protocol.FOLLOWIR),
    "nevir": Benchmark(Protocol.NEVIR),
    "instructir": Benchmark(Protocol.INSTRUCTIR),
    "instances": None,
}


def _nevir_pairs(
    rows: list[tuple[str, str, str, str | None]],
    qrels: Qrels,
    pool: dict[str, list[str]],
    report: Report,
) -> tuple[list[Draft], Qrels, Qrels]:
    """NevIR in MTEB's form (orionweller/NevIR-mteb): queries ``<pair>_q1`` and ``<pair>_q2``,
    each judged on its own passage, both reranking the pair's two passages. They become one
    query: the question q1 alone (no separate query text), changed to q2."""
    by_id = {row[0]: row for row in rows}
    drafts: list[Draft] = []
    original: Qrels = {}
    changed: Qrels = {}
    for query_id, at, body, _ in rows:
        if not query_id.endswith(NEVIR_Q1):
            if not query_id.endswith(NEVIR_Q2):
                report.warn(at, f"{query_id!r} is neither '<pair>_q1' nor '<pair>_q2'", "unpaired")
            elif query_id[: -len(NEVIR_Q2)] + NEVIR_Q1 not in by_id:
                report.warn(at, f"{query_id!r} has no '_q1' query, left out", "unpaired")
            continue
        pair = query_id[: -len(NEVIR_Q1)]
        partner = by_id.get(pair + NEVIR_Q2)
        candidates = pool.get(query_id)
        both = set(candidates or []) | set(pool.get(pair + NEVIR_Q2, []))
        drafts.append(
            Draft(
                pair,
                at,
                "",
                body,
                changed=partner[2] if partner else None,
                candidates=sorted(both) if pool else None,
                question_only=True,
            )
        )
        first, second = qrels.pop(query_id, {}), qrels.pop(pair + NEVIR_Q2, {})
        judged = set(first) | set(second) | both
        original[pair] = {d: first.get(d, 0) for d in judged}
        changed[pair] = {d: second.get(d, 0) for d in judged}
    original.update(qrels)
    return drafts, original, changed


def _form(rows: list[tuple[str, str, str, str | None]]) -> str:
    """Which published form the query ids follow: FollowIR's og/changed, NevIR's q1/q2, or
    one query per instance (InstructIR)."""
    if any(r[0].endswith(OG) for r in rows):
        return "followir"
    ids = [r[0] for r in rows]
    if ids and all(i.endswith((NEVIR_Q1, NEVIR_Q2)) for i in ids):
        return "nevir"
    if ids and all(instance_topic(i) for i in ids):
        return "instructir"
    return "instances"


def load_mteb(folder: Path, report: Report, *, name: str | None = None) -> Suite | None:
    found = config_files(folder, report)
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
    form = _form(rows)
    paired = form in ("followir", "nevir")
    if paired and not pool and not report.pools_optional:
        report.error(
            str(folder),
            f"no 'top_ranked' config: {form} is scored by reranking each query's candidate pool; "
            f"add '@full' to the suite to rank the whole corpus instead (not the published "
            "protocol)",
            "no-pools",
        )
        return None
    changed: Qrels | None = None
    if form == "followir":
        drafts, qrels, changed = _pair(_instructed(rows, report), qrels, pool, diff, report)
    elif form == "nevir":
        drafts, qrels, changed = _nevir_pairs(rows, qrels, pool, report)
    else:
        drafts = [
            Draft(
                q,
                at,
                body,
                instr,
                topic=instance_topic(q),
                candidates=_pool_of(pool.get(q), pool),
            )
            for q, at, body, instr in _instructed(rows, report)
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
        narrows=form == "followir",
        benchmark=_PROTOCOLS[form],
        # FollowIR's published numbers come from MTEB, which reads q + " " + i; InstructIR's
        # from its own code, which reads the instruction first (MTEB's task card says so too)
        order=QUERY_FIRST if paired else INSTRUCTION_FIRST,
    )
