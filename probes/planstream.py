"""A plan on disk, made and read a case at a time, so a run never holds all its variants.

The file is gzipped JSON lines: a header (``{"format": 3}``), one line per case of the suite in
its order (``{"case": ID, "variants": [...], "dropped": [...]}``), and a last line with the
counts, what the plan was made with and a checksum over every line before it and its own
content. A file that is cut, altered or mixed up fails its checks (``DamagedPlan``) before a
run uses it. The run keeps the file open and reads it again for each retriever; a temporary
plan (one the cache does not keep) is unlinked as soon as it is open, so nothing is left behind
whatever stops the run.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import sys
import tempfile
import weakref
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal

from instructprobe.core.errors import ProbeError
from instructprobe.core.interrupts import signals_deferred
from instructprobe.perturb import (
    Case,
    Edit,
    Expectation,
    ExpectationKind,
    Family,
    Order,
    Request,
    Variant,
)
from instructprobe.probes.plan import Plan, PlannedCase, case_for, judged_cases
from instructprobe.suites import Suite

if TYPE_CHECKING:
    from instructprobe.perturb.meaning import MeaningFilter

FORMAT = 3
"""3: gzipped JSON lines, a case a line (2: one JSON document, read whole)."""

Facts = Callable[[], Mapping[str, Any]]
"""What the plan was made with, asked for once it is made (its last line records them)."""


class DamagedPlan(ValueError):
    """A stored plan that fails its checks: it cannot be read, its checksum does not match, or
    it names queries, documents or expectations its suite does not have."""


class PlanWriter:
    """Writes a plan's lines to ``handle``; ``finish`` writes the last line and returns it."""

    def __init__(self, handle: IO[bytes]) -> None:
        self._gzip = gzip.GzipFile(fileobj=handle, mode="wb", compresslevel=1, mtime=0)
        self._digest = hashlib.sha256()
        self._counts = {"cases": 0, "variants": 0, "dropped": 0}
        self._line({"format": FORMAT})

    def add(self, case_id: str, variants: Sequence[Variant], dropped: Sequence[Variant]) -> None:
        kept, gone = [record(v) for v in variants], [record(v) for v in dropped]
        self._line({"case": case_id, "variants": kept, "dropped": gone})
        self._counts["cases"] += 1
        self._counts["variants"] += len(variants)
        self._counts["dropped"] += len(dropped)

    def finish(self, facts: Mapping[str, Any]) -> dict[str, Any]:
        last: dict[str, Any] = {"end": True, **self._counts, **facts}
        last["checksum"] = _checksum(self._digest, last)
        self._gzip.write(_encoded(last))
        self._gzip.close()
        return last

    def _line(self, content: Mapping[str, Any]) -> None:
        line = _encoded(content)
        self._digest.update(line)
        self._gzip.write(line)


def _encoded(content: Mapping[str, Any]) -> bytes:
    return json.dumps(content, separators=(",", ":")).encode() + b"\n"


def _checksum(lines: Any, last: Mapping[str, Any]) -> str:
    digest = lines.copy()
    content = {k: v for k, v in last.items() if k != "checksum"}
    digest.update(json.dumps(content, sort_keys=True).encode())
    return str(digest.hexdigest())


class PlanFile:
    """A plan read from an open file a case at a time (``each_planned``), as often as a run
    asks; its cases are made again from the suite, so only the variants are read. The reads
    share the file's position: one is finished (or dropped) before the next starts."""

    def __init__(
        self, handle: IO[bytes], suite: Suite, order: Order, last: Mapping[str, Any]
    ) -> None:
        self._handle = handle
        self.suite = suite
        self.order = order
        self.variant_count = int(last["variants"])
        self.dropped_count = int(last["dropped"])
        self.facts = dict(last)
        weakref.finalize(self, handle.close)  # closed when the plan is let go, if not before

    @classmethod
    def open(cls, handle: IO[bytes], suite: Suite, order: Order) -> PlanFile | None:
        """The plan in ``handle`` once every check passed; None when it is of another format.
        ``DamagedPlan`` when a check fails."""
        if _format(handle) != FORMAT:
            return None
        _check_sum(handle)
        lines = _lines(handle)
        next(lines)
        documents = {d.id for d in suite.documents}
        last: dict[str, Any] = {}
        for line, query in _aligned(lines, suite, last):
            for stored in (*line["variants"], *line["dropped"]):
                _check(_variant(stored, query.id), documents)
        return cls(handle, suite, order, last)

    def each_case(self) -> Iterator[Case]:
        return (case_for(q, self.suite, self.order) for q in self.suite.queries)

    def each_planned(self) -> Iterator[PlannedCase]:
        lines = _lines(self._handle)
        try:
            next(lines)
            for line, query in _aligned(lines, self.suite, {}):
                case = case_for(query, self.suite, self.order)
                variants = tuple(_variant(v, case.id) for v in line["variants"])
                dropped = tuple(_variant(v, case.id) for v in line["dropped"])
                yield PlannedCase(case, variants, dropped)
        except (DamagedPlan, KeyError, TypeError, ValueError) as error:
            raise ProbeError(f"the run's plan changed while it was read ({error})") from None

    def each_variant(self) -> Iterator[Variant]:
        return (v for planned in self.each_planned() for v in planned.variants)

    def whole(self) -> Plan:
        """Every case and variant in memory (for a small plan, or a test)."""
        each = list(self.each_planned())
        variants = tuple(v for p in each for v in p.variants)
        return Plan(
            tuple(p.case for p in each), variants, tuple(v for p in each for v in p.dropped)
        )

    def close(self) -> None:
        self._handle.close()


def _format(handle: IO[bytes]) -> object:
    """The format its first line names (an earlier format is a plain miss, not damage)."""
    handle.seek(0)
    try:
        with gzip.GzipFile(fileobj=handle, mode="rb") as stream:
            first = stream.readline()
    except (OSError, EOFError, zlib.error) as error:
        raise DamagedPlan(f"unreadable: {error or type(error).__name__}") from None
    return _parsed(first).get("format")


def _check_sum(handle: IO[bytes]) -> None:
    """The whole stream decompresses, its CRC holds and its last line's checksum matches the
    lines before it (read a line at a time, before any is believed)."""
    handle.seek(0)
    digest = hashlib.sha256()
    previous: bytes | None = None
    try:
        with gzip.GzipFile(fileobj=handle, mode="rb") as stream:
            for raw in stream:
                if previous is not None:
                    digest.update(previous)
                previous = raw
    except (OSError, EOFError, zlib.error) as error:
        raise DamagedPlan(f"unreadable: {error or type(error).__name__}") from None
    last = _parsed(previous) if previous is not None else {}
    if last.get("end") is not True:
        raise DamagedPlan("it ends before its last line")
    if last.get("checksum") != _checksum(digest, last):
        raise DamagedPlan("its checksum does not match its content")


def _lines(handle: IO[bytes]) -> Iterator[dict[str, Any]]:
    """Each line's object, the last one included once its checksum holds."""
    handle.seek(0)
    digest = hashlib.sha256()
    with gzip.GzipFile(fileobj=handle, mode="rb") as stream:
        for raw in stream:
            content = _parsed(raw)
            if content.get("end") is True:
                if content.get("checksum") != _checksum(digest, content):
                    raise DamagedPlan("its checksum does not match its content")
                yield content
                return
            digest.update(raw)
            yield content
    raise DamagedPlan("it ends before its last line")


def _parsed(raw: bytes) -> dict[str, Any]:
    try:
        content = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as error:
        raise DamagedPlan(f"not JSON: {getattr(error, 'msg', error)}") from None
    if not isinstance(content, dict):
        raise DamagedPlan("a line is not an object")
    return content


def _aligned(
    lines: Iterator[dict[str, Any]], suite: Suite, last: dict[str, Any]
) -> Iterator[tuple[dict[str, Any], Any]]:
    """Each case line with its query (the suite's, in order); ``last`` gets the last line."""
    queries = iter(suite.queries)
    counted = {"cases": 0, "variants": 0, "dropped": 0}
    for line in lines:
        if line.get("end") is True:
            last.update(line)
            break
        query = next(queries, None)
        if query is None or line["case"] != query.id:
            raise DamagedPlan(f"it plans query {line['case']!r} where the suite has another")
        counted["cases"] += 1
        counted["variants"] += len(line["variants"])
        counted["dropped"] += len(line["dropped"])
        yield line, query
    if next(queries, None) is not None or any(last.get(k) != n for k, n in counted.items()):
        raise DamagedPlan("it plans other queries than the suite's")


def _check(v: Variant, documents: set[str]) -> None:
    named = v.expectation.down | v.expectation.up
    if not named <= documents:
        unknown = sorted(named - documents)[0]
        raise DamagedPlan(f"a variant names document {unknown!r}, which the suite lacks")
    if v.expectation.kind is not v.family.expectation_kind:
        raise DamagedPlan(f"a {v.family} variant expects {v.expectation.kind}")


def record(v: Variant) -> dict[str, Any]:
    return {
        "case": v.case_id,
        "family": v.family.value,
        "operator": v.operator,
        "form": v.form,
        "request": [v.request.query, v.request.instruction, v.request.order.value],
        "expectation": [
            v.expectation.kind.value,
            sorted(v.expectation.down),
            sorted(v.expectation.up),
        ],
        "strength": v.strength,
        "edits": [[e.start, e.before, e.after] for e in v.edits],
        "params": [list(pair) for pair in v.params],
    }


def _variant(stored: dict[str, Any], case_id: str) -> Variant:
    """The variant of a case line; its case's id is the suite's string (held once)."""
    if _string(stored["case"]) != case_id:
        raise DamagedPlan(f"a variant names query {stored['case']!r} on the line of {case_id!r}")
    query, instruction, order = (_string(x) for x in stored["request"])
    kind, down, up = stored["expectation"]
    return Variant(
        case_id=case_id,
        family=Family(stored["family"]),
        operator=sys.intern(_string(stored["operator"])),
        form=sys.intern(_string(stored["form"])),
        request=Request(query, instruction, Order(order)),
        expectation=Expectation(
            ExpectationKind(kind), frozenset(map(_string, down)), frozenset(map(_string, up))
        ),
        strength=float(stored["strength"]),
        edits=tuple(Edit(int(s), b, a) for s, b, a in stored["edits"]),
        params=tuple((str(k), str(v)) for k, v in stored["params"]),
    )


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise DamagedPlan(f"a text field holds {type(value).__name__}")
    return value


def write_plan(
    handle: IO[bytes],
    suite: Suite,
    families: tuple[Family, ...],
    seed: int,
    meaning: MeaningFilter | Literal["default"] | None,
    operators: tuple[str, ...] = (),
    order: Order | None = None,
    facts: Facts = dict,
) -> dict[str, Any]:
    """``plan(suite, families, seed, meaning, operators, order)`` written to ``handle`` a case
    at a time (a block of cases at a time through the meaning filter, as ``plan`` judges them);
    returns its last line."""
    asked = order if order is not None else Order(suite.order)
    writer = PlanWriter(handle)
    for case, kept, dropped in judged_cases(suite, families, seed, meaning, operators, asked):
        writer.add(case.id, kept, dropped)
    return writer.finish(facts())


def open_unnamed(folder: Path | None) -> IO[bytes]:
    with signals_deferred():  # the file is never left with a name
        descriptor, name = tempfile.mkstemp(dir=folder, prefix=".instructprobe-plan.")
        os.unlink(name)
    return os.fdopen(descriptor, "w+b")


def temporary_plan(
    suite: Suite,
    families: tuple[Family, ...],
    seed: int,
    meaning: MeaningFilter | Literal["default"] | None = "default",
    operators: tuple[str, ...] = (),
    order: Order | None = None,
) -> PlanFile:
    """The plan made into a temporary file (a run without a cache)."""
    asked = order if order is not None else Order(suite.order)
    handle = open_unnamed(None)
    try:
        last = write_plan(handle, suite, families, seed, meaning, operators, asked)
    except BaseException:
        handle.close()
        raise
    return PlanFile(handle, suite, asked, last)
