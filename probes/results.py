"""The results of a run: versioned, JSON-serialisable records that reports and gates read."""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

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
    n: int
    verdict: str | None
    rule: str | None
    per_query: tuple[QueryValue, ...]

    @property
    def decides(self) -> bool:
        return self.verdict is not None


@dataclass(frozen=True)
class VariantRecord:
    id: str
    query_id: str
    family: str
    operator: str
    form: str
    query: str
    instruction: str
    order: str
    expectation: str
    down: tuple[str, ...]
    up: tuple[str, ...]
    strength: float
    params: Mapping[str, str]


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
    resamples: int
    versions: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RunResult:
    settings: Settings
    retrievers: tuple[Mapping[str, str], ...]
    cells: tuple[Cell, ...]
    variants: tuple[VariantRecord, ...]
    schema_version: int = SCHEMA_VERSION

    def verdicts(self) -> dict[tuple[str, str], Cell]:
        """The deciding cell of each (retriever, family)."""
        return {(c.retriever, c.family): c for c in self.cells if c.decides}

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        return {"schema_version": data.pop("schema_version"), **_finite(data)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunResult:
        version = data.get("schema_version")
        if version != SCHEMA_VERSION:
            raise ValueError(f"results schema_version {version!r} is not {SCHEMA_VERSION}")
        settings = dict(data["settings"])
        for key in ("retrievers", "families"):
            settings[key] = tuple(settings[key])
        cells = tuple(
            Cell(**{**c, "per_query": tuple(QueryValue(**q) for q in c["per_query"])})
            for c in data["cells"]
        )
        variants = tuple(
            VariantRecord(**{**v, "down": tuple(v["down"]), "up": tuple(v["up"])})
            for v in data["variants"]
        )
        return cls(Settings(**settings), tuple(data["retrievers"]), _nan(cells), variants, version)

    def write_json(self, path: str | Path) -> None:
        """Atomically: a Ctrl-C mid-write leaves the previous file (or none), never half of one."""
        target = Path(path)
        descriptor, temporary = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
        )
        try:
            os.chmod(temporary, 0o666 & ~_umask())
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                json.dump(self.to_dict(), handle, indent=1, ensure_ascii=False, allow_nan=False)
                handle.write("\n")
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    @classmethod
    def read_json(cls, path: str | Path) -> RunResult:
        with Path(path).open(encoding="utf-8") as handle:
            return cls.from_dict(json.load(handle))


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _finite(value: Any) -> Any:
    """JSON has no NaN: undefined statistics are written as null."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def _nan(cells: tuple[Cell, ...]) -> tuple[Cell, ...]:
    def restore(cell: Cell) -> Cell:
        numbers = {
            k: (math.nan if getattr(cell, k) is None else getattr(cell, k))
            for k in ("delta", "ci_low", "ci_high", "p_value")
        }
        return Cell(**{**asdict(cell), **numbers, "per_query": cell.per_query})

    return tuple(restore(c) for c in cells)
