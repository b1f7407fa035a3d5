"""Gates files (TOML): the run to judge and the rules. Every setting is checked, and a bad one
is reported in one line that names the file, the table and the key.

    [run]                      # or, instead: results = "results.json"
    retrievers = ["bm25", "minilm"]
    suite = "starter"
    limit = 20                 # optional; any setting of a run request (see docs/gates.md)

    [[gate]]
    name = "negation is followed"          # optional
    rule = "bound"                         # bound | equivalent | verdict | not-worse
    family = "negation"
    metric = "p-MRR"                       # optional: the family's deciding measure
    statistic = "ci_low"
    at_least = 0.0
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from instructprobe.app.gates.rules import (
    STATISTICS,
    VERDICTS,
    Bound,
    Equivalent,
    NotWorse,
    Rule,
    VerdictIs,
)
from instructprobe.core.errors import GateError, RequestError
from instructprobe.probes.request import RunRequest, key_label

RULES = ("bound", "equivalent", "verdict", "not-worse")
COMMON_KEYS = ("rule", "name", "family", "metric", "retrievers")
RULE_KEYS = {
    "bound": ("statistic", "at_least", "at_most"),
    "equivalent": ("margin",),
    "verdict": ("is", "is_not"),
    "not-worse": ("baseline", "alpha", "pairs"),
}
TOP_KEYS = ("run", "results", "gate")


@dataclass(frozen=True)
class GateFile:
    path: Path
    run: RunRequest | None
    results: Path | None
    rules: tuple[Rule, ...]


def _families() -> tuple[str, ...]:
    from instructprobe.perturb.model import Family

    return tuple(f.value for f in Family)


class _Where:
    """Names the place of a setting in the file, for one-line errors."""

    def __init__(self, path: Path, table: str) -> None:
        self.path, self.table = path, table

    def error(self, message: str) -> GateError:
        return GateError(f"{self.path}: {self.table}: {message}")

    def keys(self, data: Mapping[str, Any], allowed: Sequence[str]) -> None:
        unknown = [k for k in data if k not in allowed]
        if unknown:
            raise self.error(f"unknown key {unknown[0]!r} (known: {', '.join(allowed)})")

    def string(self, data: Mapping[str, Any], key: str, default: str | None = None) -> str:
        value = data.get(key, default)
        if not isinstance(value, str) or not value.strip():
            if key not in data and default is None:
                raise self.error(f"{key!r} is required")
            raise self.error(f"{key!r} must be a non-empty string, got {value!r}")
        return value.strip()

    def strings(self, data: Mapping[str, Any], key: str) -> tuple[str, ...]:
        """A string or a list of strings."""
        value = data.get(key)
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not items:
            raise self.error(f"{key!r} must be a string or a non-empty list of strings")
        if not all(isinstance(i, str) and i.strip() for i in items):
            raise self.error(f"{key!r} must hold non-empty strings, got {value!r}")
        return tuple(dict.fromkeys(i.strip() for i in items))

    def number(
        self,
        data: Mapping[str, Any],
        key: str,
        check: Callable[[float], bool] = math.isfinite,
        expected: str = "a finite number",
    ) -> float | None:
        if key not in data:
            return None
        value = data[key]
        if isinstance(value, bool) or not isinstance(value, int | float) or not check(value):
            raise self.error(f"{key!r} must be {expected}, got {value!r}")
        return float(value)


def _fraction(value: float) -> bool:
    return 0 < value < 1


def parse_run(path: Path, data: Any) -> RunRequest:
    """The ``[run]`` table: a run request, checked by the request itself."""
    if not isinstance(data, dict):
        raise _Where(path, "[run]").error("must be a table")
    try:
        return RunRequest.create(data, f"{path}: [run]: ", key_label)
    except RequestError as error:
        raise GateError(str(error)) from None


def parse_rule(path: Path, index: int, data: Any, known_families: Sequence[str]) -> list[Rule]:
    label = f"[[gate]] {index}"
    if isinstance(data, dict) and isinstance(data.get("name"), str):
        label += f" ({data['name']!r})"
    where = _Where(path, label)
    if not isinstance(data, dict):
        raise where.error("must be a table")
    rule = where.string(data, "rule")
    if rule not in RULES:
        raise where.error(f"unknown rule {rule!r} (choose from {', '.join(RULES)})")
    where.keys(data, (*COMMON_KEYS, *RULE_KEYS[rule]))
    name = where.string(data, "name") if "name" in data else ""
    metric = where.string(data, "metric") if "metric" in data else None
    retrievers = where.strings(data, "retrievers") if "retrievers" in data else ()
    if rule == "not-worse":
        families: tuple[str, ...] = where.strings(data, "family") if "family" in data else ("*",)
    else:
        families = where.strings(data, "family")
    unknown = [f for f in families if f != "*" and f not in known_families]
    if unknown:
        raise where.error(
            f"unknown family {unknown[0]!r} (choose from {', '.join(known_families)})"
        )
    common: dict[str, Any] = {"metric": metric, "retrievers": retrievers, "name": name}
    rules: list[Rule] = []
    for family in families:
        if rule == "bound":
            statistic = where.string(data, "statistic", "ci_low")
            if statistic not in STATISTICS:
                raise where.error(
                    f"unknown statistic {statistic!r} (choose from {', '.join(STATISTICS)})"
                )
            at_least, at_most = where.number(data, "at_least"), where.number(data, "at_most")
            if at_least is None and at_most is None:
                raise where.error("a bound needs 'at_least', 'at_most' or both")
            rules.append(
                Bound(family, statistic=statistic, at_least=at_least, at_most=at_most, **common)
            )
        elif rule == "equivalent":
            margin = where.number(data, "margin", lambda v: math.isfinite(v) and v > 0, "> 0")
            if margin is None:
                raise where.error("'margin' is required (e.g. margin = 0.02)")
            rules.append(Equivalent(family, margin=margin, **common))
        elif rule == "verdict":
            rules.append(VerdictIs(family, allowed=_allowed(where, data), **common))
        else:
            rules.append(_not_worse(path, where, data, family, common))
    return rules


def _allowed(where: _Where, data: Mapping[str, Any]) -> tuple[str, ...]:
    if ("is" in data) == ("is_not" in data):
        raise where.error("a verdict gate needs exactly one of 'is' and 'is_not'")
    if "metric" in data:
        raise where.error("a verdict gate takes no 'metric' (the verdict has its own)")
    key = "is" if "is" in data else "is_not"
    named = where.strings(data, key)
    unknown = [v for v in named if v not in VERDICTS]
    if unknown:
        raise where.error(f"unknown verdict {unknown[0]!r} (choose from {', '.join(VERDICTS)})")
    return named if key == "is" else tuple(v for v in VERDICTS if v not in named)


def _not_worse(
    path: Path, where: _Where, data: Mapping[str, Any], family: str, common: dict[str, Any]
) -> NotWorse:
    baseline = Path(where.string(data, "baseline")).expanduser()
    if not baseline.is_absolute():
        baseline = path.parent / baseline
    alpha = where.number(data, "alpha", _fraction, "a number in (0, 1)")
    pairs: tuple[tuple[str, str], ...] = ()
    if "pairs" in data:
        table = data["pairs"]
        if not isinstance(table, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in table.items()
        ):
            raise where.error("'pairs' must be a table of baseline = candidate retriever names")
        pairs = tuple(table.items())
    return NotWorse(family, baseline=baseline, alpha=alpha, pairs=pairs, **common)


def _toml(path: Path) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    if not path.is_file():
        raise GateError(f"{path}: no such gates file")
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise GateError(f"{path}: not valid TOML ({error})") from None
    except RecursionError:
        raise GateError(f"{path}: not valid TOML (nested too deep)") from None
    except (OSError, UnicodeDecodeError) as error:
        raise GateError(f"{path}: cannot be read ({error})") from None


def load(path: str | Path) -> GateFile:
    """Read and check a gates file; one-line ``GateError`` on the first problem."""
    file = Path(path)
    data = _toml(file)
    where = _Where(file, "top level")
    where.keys(data, TOP_KEYS)
    if ("run" in data) == ("results" in data):
        raise where.error('give either a [run] table or results = "FILE", not both or neither')
    run = parse_run(file, data["run"]) if "run" in data else None
    results = None
    if "results" in data:
        results = Path(where.string(data, "results")).expanduser()
        if not results.is_absolute():
            results = file.parent / results
    gates = data.get("gate")
    if not isinstance(gates, list) or not gates:
        raise where.error("no rules: add at least one [[gate]] table")
    known = tuple(f.value for f in run.families) if run is not None else _families()
    rules = tuple(r for i, g in enumerate(gates, 1) for r in parse_rule(file, i, g, known))
    return GateFile(file, run, results, rules)
