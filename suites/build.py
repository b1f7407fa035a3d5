"""From what a published data set says to a checked ``Suite``: the checks every loader shares.

Loaders read their files into ``Draft`` queries, documents and qrels; ``assemble`` checks them
together and reports each problem with the place it was read. Records that cannot be used are
left out with a warning and a count, never silently.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from instructprobe.suites.model import (
    INSTRUCTION_FIRST,
    Benchmark,
    Document,
    InstructionChange,
    Protocol,
    Query,
    Suite,
)
from instructprobe.suites.problems import Report
from instructprobe.suites.tables import Qrels, Row, identifier, text


@dataclass
class Draft:
    """A query as read, before the checks."""

    id: str
    at: str
    text: str
    instruction: str
    topic: str = ""
    changed: str | None = None
    """The changed instruction (FollowIR's ``instruction_changed``), judged by the changed qrels."""
    paraphrases: list[tuple[str, str]] = field(default_factory=list)
    """(where read, paraphrase of the instruction)."""
    candidates: list[str] | None = None
    candidates_at: str = ""
    moved: list[str] | None = None
    """The published list of documents the change moves (FollowIR's ``qrel_diff``)."""
    question_only: bool = False
    """The instruction is the whole question and ``text`` is empty (NevIR)."""


def documents_from(rows: Iterable[Row], report: Report, *, id_key: str = "_id") -> list[Document]:
    """BEIR corpus records (``_id``, ``title``, ``text``). The text a retriever sees is
    ``title + " " + text`` when there is a title, as MTEB builds it; ``title`` is kept too."""
    seen: dict[str, str] = {}
    documents: list[Document] = []
    for at, record in rows:
        report.count("corpus rows")
        key = id_key if id_key in record or "id" not in record else "id"
        doc_id = identifier(record, key, at, report)
        body = text(record, "text", at, report)
        title = text(record, "title", at, report, required=False)
        if doc_id is None or body is None or title is None:
            continue
        if doc_id in seen:
            report.error(at, f"duplicate document id {doc_id!r} (first at {seen[doc_id]})", "dup")
            continue
        seen[doc_id] = at
        joined = f"{title.strip()} {body.strip()}".strip() if title.strip() else body
        if not joined.strip():
            report.warn(at, f"document {doc_id!r} has no text (kept)", "empty-document")
        documents.append(Document(doc_id, joined, title.strip()))
    return documents


def _known(
    qrels: Mapping[str, int], documents: Mapping[str, Document], at: str, report: Report
) -> dict[str, int]:
    unknown = sorted(doc for doc in qrels if doc not in documents)
    if unknown:
        report.warn(
            at,
            f"{len(unknown)} judged document(s) not in the corpus, left out: "
            + ", ".join(unknown[:3])
            + (" …" if len(unknown) > 3 else ""),
            "unknown-document",
        )
        report.count("judgments of unknown documents left out", len(unknown))
    return {doc: grade for doc, grade in qrels.items() if doc in documents}


def _relevant(qrels: Mapping[str, int]) -> set[str]:
    return {doc for doc, grade in qrels.items() if grade > 0}


def _change(
    draft: Draft,
    qrels: Mapping[str, int],
    changed_qrels: Qrels | None,
    documents: Mapping[str, Document],
    report: Report,
    narrows: bool,
) -> InstructionChange | None:
    if draft.changed is None:
        return None
    if not draft.changed.strip():
        report.warn(draft.at, f"query {draft.id!r}: empty changed instruction, left out", "empty")
        return None
    if draft.changed.strip() == draft.instruction.strip():
        report.warn(
            draft.at,
            f"query {draft.id!r}: the changed instruction is identical to the original, left out",
            "identical-change",
        )
        report.count("changed instructions left out")
        return None
    if changed_qrels is None or draft.id not in changed_qrels:
        report.warn(
            draft.at,
            f"query {draft.id!r}: no qrels for the changed instruction, left out",
            "no-changed-qrels",
        )
        report.count("changed instructions left out")
        return None
    now = _known(changed_qrels[draft.id], documents, draft.at, report)
    was, after = _relevant(qrels), _relevant(now)
    if narrows and after - was:
        report.warn(
            draft.at,
            f"query {draft.id!r}: the changed qrels make {len(after - was)} document(s) relevant "
            "that were not relevant under the original instruction (are the original and changed "
            "qrels swapped?)",
            "changed-adds-relevant",
        )
    if not was - after and not draft.moved:
        report.warn(
            draft.at,
            f"query {draft.id!r}: the changed instruction makes no relevant document "
            "non-relevant, so it cannot be scored (kept)",
            "change-without-effect",
        )
    if not after:
        report.warn(
            draft.at,
            f"query {draft.id!r}: no document is relevant under the changed instruction (kept)",
            "change-leaves-nothing",
        )
    moved = None if draft.moved is None else tuple(d for d in draft.moved if d in documents)
    return InstructionChange(draft.changed, now, moved)


def _paraphrases(draft: Draft, report: Report) -> tuple[str, ...]:
    kept: list[str] = []
    for at, paraphrase in draft.paraphrases:
        if not paraphrase.strip():
            report.warn(at, f"empty paraphrase of {draft.id!r}, left out", "empty-paraphrase")
        elif paraphrase.strip() == draft.instruction.strip():
            report.warn(
                at,
                f"paraphrase of {draft.id!r} is identical to the instruction, left out",
                "identical-paraphrase",
            )
        elif paraphrase in kept:
            report.warn(at, f"paraphrase of {draft.id!r} given twice, kept once", "dup-paraphrase")
        else:
            kept.append(paraphrase)
            continue
        report.count("paraphrases left out")
    return tuple(kept)


def _candidates(
    draft: Draft, relevant: set[str], documents: Mapping[str, Document], report: Report
) -> tuple[str, ...] | None:
    if draft.candidates is None:
        return None
    at = draft.candidates_at or draft.at
    pool = list(dict.fromkeys(draft.candidates))
    if len(pool) < len(draft.candidates):
        report.warn(at, f"query {draft.id!r}: candidate pool lists documents twice", "dup-pool")
    unknown = [doc for doc in pool if doc not in documents]
    if unknown:
        report.warn(
            at,
            f"query {draft.id!r}: {len(unknown)} candidate(s) not in the corpus, left out: "
            + ", ".join(unknown[:3]),
            "unknown-candidate",
        )
        report.count("candidates not in the corpus left out", len(unknown))
    pool = [doc for doc in pool if doc in documents]
    outside = sorted(relevant - set(pool))
    if outside and pool:
        report.warn(
            at,
            f"query {draft.id!r}: {len(outside)} relevant document(s) are not in its candidate "
            "pool, so they cannot be ranked",
            "relevant-outside-pool",
        )
    return tuple(pool)


def _without_relevant(draft: Draft, qrels_at: str, scored_zero: bool, report: Report) -> None:
    where = "left out of the probes; the benchmark section scores it 0, as MTEB does"
    report.warn(
        draft.at,
        f"query {draft.id!r} has no relevant document in {qrels_at}, "
        + (where if scored_zero else "left out"),
        "no-relevant",
    )
    report.count("queries without a relevant document left out")
    if scored_zero:
        report.count("of them judged, so scored 0 by the benchmark section")


def _change_to_score(
    draft: Draft, changed_qrels: Qrels | None, benchmark: Benchmark | None
) -> bool:
    """Whether MTEB would score a FollowIR query's change from its rankings although the query
    has no relevant document: its ``qrel_diff`` lists documents, or its changed qrels hold a
    relevant one (for p-MRR's flips and the v1-swap rows)."""
    if benchmark is None or benchmark.protocol is not Protocol.FOLLOWIR or draft.changed is None:
        return False
    changed = (changed_qrels or {}).get(draft.id, {})
    return bool(draft.moved) or any(grade > 0 for grade in changed.values())


def _with_zeros(
    benchmark: Benchmark | None, zeros: list[str], unscored: list[str]
) -> Benchmark | None:
    if benchmark is None or not zeros:
        return benchmark
    departures = benchmark.departures
    if unscored:
        departures = (
            *departures,
            f"{len(unscored)} quer{'y' if len(unscored) == 1 else 'ies'} without a relevant "
            f"document but with a change to score ({', '.join(unscored[:3])}"
            f"{' …' if len(unscored) > 3 else ''}): MTEB ranks them and scores their change; "
            "here they count 0 in MAP and nDCG (both rows) and are left out of p-MRR",
        )
    return replace(benchmark, without_relevant=tuple(zeros), departures=departures)


def assemble(
    *,
    name: str,
    description: str,
    source: Path,
    report: Report,
    documents: list[Document],
    drafts: list[Draft],
    qrels: Qrels,
    qrels_at: str,
    changed_qrels: Qrels | None = None,
    narrows: bool = False,
    benchmark: Benchmark | None = None,
    order: str = INSTRUCTION_FIRST,
) -> Suite | None:
    """The suite, checked; ``None`` if there are errors (all of them are in ``report``).

    ``narrows``: a changed instruction only narrows what is relevant (FollowIR), so a document
    that the change makes relevant is reported (the two qrels may have been swapped)."""
    by_id = {d.id: d for d in documents}
    seen: dict[str, str] = {}
    queries: list[Query] = []
    zeros: list[str] = []
    unscored: list[str] = []
    for draft in drafts:
        report.count("queries read")
        if draft.id in seen:
            report.error(
                draft.at, f"duplicate query id {draft.id!r} (first at {seen[draft.id]})", "dup"
            )
            continue
        seen[draft.id] = draft.at
        if (not draft.text.strip() and not draft.question_only) or not draft.instruction.strip():
            empty = "instruction" if not draft.instruction.strip() else "query text"
            report.error(draft.at, f"query {draft.id!r} has an empty {empty}", "empty-text")
            continue
        judged = _known(qrels.get(draft.id, {}), by_id, draft.at, report)
        relevant = _relevant(judged)
        if not relevant:
            scored_zero = benchmark is not None and bool(qrels.get(draft.id))
            _without_relevant(draft, qrels_at, scored_zero, report)
            if scored_zero:
                zeros.append(draft.id)
                if _change_to_score(draft, changed_qrels, benchmark):
                    unscored.append(draft.id)
            continue
        pool = _candidates(draft, relevant, by_id, report)
        if pool is not None and not pool:
            report.warn(draft.at, f"query {draft.id!r}: empty candidate pool, left out", "pool")
            report.count("queries with an empty candidate pool left out")
            continue
        queries.append(
            Query(
                id=draft.id,
                text=draft.text.strip(),
                instruction=draft.instruction.strip(),
                qrels=judged,
                topic=draft.topic,
                changed=_change(draft, judged, changed_qrels, by_id, report, narrows),
                paraphrases=_paraphrases(draft, report),
                candidates=pool,
            )
        )
    for label, table in (("", qrels), ("changed ", changed_qrels or {})):
        strays = sorted(set(table) - seen.keys())
        if strays:
            rows = sum(len(table[q]) for q in strays)
            report.warn(
                qrels_at,
                f"{label}qrels name {len(strays)} query id(s) that are not in the queries "
                f"({', '.join(strays[:3])}{' …' if len(strays) > 3 else ''}); "
                f"{rows} row(s) left out",
                "unknown-query",
            )
            report.count(f"{label}qrels rows naming unknown queries left out", rows)
    report.count("queries kept", len(queries))
    report.count("documents", len(documents))
    if not queries:
        report.error(str(source), "no usable queries", "no-queries")
    if report.errors:
        return None
    return Suite(
        name=name,
        documents=tuple(documents),
        queries=tuple(queries),
        description=description,
        source=str(source),
        sha256=report.digest(),
        benchmark=_with_zeros(benchmark, zeros, unscored),
        order=order,
    )
