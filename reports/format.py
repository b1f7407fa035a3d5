"""Numbers as every report prints them: one scale per measure, signed deltas, p-values with
significance markers. Only the standard library, so the text reports and gates share it."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from instructprobe.probes.results import Cell, RunResult

SCALE = {"p-MRR": 100.0}
"""Measures shown scaled, as the papers print them (p-MRR ×100)."""
TERMINAL_METRICS = ("nDCG@", "p-MRR", "Robustness@", "rank-shift@")
"""Metric prefixes the terminal shows; the results file has every measure."""
LOWER_IS_BETTER = ("rank-shift@",)
"""Metric prefixes whose cell value grows as rankings get worse (a displacement)."""
STARS = ((0.001, "***"), (0.01, "**"), (0.05, "*"))
"""Significance markers on adjusted p-values (capped at the run's alpha)."""
SENSITIVE = "sensitive"
"""The expectation whose edits should lower the measure (a keyword-only instruction)."""
DECIDES = "†"
"""Marks the measure that decides a family's verdict."""


def finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def number(value: float | None, metric: str, signed: bool = False) -> str:
    """A measure's value on its display scale: p-MRR ×100 to one decimal, the rest to three."""
    if value is None or not math.isfinite(value):
        return "–"
    scaled = value * SCALE.get(metric, 1.0)
    digits = 1 if metric in SCALE else 3
    return f"{scaled:+.{digits}f}" if signed else f"{scaled:.{digits}f}"


def interval(low: float | None, high: float | None, metric: str) -> str:
    return f"[{number(low, metric, True)},{number(high, metric, True)}]"


def ci(cell: Cell) -> str:
    return interval(cell.ci_low, cell.ci_high, cell.metric)


def p_value(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "–"
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def stars(value: float | None, alpha: float = 0.05) -> str:
    """``***`` p < 0.001, ``**`` p < 0.01, ``*`` p < 0.05; never a marker at or above alpha."""
    if value is None or not math.isfinite(value) or value >= alpha:
        return ""
    return next((mark for limit, mark in STARS if value < limit), "*")


def plain(value: float | None, digits: int = 2) -> str:
    if value is None or not math.isfinite(value):
        return "–"
    return f"{value:+.{digits}f}"


def higher_is_better(metric: str, expectation: str = "") -> bool:
    """Whether a rise in ``metric``'s change is an improvement. In a ``sensitive`` family the
    edit should move the ranking (a reader of the instruction drops), so the direction flips."""
    rises = not metric.startswith(LOWER_IS_BETTER)
    return not rises if expectation == SENSITIVE else rises


def shown(metric: str) -> bool:
    return metric.startswith(TERMINAL_METRICS)


def families(result: RunResult) -> list[str]:
    return list(dict.fromkeys(c.family for c in result.cells))


def retrievers(result: RunResult) -> list[str]:
    return list(dict.fromkeys(c.retriever for c in result.cells))


def expectation(result: RunResult, family: str) -> str:
    return next((c.expectation for c in result.cells if c.family == family), "")


def deciding_metric(cells: Iterable[Cell], family: str) -> str | None:
    return next((c.metric for c in cells if c.family == family and c.decides), None)


def short_hash(text: object, length: int = 12) -> str:
    return str(text)[:length] if text else "–"


def join(items: Sequence[str], last: str = "and") -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"
