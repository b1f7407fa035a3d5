"""Read and write the JSONL suite format (docs/suite-format.md), with file:line errors."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from instructprobe.core.errors import SuiteError
from instructprobe.suites.model import Document, InstructionChange, Query, Suite, sha256_of
from instructprobe.suites.problems import Problem, Report, where
from instructprobe.suites.tables import MAX_GRADE, jsonl_rows


class SuiteFormatError(SuiteError):
    """A suite file breaks the format; the message starts with ``file:line``."""

    def __init__(self, path: str | Path, line: int | None, message: str) -> None:
        super().__init__(f"{where(path, line)}: {message}")
        self.path, self.line = str(path), line

    @classmethod
    def first_of(cls, errors: Sequence[Problem]) -> SuiteFormatError:
        """The first error, and how many more there are (``probe validate`` lists them all)."""
        first = errors[0]
        more = len(errors) - 1
        tail = f" (and {more} more error(s): 'probe validate' lists them)" if more else ""
        path, _, line = first.where.rpartition(":")
        if path and line.isdigit():
            return cls(path, int(line), first.message + tail)
        return cls(first.where, None, first.message + tail)


def _shown(value: Any) -> str:
    """A value for an error message, cut short (a grade may have thousands of digits)."""
    text = repr(value) if not isinstance(value, int) or abs(value) < 10**30 else "a huge number"
    return text if len(text) <= 80 else text[:77] + "..."


def _text(record: Mapping[str, Any], key: str, *, required: bool = True) -> str:
    value = record.get(key, None if required else "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise ValueError(f"field {key!r} must be a non-empty string")
    return value


def _qrels(value: Any, key: str) -> dict[str, int]:
    if not isinstance(value, dict) or not value:
        raise ValueError(f"field {key!r} must be an object of document id -> grade")
    for doc, grade in value.items():
        if isinstance(grade, bool) or not isinstance(grade, int) or not 0 <= grade <= MAX_GRADE:
            raise ValueError(
                f"{key}[{doc!r}] must be an integer grade from 0 to {MAX_GRADE:,}, got "
                f"{_shown(grade)}"
            )
    if not any(grade > 0 for grade in value.values()):
        raise ValueError(f"field {key!r} has no relevant document (grade >= 1)")
    return dict(value)


def _fields(record: Mapping[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(record) - allowed - {"kind"})
    if unknown:
        raise ValueError(f"unknown field(s) {', '.join(map(repr, unknown))}")


def _change(
    record: Mapping[str, Any], key: str, original: str, qrels: Mapping[str, int]
) -> InstructionChange | None:
    """A ``changed`` or ``negated`` pair: another instruction under which at least one
    originally relevant document drops to not relevant (and, as in every qrels, at least one
    document is relevant)."""
    value = record.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValueError(f"field {key!r} must be an object with instruction and qrels")
    _fields(value, {"instruction", "qrels", "moved"})
    instruction = _text(value, "instruction")
    if instruction.strip() == original.strip():
        raise ValueError(f"{key}.instruction is identical to the original instruction")
    judged = _qrels(value.get("qrels"), f"{key}.qrels")
    moved = _moved(value.get("moved"), key)
    was = {doc for doc, grade in qrels.items() if grade > 0}
    now = {doc for doc, grade in judged.items() if grade > 0}
    if not was - now and not moved:
        raise ValueError(
            f"{key}.qrels: no originally relevant document drops to not relevant, so the pair "
            "tests nothing"
        )
    return InstructionChange(instruction, judged, moved)


def _moved(value: Any, key: str) -> tuple[str, ...] | None:
    """A change's published list of the documents p-MRR scores (FollowIR's ``qrel_diff``)."""
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(d, str) and d for d in value):
        raise ValueError(f"field {key}.moved must be a list of document ids")
    return tuple(value)


def _query_text(record: Mapping[str, Any]) -> str:
    """``text``; an empty string is allowed: the instruction is then the whole question."""
    return "" if record.get("text") == "" else _text(record, "text")


def _document(record: Mapping[str, Any]) -> Document:
    _fields(record, {"id", "text", "title", "topic"})
    return Document(
        _text(record, "id"),
        _text(record, "text"),
        _text(record, "title", required=False),
        _text(record, "topic", required=False),
    )


def _query(record: Mapping[str, Any]) -> Query:
    _fields(
        record,
        {
            "id",
            "text",
            "instruction",
            "qrels",
            "topic",
            "changed",
            "negated",
            "paraphrases",
            "candidates",
        },
    )
    instruction = _text(record, "instruction")
    qrels = _qrels(record.get("qrels"), "qrels")
    return Query(
        id=_text(record, "id"),
        text=_query_text(record),
        instruction=instruction,
        qrels=qrels,
        topic=_text(record, "topic", required=False),
        changed=_change(record, "changed", instruction, qrels),
        negated=_change(record, "negated", instruction, qrels),
        paraphrases=_paraphrases(record.get("paraphrases"), instruction),
        candidates=_candidates(record.get("candidates")),
    )


def _paraphrases(value: Any, original: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError("field 'paraphrases' must be a list of non-empty strings")
    if any(v.strip() == original.strip() for v in value):
        raise ValueError("a paraphrase is identical to the original instruction")
    return tuple(value)


def _candidates(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise ValueError("field 'candidates' must be a non-empty list of document ids")
    if len(set(value)) != len(value):
        raise ValueError("field 'candidates' lists a document twice")
    return tuple(value)


def _named_documents(query: Query) -> set[str]:
    """Every document id a query names: judged, in its pool, or scored by p-MRR (``moved``)."""
    changes = query.changes().values()
    judged = [query.qrels, *(c.qrels for c in changes)]
    moved = {doc for c in changes for doc in c.moved or ()}
    return {doc for qrels in judged for doc in qrels} | set(query.candidates or ()) | moved


class _Reader:
    def __init__(self, path: Path, report: Report) -> None:
        self.path = path
        self.report = report
        self.header: Mapping[str, Any] = {}
        self.documents: dict[str, Document] = {}
        self.queries: dict[str, tuple[str, Query]] = {}
        self._at = str(path)

    def read(self) -> Suite | None:
        handlers: dict[str, Callable[[Mapping[str, Any]], None]] = {
            "suite": self._header,
            "document": self._add_document,
            "query": self._add_query,
        }
        for at, record in jsonl_rows(self.path, self.report, comments=True):
            kind = record.get("kind")
            handler = handlers.get(kind) if isinstance(kind, str) else None
            if handler is None:
                expected = ", ".join(handlers)
                self.report.error(at, f"unknown kind {kind!r} (expected {expected})", "bad-kind")
                continue
            self._at = at
            try:
                handler(record)
            except ValueError as error:
                self.report.error(at, str(error), "bad-record")
        return self._suite()

    def _header(self, record: Mapping[str, Any]) -> None:
        if self.header or self.documents or self.queries:
            raise ValueError("the suite header must come first, and only once")
        _fields(record, {"name", "description"})
        _text(record, "name", required=False)
        _text(record, "description", required=False)
        self.header = record

    def _add_document(self, record: Mapping[str, Any]) -> None:
        document = _document(record)
        if document.id in self.documents:
            raise ValueError(f"duplicate document id {document.id!r}")
        self.documents[document.id] = document

    def _add_query(self, record: Mapping[str, Any]) -> None:
        query = _query(record)
        if query.id in self.queries:
            raise ValueError(f"duplicate query id {query.id!r}")
        self.queries[query.id] = (self._at, query)

    def _suite(self) -> Suite | None:
        self.report.count("documents", len(self.documents))
        self.report.count("queries", len(self.queries))
        for at, query in self.queries.values():
            missing = sorted(_named_documents(query) - self.documents.keys())
            if missing:
                self.report.error(
                    at,
                    "qrels, candidates or moved name unknown document(s): "
                    + ", ".join(missing[:5]),
                    "unknown-document",
                )
        if not self.queries:
            self.report.error(str(self.path), "the suite has no queries", "no-queries")
        if self.report.errors:
            return None
        name = self.header.get("name") if self.header else None
        return Suite(
            name=str(name or self.path.stem),
            documents=tuple(self.documents.values()),
            queries=tuple(query for _, query in self.queries.values()),
            description=str(self.header.get("description", "")),
            source=str(self.path),
            sha256=sha256_of(str(self.path)),
        )


def load_jsonl(path: str | Path, report: Report) -> Suite | None:
    """The suite in ``path``, or ``None``; every problem found goes into ``report``."""
    return _Reader(Path(path), report).read()


def read_suite(path: str | Path) -> Suite:
    """The suite in ``path``; the first error (of all found) is raised as a SuiteFormatError."""
    report = Report()
    suite = load_jsonl(path, report)
    if suite is None:
        raise SuiteFormatError.first_of(report.errors)
    return suite


def suite_records(suite: Suite) -> Iterator[dict[str, Any]]:
    """The suite as format records, in the order ``read_suite`` reads them back."""
    yield {"kind": "suite", "name": suite.name, "description": suite.description}
    for d in suite.documents:
        yield {"kind": "document", "id": d.id, "text": d.text, "title": d.title, "topic": d.topic}
    for q in suite.queries:
        record: dict[str, Any] = {
            "kind": "query",
            "id": q.id,
            "topic": q.topic,
            "text": q.text,
            "instruction": q.instruction,
            "qrels": dict(q.qrels),
        }
        for form, change in q.changes().items():
            record[form] = {"instruction": change.instruction, "qrels": dict(change.qrels)}
            if change.moved is not None:
                record[form]["moved"] = list(change.moved)
        if q.paraphrases:
            record["paraphrases"] = list(q.paraphrases)
        if q.candidates is not None:
            record["candidates"] = list(q.candidates)
        yield record


def write_suite(suite: Suite, path: str | Path) -> None:
    with Path(path).open("w", encoding="utf-8") as handle:
        for record in suite_records(suite):
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
