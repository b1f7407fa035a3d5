"""The results of a run: versioned, JSON-serialisable records that reports and gates read.

Everything a report shows is here, so nothing downstream recomputes statistics. Undefined
numbers are NaN in memory and ``null`` in JSON.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from instructprobe.core.errors import ResultsError
from instructprobe.core.files import write_atomic

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class QueryValue:
    """One query's value in a cell, averaged over that query's variants of the family."""

    query_id: str
    original: float | None
    perturbed: float | None
    delta: float
    variants: int


@dataclass(frozen=True)
class Cell:
    """One (retriever, family, metric): paired statistics over queries; a verdict if it decides."""

    retriever: str
    family: str
    expectation: str
    metric: str
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
    verdict: str | None
    rule: str | None
    queries_needed: float | None
    tost_p: float | None
    tost_p_adjusted: float | None
    per_query: tuple[QueryValue, ...]

    @property
    def decides(self) -> bool:
        return self.verdict is not None


@dataclass(frozen=True)
class Baseline:
    """A retriever's effectiveness under the suite's original instructions."""

    retriever: str
    metric: str
    value: float
    n: int


@dataclass(frozen=True)
class Stratum:
    """A deciding cell restricted to one level of one dimension (strength, form, length…)."""

    retriever: str
    family: str
    metric: str
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
    family: str
    metric: str
    points: tuple[DosePoint, ...]
    breaks_at: float | None


@dataclass(frozen=True)
class VariantRecord:
    id: str
    query_id: str
    family: str
    operator: str
    form: str
    query: str
    original_instruction: str
    instruction: str
    order: str
    expectation: str
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
class Settings:
    retrievers: tuple[str, ...]
    suite: Mapping[str, Any]
    families: tuple[str, ...]
    seed: int
    limit: int | None
    depth: int
    cutoff: int
    alpha: float
    margin: float
    follow_margin: float
    correction: str
    resamples: int
    versions: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RunResult:
    settings: Settings
    retrievers: tuple[Mapping[str, str], ...]
    cells: tuple[Cell, ...]
    variants: tuple[VariantRecord, ...]
    baseline: tuple[Baseline, ...] = ()
    strata: tuple[Stratum, ...] = ()
    dose_response: tuple[DoseResponse, ...] = ()
    outcomes: tuple[Outcome, ...] = ()
    schema_version: int = SCHEMA_VERSION

    def verdicts(self) -> dict[tuple[str, str], Cell]:
        """The deciding cell of each (retriever, family)."""
        return {(c.retriever, c.family): c for c in self.cells if c.decides}

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = _to_json(self)
        return {"schema_version": data.pop("schema_version"), **data}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunResult:
        version = data.get("schema_version")
        if version != SCHEMA_VERSION:
            raise ValueError(f"results schema_version {version!r} is not {SCHEMA_VERSION}")
        loaded: RunResult = _load(cls, data)
        return loaded

    def to_json(self) -> str:
        # dumps, not dump: dump writes piece by piece and takes about 4x as long.
        return json.dumps(self.to_dict(), indent=1, ensure_ascii=False, allow_nan=False) + "\n"

    def write_json(self, path: str | Path) -> None:
        """Atomically: a Ctrl-C mid-write leaves the previous file (or none), never half of one."""
        write_atomic(path, self.to_json())

    @classmethod
    def read_json(cls, path: str | Path) -> RunResult:
        """A results file, or a one-line ``ResultsError`` saying why it cannot be read."""
        return read_results(path)


def read_results(path: str | Path) -> RunResult:
    """A results file, or a one-line ``ResultsError`` saying why it cannot be read."""
    target = Path(path)
    if not target.is_file():
        raise ResultsError(f"{target}: no such results file")
    try:
        with target.open(encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, UnicodeDecodeError) as error:
        raise ResultsError(f"{target}: cannot be read ({error})") from None
    except json.JSONDecodeError as error:
        raise ResultsError(f"{target}:{error.lineno}: not JSON ({error.msg})") from None
    if not isinstance(data, dict):
        raise ResultsError(f"{target}: not a results file (the top level is not an object)")
    try:
        return RunResult.from_dict(data)
    except ValueError as error:
        raise ResultsError(f"{target}: {error}") from None
    except (KeyError, TypeError, AttributeError) as error:
        raise ResultsError(f"{target}: not a results file (missing or malformed {error})") from None


def _to_json(value: Any) -> Any:
    """Records as plain JSON values (``dataclasses.asdict`` deep-copies every leaf, which is
    slower); JSON has no NaN or infinity, so undefined statistics are written as null."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_to_json(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {name: _to_json(getattr(value, name)) for name in _field_names(type(value))}
    return value


@functools.cache
def _field_names(record: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(record))


def _load(annotation: Any, value: Any) -> Any:
    """Rebuild typed records from JSON by their annotations (tuples, nested records, NaN)."""
    origin = typing.get_origin(annotation)
    if dataclasses.is_dataclass(annotation) and isinstance(annotation, type):
        hints = typing.get_type_hints(annotation)
        required = [
            f.name
            for f in dataclasses.fields(annotation)
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        ]
        if not isinstance(value, Mapping) or (missing := [n for n in required if n not in value]):
            what = (
                f"missing {', '.join(missing)}" if isinstance(value, Mapping) else "not an object"
            )
            raise ValueError(f"not a results file ({annotation.__name__} record: {what})")
        return annotation(
            **{
                f.name: _load(hints[f.name], value[f.name])
                for f in dataclasses.fields(annotation)
                if f.name in value
            }
        )
    if annotation is float:
        return math.nan if value is None else float(value)
    if origin is tuple:
        item = typing.get_args(annotation)[0]
        return tuple(_load(item, v) for v in value)
    if origin in (typing.Union, types.UnionType) and value is not None:
        options = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _load(options[0], value) if len(options) == 1 else value
    if origin is Mapping and isinstance(value, dict):
        item = typing.get_args(annotation)[1]
        return {k: _load(item, v) for k, v in value.items()}
    return value
