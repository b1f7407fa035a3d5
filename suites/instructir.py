"""InstructIR (Oh et al., 2024): the hub's BEIR layout, and instructir-lite over the public files.

**instructir** (kaist-ai/InstructIR): ``queries.jsonl`` holds ``"instruction [SEP] query"`` for
each instance ``<qid>_<k>``, ``qrels/test.tsv`` its one revised target ``<pid>_<k>``; that is a
BEIR folder (``instructprobe.suites.beir``).

**instructir-lite** is built from the files of the InstructIR GitHub repository, which lack the
revised targets. An instance (one query with one of its instructions) becomes a suite query:

- id: the instance id ``<qid>_<k>``; topic: ``<qid>``;
- text: the MS MARCO query (``metadata.origin_query``); instruction: the instance's text
  (``INSTRUCTIR/only_instruction_queries.jsonl``);
- qrels: the query's original MS MARCO passage, grade 1
  (``data_creation/msmarco/filtered_version/qrels/test.tsv``), the same for every instruction
  of the query; the corpus is the 1,743 original passages of ``filtered_version``;
- paraphrases: the five rewrites of ``analysis_prompt_sensitivity/5new_queries.jsonl``
  (``<qid>_<k>.<j>``, ``"paraphrase [SEP] query"``) for the instances that have them.

Where ``INSTRUCTIR/qrels/test.tsv`` is present, each instance's revised target ``<pid>_<k>`` is
checked to come from its query's original passage ``<pid>``.
"""

from __future__ import annotations

import os
from pathlib import Path

from instructprobe.suites.beir import instance_topic, load_beir, split_sep
from instructprobe.suites.build import Draft, assemble, documents_from
from instructprobe.suites.model import Benchmark, Protocol, Suite
from instructprobe.suites.problems import Report, where
from instructprobe.suites.tables import Qrels, identifier, jsonl_rows, require, text, tsv_qrels

ENV_DIR = "INSTRUCTPROBE_INSTRUCTIR_DIR"
DEFAULT_DIR = Path("..") / "shared" / "data" / "instructir"

INSTANCES = Path("INSTRUCTIR") / "only_instruction_queries.jsonl"
PARAPHRASES = Path("INSTRUCTIR") / "analysis_prompt_sensitivity" / "5new_queries.jsonl"
TARGETS = Path("INSTRUCTIR") / "qrels" / "test.tsv"
MSMARCO = Path("data_creation") / "msmarco" / "filtered_version"

DESCRIPTION_LITE = (
    "InstructIR instances (MS MARCO query + one user-aligned instruction) judged against the "
    "original MS MARCO passage, with InstructIR's five paraphrases of an instruction per query"
)
DESCRIPTION = "InstructIR: instances '<qid>_<k>' (instruction + MS MARCO query), revised targets"


def instructir_dir() -> Path:
    """Where instructir-lite's files are: $INSTRUCTPROBE_INSTRUCTIR_DIR, else
    ``../shared/data/instructir`` from the current directory or from the repository root."""
    configured = os.environ.get(ENV_DIR)
    if configured:
        return Path(configured)
    root = Path(__file__).resolve().parents[1]
    for candidate in (Path.cwd() / DEFAULT_DIR, root / DEFAULT_DIR):
        if (candidate / INSTANCES).is_file():
            return candidate.resolve()
    return (root / DEFAULT_DIR).resolve()


def load_instructir(folder: Path, report: Report) -> Suite | None:
    return load_beir(
        folder,
        report,
        name="instructir",
        description=DESCRIPTION,
        benchmark=Benchmark(Protocol.INSTRUCTIR),
    )


def _origin_queries(path: Path, report: Report) -> dict[str, tuple[str, str]]:
    queries: dict[str, tuple[str, str]] = {}
    for at, record in jsonl_rows(path, report):
        report.count("MS MARCO queries")
        query_id = identifier(record, "_id", at, report)
        body = text(record, "text", at, report)
        if query_id is None or body is None:
            continue
        if query_id in queries:
            report.error(at, f"duplicate query id {query_id!r}", "dup")
            continue
        queries[query_id] = (at, body)
    return queries


def _instances(
    path: Path, origins: dict[str, tuple[str, str]], base_qrels: Qrels, report: Report
) -> tuple[list[Draft], Qrels]:
    drafts: list[Draft] = []
    qrels: Qrels = {}
    for at, record in jsonl_rows(path, report):
        report.count("instances")
        instance = identifier(record, "_id", at, report)
        instruction = text(record, "text", at, report)
        if instance is None or instruction is None:
            continue
        base = instance_topic(instance)
        if not base:
            report.error(at, f"instance id {instance!r} is not '<qid>_<k>'", "bad-id")
            continue
        metadata = record.get("metadata")
        origin = metadata.get("origin_query") if isinstance(metadata, dict) else None
        known = origins.get(base)
        if not isinstance(origin, str):
            if known is None:
                report.error(at, f"no metadata.origin_query, and no MS MARCO query {base!r}")
                continue
            origin = known[1]
        elif known is not None and known[1].strip() != origin.strip():
            report.warn(
                at,
                f"origin_query {origin!r} differs from MS MARCO query {base!r} ({known[1]!r}); "
                "the origin_query is used",
                "origin-differs",
            )
        if known is None:
            report.warn(at, f"query {base!r} is not in the MS MARCO queries", "unknown-origin")
        drafts.append(Draft(instance, at, origin, instruction, topic=base))
        qrels[instance] = dict(base_qrels.get(base, {}))
    return drafts, qrels


def _paraphrases(path: Path, drafts: dict[str, Draft], report: Report) -> None:
    for at, record in jsonl_rows(path, report):
        report.count("paraphrase rows")
        paraphrase_id = identifier(record, "_id", at, report)
        joined = text(record, "text", at, report)
        if paraphrase_id is None or joined is None:
            continue
        instance, dot, _ = paraphrase_id.rpartition(".")
        parts = split_sep(joined)
        if not dot or parts is None:
            report.error(
                at, "a paraphrase needs the id '<qid>_<k>.<j>' and 'text [SEP] query'", "bad-row"
            )
            continue
        draft = drafts.get(instance)
        if draft is None:
            report.warn(at, f"paraphrase of unknown instance {instance!r}, left out", "orphan")
            report.count("paraphrases left out")
            continue
        if parts[1] != draft.text.strip():
            report.warn(
                at, f"paraphrase's query {parts[1]!r} is not {draft.text!r} (kept)", "query-differs"
            )
        draft.paraphrases.append((at, parts[0]))


def _check_targets(path: Path, drafts: dict[str, Draft], base_qrels: Qrels, report: Report) -> None:
    """InstructIR's revised target ``<pid>_<k>`` of instance ``<qid>_<k>`` must come from the
    original passage ``<pid>`` of query ``<qid>``."""
    for instance, targets in tsv_qrels(path, report, "InstructIR target rows").items():
        draft = drafts.get(instance)
        if draft is None:
            report.warn(str(path), f"target of unknown instance {instance!r}", "orphan")
            continue
        k = instance.rpartition("_")[2]
        for target in targets:
            passage, _, target_k = target.rpartition("_")
            if target_k == k and base_qrels.get(draft.topic, {}).get(passage, 0) > 0:
                report.count("revised targets that match the original passage")
            else:
                report.warn(
                    draft.at,
                    f"instance {instance!r}: revised target {target!r} does not come from the "
                    "query's original passage",
                    "target-mismatch",
                )


def load_instructir_lite(folder: Path, report: Report) -> Suite | None:
    files = {
        "instances": folder / INSTANCES,
        "corpus": folder / MSMARCO / "corpus.jsonl",
        "queries": folder / MSMARCO / "queries.jsonl",
        "qrels": folder / MSMARCO / "qrels" / "test.tsv",
    }
    if not all(require(path, report, f"InstructIR file ({key})") for key, path in files.items()):
        return None
    documents = documents_from(jsonl_rows(files["corpus"], report), report)
    origins = _origin_queries(files["queries"], report)
    base_qrels = tsv_qrels(files["qrels"], report)
    drafts, qrels = _instances(files["instances"], origins, base_qrels, report)
    by_id = {d.id: d for d in drafts}
    if (folder / PARAPHRASES).is_file():
        _paraphrases(folder / PARAPHRASES, by_id, report)
    else:
        report.warn(where(folder / PARAPHRASES), "no paraphrase file: no paraphrases", "missing")
    if (folder / TARGETS).is_file():
        _check_targets(folder / TARGETS, by_id, base_qrels, report)
    used = {d.topic for d in drafts}
    report.count("MS MARCO queries without instructions", len(set(origins) - used))
    return assemble(
        name="instructir-lite",
        description=DESCRIPTION_LITE,
        source=folder,
        report=report,
        documents=documents,
        drafts=drafts,
        qrels=qrels,
        qrels_at=str(files["qrels"]),
    )
