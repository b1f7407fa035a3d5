"""Numbers as every report prints them: each measure on its own scale, signed deltas, p-values
with significance markers."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from instructprobe.perturb.model import ExpectationKind, Family
from instructprobe.probes.measures import NDCG, PMRR, Measure, RankShift, WorstVariant
from instructprobe.probes.results import Cell, RunResult

TERMINAL_MEASURES = (NDCG, PMRR, WorstVariant, RankShift)
"""The measures the terminal shows; the results file has every measure."""
STARS = ((0.001, "***"), (0.01, "**"), (0.05, "*"))
"""Significance markers on adjusted p-values (capped at the run's alpha)."""
DECIDES = "†"
"""Marks the measure that decides a family's verdict."""


SENSITIVE_NOTE = "(a drop is what a reader shows)"
"""Beside a sensitive family's strata and dose-response, where a significant drop is the
expected reading."""


def noted(family: Family) -> str:
    """The family's name, with ``SENSITIVE_NOTE`` for a sensitive one."""
    sensitive = family.expectation_kind is ExpectationKind.SENSITIVE
    return f"{family} {SENSITIVE_NOTE}" if sensitive else str(family)


def finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def number(value: float | None, metric: Measure, signed: bool = False) -> str:
    """A measure's value on its display scale (p-MRR ×100 to one decimal, the rest to three)."""
    if value is None or not math.isfinite(value):
        return "–"
    scaled, digits = metric.shown(value), metric.DIGITS
    return f"{scaled:+.{digits}f}" if signed else f"{scaled:.{digits}f}"


def interval(low: float | None, high: float | None, metric: Measure) -> str:
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
    return next((mark for limit, mark in STARS if value < limit), "")


def plain(value: float | None, digits: int = 2) -> str:
    if value is None or not math.isfinite(value):
        return "–"
    return f"{value:+.{digits}f}"


def shown(metric: Measure) -> bool:
    return isinstance(metric, TERMINAL_MEASURES)


def deciding_metric(cells: Iterable[Cell], family: Family) -> Measure | None:
    return next((c.metric for c in cells if c.family is family and c.decides), None)


def short_hash(text: object, length: int = 12) -> str:
    return str(text)[:length] if text else "–"


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and the noun, plural unless ``n`` is 1: "1 query", "45 queries"."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def join(items: Sequence[str], last: str = "and") -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"


def decided(cell: Cell, alpha: float = 0.05, short: bool = False) -> str:
    """The claim that decided a verdict (or that more queries could show) and its adjusted p,
    e.g. ``|ΔnDCG@10| < 0.05 p 0.003**``; ``short`` names the change just ``Δ``."""
    if cell.claim is None:
        return "no claim in reach"
    claim = cell.claim.replace(f"Δ{cell.metric}", "Δ") if short else cell.claim
    return f"{claim} p {p_value(cell.claim_p)}{stars(cell.claim_p, alpha)}"


def settle(cell: Cell) -> str:
    """Why a verdict is inconclusive, and how many queries would settle it."""
    needed = cell.queries_needed
    reason = cell.reason or "not settled"
    if needed is None or not math.isfinite(needed):
        return f"{reason}; no number of queries would settle it at this effect"
    if reason.endswith(f"at least {needed:.0f}"):
        return reason
    return f"{reason}; about {needed:.0f} queries would settle it"


INTERVALS = {
    "bounded": "bounded-mean (valid at every n for changes within the measure's range)",
    "bootstrap": "BCa bootstrap",
}


def without_variants(result: RunResult) -> list[str]:
    """A line for each family the run asked for that made no variant (its suite gave the
    family's operators nothing to perturb), naming the opt-in operators the run left out."""
    from instructprobe.perturb.registry import get_operator, opt_in_names

    measured = set(result.families())
    lines = []
    for family in result.request.families:
        if family in measured:
            continue
        opt_in = [
            name
            for name in opt_in_names()
            if get_operator(name).family is family and name not in result.request.operators
        ]
        line = f"{family}: no variants; the suite gave this family's operators nothing to perturb"
        if opt_in:
            line += f" (opt-in, with --operator: {join(opt_in, 'or')})"
        lines.append(line)
    return lines
