"""The results of a run: versioned, JSON-serialisable records that reports and gates read.

Everything a report shows is here, so nothing downstream recomputes statistics. Records hold
enums and measures, written by value (``"negation"``, ``"nDCG@10"``) and parsed back on load.
Undefined numbers are NaN in memory and ``null`` in JSON. The run's request is recorded whole,
so a gate can tell whether a results file is the run it names. Files of schema version 1 (which
had ``settings`` in place of ``request``, ``suite`` and ``versions``) still load.

A run writes its results as three files (version 4): a JSON summary, which is the version-2
document without ``variants``, ``outcomes`` and the cells' ``per_query`` values, and beside it
two Parquet files that the summary names with their row counts and sha256: the per-variant
outcomes (``probes.outcomes``), streamed to disk during the run, and the cells' per-query
values (``probes.queryvalues``). The summary stays small whatever the number of queries; what
grows with them is in the Parquet files. Version-3 summaries (the per-query values inline) still
load. ``to_json`` still gives the whole run as one version-2 document, and results read from a
version-2 file are saved as one.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import json
import math
import os
import tempfile
import types
import typing
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from instructprobe.core.enums import ValueEnum
from instructprobe.core.errors import OutputError, RequestError, ResultsError
from instructprobe.core.files import replace_together, staged
from instructprobe.core.untrusted import JSONTextError, parse_json
from instructprobe.perturb.model import ExpectationKind, Family, Order
from instructprobe.probes.benchmark import BenchmarkSection
from instructprobe.probes.measures import Measure, parse
from instructprobe.probes.queryvalues import QueryValue as QueryValue
from instructprobe.probes.queryvalues import QueryValues as QueryValues
from instructprobe.probes.queryvalues import read_per_query, write_per_query
from instructprobe.probes.request import RunRequest

SCHEMA_VERSION = 2
"""The version of the records, and of a results document holding all of them (``to_json``)."""
SPLIT_VERSION = 4
"""The version of a summary whose variants and outcomes, and whose cells' per-query values,
are in Parquet files beside it."""
OUTCOMES_ONLY_VERSION = 3
"""The version of a summary with only the outcomes beside it (per-query values inline)."""
READABLE_VERSIONS = (1, 2, OUTCOMES_ONLY_VERSION, SPLIT_VERSION)
OUTCOMES_SUFFIX = ".outcomes.parquet"
PER_QUERY_SUFFIX = ".per-query.parquet"


class Verdict(ValueEnum):
    """What a family's deciding cell says about the retriever."""

    HOLDS = "holds"
    BREAKS = "breaks"
    INCONCLUSIVE = "inconclusive"


@dataclass(frozen=True)
class Cell:
    """One (retriever, family, metric): paired statistics over queries; a verdict if it decides."""

    retriever: str
    family: Family
    expectation: ExpectationKind
    metric: Measure
    original: float | None
    perturbed: float | None
    delta: float
    ci_low: float
    ci_high: float
    p_value: float
    p_adjusted: float
    p_randomization: float
    effect_dz: float
    rank_biserial: float
    sd: float
    mde: float
    n: int
    verdict: Verdict | None
    rule: str | None
    queries_needed: float | None
    p_holds: float | None
    """The p-value of the claim that makes the family hold (a deciding cell only)."""
    p_holds_adjusted: float | None
    p_breaks: float | None
    """The p-value of the claim that makes the family break (a deciding cell only)."""
    p_breaks_adjusted: float | None
    claim: str | None
    """The claim that decided the verdict, or for an inconclusive one the claim the data point
    to (what more queries could show), e.g. ``|ΔnDCG@10| < 0.05``."""
    claim_p: float | None
    """That claim's adjusted p-value."""
    reason: str | None
    """Why a verdict is inconclusive."""
    interval: str
    """How ``ci_low`` and ``ci_high`` were made: ``bounded``, ``bootstrap`` or ``none``."""
    per_query: Sequence[QueryValue]
    """In columns (``QueryValues``) in a run and a version-4 file; records in older files."""

    @property
    def decides(self) -> bool:
        return self.verdict is not None


@dataclass(frozen=True)
class Baseline:
    """A retriever's effectiveness under the suite's original instructions."""

    retriever: str
    metric: Measure
    value: float
    n: int


@dataclass(frozen=True)
class Stratum:
    """A deciding cell restricted to one level of one dimension (strength, form, length…)."""

    retriever: str
    family: Family
    metric: Measure
    dimension: str
    level: str
    n: int
    delta: float
    ci_low: float
    ci_high: float
    p_value: float
    p_adjusted: float
    significant: bool


@dataclass(frozen=True)
class DosePoint:
    strength: float
    n: int
    delta: float
    ci_low: float
    ci_high: float
    p_adjusted: float


@dataclass(frozen=True)
class DoseResponse:
    """The deciding metric over increasing perturbation strength; where it first turns
    significant."""

    retriever: str
    family: Family
    metric: Measure
    points: tuple[DosePoint, ...]
    breaks_at: float | None


@dataclass(frozen=True)
class VariantRecord:
    id: str
    query_id: str
    family: Family
    operator: str
    form: str
    query: str
    original_instruction: str
    instruction: str
    order: Order
    expectation: ExpectationKind
    down: tuple[str, ...]
    up: tuple[str, ...]
    strength: float
    params: Mapping[str, str]


@dataclass(frozen=True)
class Outcome:
    """What one variant did to one retriever's ranking."""

    retriever: str
    variant_id: str
    values: Mapping[str, float | None]
    """Each measure's value: the paired change for ranking measures, the score otherwise."""
    ranks: Mapping[str, tuple[int, int]]
    """Rank before and after (1-based; len(ranking)+1 when absent) of the documents the edit
    should move, or else of the relevant documents."""


@dataclass(frozen=True)
class SuiteFacts:
    """The suite a run read: its name, where from, its files' hash, and its size."""

    name: str
    source: str
    sha256: str | None
    queries: int
    documents: int


@dataclass(frozen=True)
class RunResult:
    request: RunRequest
    suite: SuiteFacts
    retrievers: tuple[Mapping[str, str], ...]
    cells: tuple[Cell, ...]
    variants: Sequence[VariantRecord]
    """In memory (a tuple) or read from the outcomes file each time it is walked."""
    baseline: tuple[Baseline, ...] = ()
    strata: tuple[Stratum, ...] = ()
    dose_response: tuple[DoseResponse, ...] = ()
    outcomes: Sequence[Outcome] = ()
    versions: Mapping[str, str] = field(default_factory=dict)
    schema_version: int = SCHEMA_VERSION
    benchmark: BenchmarkSection | None = None
    """The benchmark's own score by its published protocol (a published benchmark's suite
    only; absent from files written before it existed)."""

    def retriever_names(self) -> list[str]:
        """The retrievers the cells are about, in run order."""
        return list(dict.fromkeys(c.retriever for c in self.cells))

    def families(self) -> list[Family]:
        """The families the cells are about, in run order."""
        return list(dict.fromkeys(c.family for c in self.cells))

    def verdicts(self) -> dict[tuple[str, Family], Cell]:
        """The deciding cell of each (retriever, family)."""
        return {(c.retriever, c.family): c for c in self.cells if c.decides}

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = _without_empty_benchmark(to_json_value(self))
        return {"schema_version": data.pop("schema_version"), **data}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunResult:
        version = _version(data)
        loaded: RunResult = _load(cls, upgrade(data) if version == 1 else data)
        return loaded

    def to_json(self) -> str:
        """The whole run as one version-2 document (every variant and outcome in memory)."""
        # dumps, not dump: dump writes piece by piece and takes about 4x as long.
        return json.dumps(self.to_dict(), indent=1, ensure_ascii=False, allow_nan=False) + "\n"

    def summary_json(self, outcomes: Mapping[str, Any], per_query: Mapping[str, Any]) -> str:
        """The version-4 summary: everything but the variants and outcomes, which the
        ``outcomes`` file it names holds, and the cells' per-query values, which the
        ``per_query`` file holds (a row per cell and query, cells in this order)."""
        data = {
            name: to_json_value(getattr(self, name))
            for name in _field_names(RunResult)
            if name not in ("variants", "outcomes", "schema_version", "cells")
        }
        data["cells"] = [_cell_summary(cell) for cell in self.cells]
        data = _without_empty_benchmark(data)
        files = {"outcomes_file": dict(outcomes), "per_query_file": dict(per_query)}
        document = {"schema_version": SPLIT_VERSION, **data, **files}
        return json.dumps(document, indent=1, ensure_ascii=False, allow_nan=False) + "\n"

    def pairs(self) -> Iterator[tuple[VariantRecord | None, Outcome]]:
        """Each outcome with its variant (None when the file lacks it), read as it is walked:
        from the outcomes file a batch at a time, else joined by variant id."""
        stored = getattr(self.outcomes, "store", None)
        if stored is not None:
            yield from stored.pairs()
            return
        variants = {v.id: v for v in self.variants}
        for outcome in self.outcomes:
            yield variants.get(outcome.variant_id), outcome

    def write_json(self, path: str | Path) -> None:
        """Atomically, each file (``write_results``)."""
        write_results(self, path)

    @classmethod
    def read_json(cls, path: str | Path) -> RunResult:
        """A results file, or a one-line ``ResultsError`` saying why it cannot be read."""
        return read_results(path)


def _cell_summary(cell: Cell) -> dict[str, Any]:
    return {
        name: to_json_value(getattr(cell, name))
        for name in _field_names(Cell)
        if name != "per_query"
    }


def _without_empty_benchmark(data: dict[str, Any]) -> dict[str, Any]:
    if data["benchmark"] is None:
        del data["benchmark"]  # a suite that is no benchmark writes the file as before
    return data


def outcomes_path(path: str | Path) -> Path:
    """The outcomes file beside the summary at ``path``: ``results.json`` has
    ``results.outcomes.parquet``."""
    target = Path(path)
    return target.with_name(target.stem + OUTCOMES_SUFFIX)


def per_query_path(path: str | Path) -> Path:
    """The per-query file beside the summary at ``path``: ``results.json`` has
    ``results.per-query.parquet``."""
    target = Path(path)
    return target.with_name(target.stem + PER_QUERY_SUFFIX)


def write_results(result: RunResult, path: str | Path) -> list[Path]:
    """The results at ``path``; the files written. A run's results (their outcomes streamed to
    a file) are a version-4 summary with the outcomes and per-query files beside it; results
    whose outcomes are in memory (read from a version-2 file, or made by hand) are one
    version-2 document, as they were read. Every file is made beside its place first (the
    outcomes as a hard link where it can be), then all are renamed into place together: a
    previous results file stays whole, with the files it names, until the new one is."""
    return _write(result, Path(path), replace_together)


Placing = Callable[[Sequence[tuple[Path, Path]]], object]
"""Renames (temporary, target) pairs into place."""


def _write(result: RunResult, path: Path, put: Placing) -> list[Path]:
    stored = getattr(result.outcomes, "store", None)
    made: list[tuple[Path, Path]] = []
    try:
        if stored is None:
            made.append((staged(path, result.to_json()), path))
        else:
            made += _split_files(result, stored, path)
        put(made)
    finally:
        for temporary, _ in made:
            temporary.unlink(missing_ok=True)
    return [target for _, target in made]


def _split_files(result: RunResult, stored: Any, path: Path) -> list[tuple[Path, Path]]:
    """The outcomes file, the per-query file and the summary naming both, each made beside
    its place: (temporary, target) pairs, the summary last."""
    from instructprobe.probes.outcomes import file_sha256, staged_copy

    companion, per_query = outcomes_path(path), per_query_path(path)
    made = [(per_query.with_name(f".{per_query.name}.{os.getpid()}.tmp"), per_query)]
    try:
        rows = write_per_query([cell.per_query for cell in result.cells], made[0][0])
        values = {"name": per_query.name, "rows": rows, "sha256": file_sha256(made[0][0])}
        outcomes = {
            "name": companion.name,
            "rows": stored.rows,
            "variants": stored.variants,
            "sha256": file_sha256(stored.path),
        }
        summary = result.summary_json(outcomes, values)
        made.insert(0, (staged_copy(stored.path, companion), companion))
        made.append((staged(path, summary), path))
    except BaseException:
        for temporary, _ in made:
            temporary.unlink(missing_ok=True)
        raise
    return made


def _renamed_in_turn(renames: Sequence[tuple[Path, Path]]) -> None:
    for temporary, target in renames:
        os.replace(temporary, target)


def save_results(result: RunResult, path: str | Path) -> None:
    """``write_results``; when that fails, the files go to a folder in the temporary folder
    instead, and the ``OutputError`` raised says where: results are never lost."""
    try:
        write_results(result, path)
    except OSError as error:
        reason = error.strerror or str(error)
        try:
            kept = Path(tempfile.mkdtemp(prefix="instructprobe-results-")) / Path(path).name
            written = _write(result, kept, _renamed_in_turn)
            where = f"it was saved to {written[-1]} instead"
        except OSError:
            where = "it could not be saved anywhere"
        raise OutputError(f"cannot write the results to {path} ({reason}); {where}") from None


def read_results(path: str | Path) -> RunResult:
    """A results file, or a one-line ``ResultsError`` saying why it cannot be read."""
    target = Path(path)
    if not target.is_file():
        raise ResultsError(f"{target}: no such results file")
    try:
        data = parse_json(target.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise ResultsError(f"{target}: cannot be read ({error})") from None
    except JSONTextError as error:
        at = f"{target}:{error.lineno}" if error.lineno is not None else str(target)
        raise ResultsError(f"{at}: not JSON ({error.msg})") from None
    if not isinstance(data, dict):
        raise ResultsError(f"{target}: not a results file (the top level is not an object)")
    try:
        if _version(data) in (OUTCOMES_ONLY_VERSION, SPLIT_VERSION):
            return _read_split(target, data)
        return RunResult.from_dict(data)
    except (ValueError, RequestError) as error:  # the recorded request is checked as any other
        raise ResultsError(f"{target}: {error}") from None
    except (KeyError, TypeError, AttributeError) as error:
        raise ResultsError(f"{target}: not a results file (missing or malformed {error})") from None


def _read_split(target: Path, data: dict[str, Any]) -> RunResult:
    """A version-3 or 4 summary and the files it names, beside it."""
    from instructprobe.probes.outcomes import StoredOutcomeList, StoredVariants, open_stored

    named = _named_file(data.pop("outcomes_file"), "outcomes_file", ("rows", "variants"))
    rows, variants = named["counts"]
    store = open_stored(target.parent / named["name"], rows, variants, named["sha256"])
    values = None
    if data["schema_version"] == SPLIT_VERSION:
        values = _per_query(target, data)
        data["cells"] = [
            {**_checked(c, Mapping, "results.cells"), "per_query": []}
            for c in _checked(data["cells"], list, "results.cells")
        ]
    summary: RunResult = _load(
        RunResult, {**data, "schema_version": SCHEMA_VERSION, "variants": []}
    )
    if values is not None:
        cells = tuple(
            dataclasses.replace(c, per_query=v) for c, v in zip(summary.cells, values, strict=True)
        )
        summary = dataclasses.replace(summary, cells=cells)
    return dataclasses.replace(
        summary, variants=StoredVariants(store), outcomes=StoredOutcomeList(store)
    )


def _per_query(target: Path, data: dict[str, Any]) -> list[QueryValues]:
    """The cells' per-query values from the file a version-4 summary names, checked."""
    from instructprobe.probes.outcomes import file_sha256

    named = _named_file(data.pop("per_query_file"), "per_query_file", ("rows",))
    path = target.parent / named["name"]
    if not path.is_file():
        raise ResultsError(f"{path}: the per-query file the results name is missing")
    if file_sha256(path) != named["sha256"]:
        raise ResultsError(f"{path}: the per-query file is not the one the results name (sha256)")
    cells = len(_checked(data["cells"], list, "results.cells"))
    (rows,) = named["counts"]
    return read_per_query(path, cells, rows)


def _named_file(value: Any, key: str, counts: tuple[str, ...]) -> dict[str, Any]:
    """A file a summary names: its name (no folder), its counts and its sha256."""
    where = f"results.{key}"
    named = _checked(value, Mapping, where)
    name = _checked(named["name"], str, f"{where}.name")
    if Path(name).name != name or name in ("", ".", ".."):
        raise ValueError(f"{where}.name: {name!r} is not a file name")
    found = [_load(int, named[k], f"{where}.{k}") for k in counts]
    return {
        "name": name,
        "counts": found,
        "sha256": _checked(named["sha256"], str, f"{where}.sha256"),
    }


def to_json_value(value: Any) -> Any:
    """Records as plain JSON values (``dataclasses.asdict`` deep-copies every leaf, which is
    slower); JSON has no NaN or infinity, so undefined statistics are written as null. Enums
    and measures are written by value and name."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Measure):
        return str(value)
    if isinstance(value, RunRequest):
        return value.to_dict()
    if isinstance(value, dict):
        return {k: to_json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple) or (
        isinstance(value, Sequence) and not isinstance(value, str | bytes)
    ):  # a sequence read from the outcomes file too
        return [to_json_value(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {name: to_json_value(getattr(value, name)) for name in _field_names(type(value))}
    return value


@functools.cache
def _field_names(record: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(record))


def _load(annotation: Any, value: Any, where: str = "results") -> Any:
    """Rebuild typed records from JSON by their annotations (tuples, nested records, NaN),
    checking every value's type on the way: a results file is untrusted, and a value of the
    wrong type is a ``ValueError`` naming where it is, not a failure later in a report."""
    origin = typing.get_origin(annotation)
    if annotation is RunRequest:
        return RunRequest.from_dict(_checked(value, Mapping, where))
    if annotation is Measure:
        return parse(_checked(value, str, where))
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        try:
            return annotation(value)
        except (ValueError, TypeError):
            raise ValueError(f"{where}: {value!r} is not a valid {annotation.__name__}") from None
    if dataclasses.is_dataclass(annotation) and isinstance(annotation, type):
        return _record(annotation, value, where)
    if annotation is float:  # ints stay ints (a count of queries), so a file reads back as written
        return math.nan if value is None else _number(value, where)
    if annotation in (int, str, bool):
        if isinstance(value, bool) is not (annotation is bool):
            raise ValueError(f"{where}: expected {annotation.__name__}, got {_kind(value)}")
        return _checked(value, annotation, where)
    if origin is tuple:
        return _tuple(typing.get_args(annotation), _checked(value, list, where), where)
    if origin is Sequence:
        item = typing.get_args(annotation)[0]
        return _tuple((item, Ellipsis), _checked(value, list, where), where)
    if origin in (typing.Union, types.UnionType):
        return _union(typing.get_args(annotation), value, where)
    if origin is Mapping:
        item = typing.get_args(annotation)[1]
        found = _checked(value, dict, where)
        for key in found:
            _checked(key, str, f"{where} key")
        return {k: _load(item, v, f"{where}[{k!r}]") for k, v in found.items()}
    return value


def _record(annotation: type, value: Any, where: str) -> Any:
    hints = typing.get_type_hints(annotation)
    required = [
        f.name
        for f in dataclasses.fields(annotation)
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    ]
    if not isinstance(value, Mapping) or (missing := [n for n in required if n not in value]):
        what = f"missing {', '.join(missing)}" if isinstance(value, Mapping) else "not an object"
        raise ValueError(f"not a results file ({annotation.__name__} record: {what})")
    return annotation(
        **{
            f.name: _load(hints[f.name], value[f.name], f"{where}.{f.name}")
            for f in dataclasses.fields(annotation)
            if f.name in value
        }
    )


def _tuple(items: tuple[Any, ...], value: list[Any], where: str) -> tuple[Any, ...]:
    if len(items) == 2 and items[1] is Ellipsis:
        return tuple(_load(items[0], v, f"{where}[{i}]") for i, v in enumerate(value))
    if len(value) != len(items):
        raise ValueError(f"{where}: expected {len(items)} values, got {len(value)}")
    return tuple(
        _load(t, v, f"{where}[{i}]") for i, (t, v) in enumerate(zip(items, value, strict=True))
    )


def _union(options: tuple[Any, ...], value: Any, where: str) -> Any:
    if value is None and type(None) in options:
        return None
    problems = []
    for option in (a for a in options if a is not type(None)):
        try:
            return _load(option, value, where)
        except ValueError as error:
            problems.append(str(error))
    raise ValueError(problems[0] if problems else f"{where}: unexpected {_kind(value)}")


def _version(data: Mapping[str, Any]) -> int:
    """The schema version a results file names: a whole number (``true`` and ``2.0`` equal
    1 and 2 in Python, but no version of the file writes them)."""
    version = data.get("schema_version")
    if type(version) is not int or version not in READABLE_VERSIONS:
        *first, last = map(str, READABLE_VERSIONS)
        readable = f"{', '.join(first)} or {last}"
        raise ValueError(f"results schema_version {version!r} is not {readable}")
    return version


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{where}: expected a number, got {_kind(value)}")
    try:
        float(value)
    except OverflowError:
        raise ValueError(f"{where}: the number is too large") from None
    return value


def _checked(value: Any, kind: type, where: str) -> Any:
    if not isinstance(value, kind):
        raise ValueError(f"{where}: expected {_KINDS.get(kind, kind.__name__)}, got {_kind(value)}")
    return value


_KINDS = {str: "text", int: "a number", float: "a number", bool: "true or false"}
_KINDS.update({list: "a list", dict: "an object", type(None): "null"})


def _kind(value: Any) -> str:
    return _KINDS.get(type(value), type(value).__name__)


def upgrade(data: Mapping[str, Any]) -> dict[str, Any]:
    """A schema-1 results file as schema 2: its ``settings`` become the request (retriever names
    were the specs given), the suite's facts and the versions; the per-family worst case, then
    named ``Robustness@k``, is ``worst-nDCG@k``, and InstructIR's ``Robustness@k (by topic)`` is
    ``Robustness@k``; cells lose their t-based TOST p-values."""
    upgraded = dict(data)
    settings = dict(upgraded.pop("settings", None) or {})
    upgraded["suite"] = settings.pop("suite", None)
    upgraded["versions"] = settings.pop("versions", {})
    settings["suite"] = (upgraded["suite"] or {}).get("name", "")
    upgraded["request"] = settings
    upgraded["cells"] = [_upgraded_cell(cell) for cell in data["cells"]]
    upgraded["baseline"] = [
        _renamed(b, "Robustness@", "Robustness@", " (by topic)") for b in data.get("baseline", ())
    ]
    upgraded["schema_version"] = SCHEMA_VERSION
    return upgraded


V1_CELL_FIELDS = ("tost_p", "tost_p_adjusted")
"""A version-1 cell's t-based TOST p-values, which no version-2 field holds."""


def _upgraded_cell(cell: Any) -> Any:
    """A version-1 cell: its verdict's tests were t-based, so the claim fields stay empty; its
    intervals were BCa bootstraps."""
    if not isinstance(cell, Mapping):
        return cell
    kept = {k: v for k, v in _renamed(cell, "Robustness@", "worst-nDCG@").items()}
    for name in V1_CELL_FIELDS:
        kept.pop(name, None)
    empty = ("p_holds", "p_holds_adjusted", "p_breaks", "p_breaks_adjusted", "claim")
    return {**dict.fromkeys((*empty, "claim_p", "reason"), None), "interval": "bootstrap", **kept}


def _renamed(record: Mapping[str, Any], old: str, new: str, suffix: str = "") -> Any:
    metric = record.get("metric") if isinstance(record, Mapping) else None
    if not isinstance(metric, str) or not metric.startswith(old) or not metric.endswith(suffix):
        return record
    return {**record, "metric": new + metric[len(old) : len(metric) - len(suffix)]}
