"""Read and write the JSONL suite format (docs/suite-format.md), with file:line errors."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from probes.errors import ProbeError
from probes.suites.model import Document, InstructionChange, Query, Suite, sha256_of


class SuiteFormatError(ProbeError):
    def __init__(self, path: str | Path, line: int | None, message: str) -> None:
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {message}")
        self.path, self.line = str(path), line


@dataclass(frozen=True)
class _Line:
    number: int
    record: Mapping[str, Any]


def _records(path: Path) -> Iterator[_Line]:
    with path.open(encoding="utf-8") as handle:
        for number, raw in enumerate(handle, start=1):
            stripped = raw.strip()
            if not stripped or stripped.startswith("#"):
                continue
            try:
                record = json.loads(stripped)
            except json.JSONDecodeError as error:
                raise SuiteFormatError(path, number, f"not valid JSON ({error.msg})") from None
            if not isinstance(record, dict):
                raise SuiteFormatError(path, number, "each line must be a JSON object")
            yield _Line(number, record)


def _text(record: Mapping[str, Any], key: str, *, required: bool = True) -> str:
    value = record.get(key, None if required else "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise ValueError(f"field {key!r} must be a non-empty string")
    return value


def _qrels(value: Any, key: str) -> dict[str, int]:
    if not isinstance(value, dict) or not value:
        raise ValueError(f"field {key!r} must be an object of document id -> grade")
    for doc, grade in value.items():
        if isinstance(grade, bool) or not isinstance(grade, int) or grade < 0:
            raise ValueError(f"{key}[{doc!r}] must be an integer grade >= 0, got {grade!r}")
    if not any(grade > 0 for grade in value.values()):
        raise ValueError(f"field {key!r} has no relevant document (grade >= 1)")
    return dict(value)


def _fields(record: Mapping[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(record) - allowed - {"kind"})
    if unknown:
        raise ValueError(f"unknown field(s) {', '.join(map(repr, unknown))}")


def _change(record: Mapping[str, Any], key: str, original: str) -> InstructionChange | None:
    value = record.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValueError(f"field {key!r} must be an object with instruction and qrels")
    _fields(value, {"instruction", "qrels"})
    instruction = _text(value, "instruction")
    if instruction.strip() == original.strip():
        raise ValueError(f"{key}.instruction is identical to the original instruction")
    return InstructionChange(instruction, _qrels(value.get("qrels"), f"{key}.qrels"))


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
    return Query(
        id=_text(record, "id"),
        text=_text(record, "text"),
        instruction=instruction,
        qrels=_qrels(record.get("qrels"), "qrels"),
        topic=_text(record, "topic", required=False),
        changed=_change(record, "changed", instruction),
        negated=_change(record, "negated", instruction),
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


class _Reader:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.header: Mapping[str, Any] = {}
        self.documents: dict[str, Document] = {}
        self.queries: dict[str, tuple[int, Query]] = {}

    def read(self) -> Suite:
        handlers: dict[str, Callable[[_Line], None]] = {
            "suite": self._header,
            "document": self._add_document,
            "query": self._add_query,
        }
        for line in _records(self.path):
            kind = line.record.get("kind")
            handler = handlers.get(kind) if isinstance(kind, str) else None
            if handler is None:
                raise SuiteFormatError(
                    self.path,
                    line.number,
                    f"unknown kind {kind!r} (expected {', '.join(handlers)})",
                )
            try:
                handler(line)
            except ValueError as error:
                raise SuiteFormatError(self.path, line.number, str(error)) from None
        return self._suite()

    def _header(self, line: _Line) -> None:
        if self.header or self.documents or self.queries:
            raise ValueError("the suite header must come first, and only once")
        _fields(line.record, {"name", "description"})
        self.header = line.record

    def _add_document(self, line: _Line) -> None:
        document = _document(line.record)
        if document.id in self.documents:
            raise ValueError(f"duplicate document id {document.id!r}")
        self.documents[document.id] = document

    def _add_query(self, line: _Line) -> None:
        query = _query(line.record)
        if query.id in self.queries:
            raise ValueError(f"duplicate query id {query.id!r}")
        self.queries[query.id] = (line.number, query)

    def _suite(self) -> Suite:
        for number, query in self.queries.values():
            judged = [query.qrels, *(c.qrels for c in query.changes().values())]
            named = {doc for qrels in judged for doc in qrels} | set(query.candidates or ())
            missing = sorted(named - self.documents.keys())
            if missing:
                raise SuiteFormatError(
                    self.path,
                    number,
                    f"qrels or candidates name unknown document(s): {', '.join(missing[:5])}",
                )
        if not self.queries:
            raise SuiteFormatError(self.path, None, "the suite has no queries")
        name = self.header.get("name") if self.header else None
        return Suite(
            name=str(name or self.path.stem),
            documents=tuple(self.documents.values()),
            queries=tuple(query for _, query in self.queries.values()),
            description=str(self.header.get("description", "")),
            source=str(self.path),
            sha256=sha256_of(str(self.path)),
        )


def read_suite(path: str | Path) -> Suite:
    return _Reader(Path(path)).read()


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
        if q.paraphrases:
            record["paraphrases"] = list(q.paraphrases)
        if q.candidates is not None:
            record["candidates"] = list(q.candidates)
        yield record


def write_suite(suite: Suite, path: str | Path) -> None:
    with Path(path).open("w", encoding="utf-8") as handle:
        for record in suite_records(suite):
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
