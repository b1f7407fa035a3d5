"""Rows of the files published data sets come in (JSONL, TSV qrels, Parquet), with locations.

Readers never raise on bad data: they report the problem at ``file:line`` (``file row N`` for
Parquet) and go on, so one run of ``probe validate`` lists every problem. Only a missing or
unreadable file is fatal to a reader, and that too is reported, not raised.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO

from instructprobe.core.untrusted import JSONTextError, parse_json
from instructprobe.suites.problems import Report, where

Row = tuple[str, Mapping[str, Any]]
"""A record and where it was read (``file:line``)."""

Qrels = dict[str, dict[str, int]]

MAX_LINE_BYTES = 16 << 20
"""The longest line a JSONL file may have (a record: a document, a query with its judgments)."""
MAX_GRADE = 1_000
"""The largest relevance grade (judgments use 0-4): gains stay finite in every measure."""


def bounded_lines(handle: BinaryIO) -> Iterator[bytes | None]:
    """Each line of a binary file, or None for a line longer than ``MAX_LINE_BYTES`` (read
    past, never held whole)."""
    while raw := handle.readline(MAX_LINE_BYTES + 1):
        if len(raw) <= MAX_LINE_BYTES or raw.endswith(b"\n"):
            yield raw
            continue
        while (rest := handle.readline(1 << 20)) and not rest.endswith(b"\n"):
            pass
        yield None


def jsonl_rows(path: Path, report: Report, *, comments: bool = False) -> Iterator[Row]:
    """Each line's JSON object. Blank lines are skipped (and ``#`` lines when ``comments``)."""
    report.read(path)
    with path.open("rb") as handle:
        for number, raw in enumerate(bounded_lines(handle), start=1):
            at = where(path, number)
            if raw is None:
                limit = MAX_LINE_BYTES >> 20
                report.error(at, f"the line is longer than {limit} MiB", "malformed-line")
                continue
            try:
                line = raw.decode("utf-8").strip()
            except UnicodeDecodeError:
                report.error(at, "not valid UTF-8", "malformed-line")
                continue
            if not line or (comments and line.startswith("#")):
                continue
            try:
                record = parse_json(line)
            except JSONTextError as error:
                report.error(at, f"not valid JSON ({error.msg})", "malformed-line")
                continue
            if not isinstance(record, dict):
                report.error(at, "each line must be a JSON object", "malformed-line")
                continue
            yield at, record


def parquet_rows(path: Path, report: Report) -> Iterator[Row]:
    report.read(path)
    try:
        import pyarrow.parquet as pq  # type: ignore[import-untyped]
    except ImportError:  # pragma: no cover - pyarrow is a dependency
        report.error(str(path), "reading Parquet needs pyarrow (pip install pyarrow)", "io")
        return
    try:
        table = pq.read_table(path)
    except Exception as error:  # pyarrow raises several types for unreadable files
        report.error(str(path), f"not a readable Parquet file ({error})", "io")
        return
    for number, record in enumerate(table.to_pylist(), start=1):
        yield f"{path} row {number}", record


def table_rows(path: Path, report: Report) -> Iterator[Row]:
    """Rows of a JSONL (``.jsonl``/``.json`` lines) or Parquet file, by extension."""
    if path.suffix == ".parquet":
        return parquet_rows(path, report)
    return jsonl_rows(path, report)


def identifier(record: Mapping[str, Any], key: str, at: str, report: Report) -> str | None:
    """An id field as a string (integer ids are accepted, as in BEIR's data), or ``None``."""
    value = record.get(key)
    if isinstance(value, bool) or not isinstance(value, str | int):
        problem = "missing field" if value is None else "field must be a string"
        report.error(at, f"{problem} {key!r}", "missing-field")
        return None
    text = str(value).strip()
    if not text:
        report.error(at, f"field {key!r} is empty", "empty-text")
        return None
    return text


def text(
    record: Mapping[str, Any],
    key: str,
    at: str,
    report: Report,
    *,
    required: bool = True,
) -> str | None:
    """A string field. Missing or not a string: an error when ``required``; ``""`` otherwise."""
    value = record.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        problem = "missing field" if value is None else "field must be a string"
        report.error(at, f"{problem} {key!r}", "missing-field")
        return None
    return value


def grade(value: Any, at: str, report: Report) -> int | None:
    """A relevance grade: an integer, or a whole number written as a float or a string."""
    number: float
    if isinstance(value, bool):
        number = float("nan")
    elif isinstance(value, int | float | str):
        try:
            number = float(value)
        except (ValueError, OverflowError):
            number = float("nan")
    else:
        number = float("nan")
    if not math.isfinite(number) or number != int(number) or number > MAX_GRADE:
        shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."
        report.error(
            at,
            f"relevance grade must be a whole number up to {MAX_GRADE:,}, got {shown}",
            "bad-grade",
        )
        return None
    if number < 0:
        report.warn(at, f"negative grade {value!r} read as 0 (not relevant)", "negative-grade")
        return 0
    return int(number)


def _add(
    qrels: Qrels, query: str, doc: str, score: int, at: str, report: Report, label: str
) -> None:
    judged = qrels.setdefault(query, {})
    if doc in judged and judged[doc] != score:
        report.warn(
            at,
            f"({query}, {doc}) judged twice ({judged[doc]}, then {score}); the last one is kept",
            "judged-twice",
        )
    judged[doc] = score
    report.count(label)


def tsv_qrels(path: Path, report: Report, label: str = "qrels rows") -> Qrels:
    """BEIR's ``query-id<TAB>corpus-id<TAB>score`` (header optional) or TREC's
    ``qid iteration docid grade``."""
    report.read(path)
    qrels: Qrels = {}
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, raw in enumerate(handle, start=1):
            line = raw.rstrip("\r\n")
            if not line.strip():
                continue
            fields = line.split("\t") if "\t" in line else line.split()
            at = where(path, number)
            if len(fields) == 4:
                fields = [fields[0], fields[2], fields[3]]
            if len(fields) != 3:
                report.error(at, f"expected 3 tab-separated columns, got {len(fields)}", "bad-row")
                continue
            query, doc, score = (f.strip() for f in fields)
            if number == 1 and not _is_number(score):
                continue  # the header
            value = grade(score, at, report)
            if value is not None and query and doc:
                _add(qrels, query, doc, value, at, report, label)
            elif value is not None:
                report.error(at, "empty query or document id", "bad-row")
    return qrels


def row_qrels(rows: Iterator[Row], report: Report, label: str = "qrels rows") -> Qrels:
    """Qrels from records with ``query-id``, ``corpus-id`` and ``score`` (JSONL or Parquet)."""
    qrels: Qrels = {}
    for at, record in rows:
        query = identifier(record, "query-id", at, report)
        doc = identifier(record, "corpus-id", at, report)
        if "score" not in record:
            report.error(at, "missing field 'score'", "missing-field")
            continue
        value = grade(record["score"], at, report)
        if query is not None and doc is not None and value is not None:
            _add(qrels, query, doc, value, at, report, label)
    return qrels


def qrels_file(path: Path, report: Report, label: str = "qrels rows") -> Qrels:
    if path.suffix in (".tsv", ".txt"):
        return tsv_qrels(path, report, label)
    return row_qrels(table_rows(path, report), report, label)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def require(path: Path, report: Report, what: str) -> bool:
    """Whether ``path`` is a file; if not, an error saying which file of the layout is missing."""
    if path.is_file():
        return True
    report.error(str(path), f"missing {what}", "missing-file")
    return False
