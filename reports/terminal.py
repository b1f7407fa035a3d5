"""The terminal report: a verdict grid (family × retriever), the numbers behind it, the rules."""

from __future__ import annotations

import math
from collections.abc import Iterable

from rich import box
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from probes.results import Cell, RunResult

VERDICT_STYLE = {"holds": "bold green", "breaks": "bold red", "inconclusive": "yellow"}
SCALE = {"p-MRR": 100.0}
"""Measures shown scaled, as the papers print them (p-MRR ×100)."""
TERMINAL_METRICS = ("nDCG@", "p-MRR", "Robustness@", "rank-shift@")
"""Metric prefixes the terminal shows; the results file has every measure."""


def _number(value: float | None, metric: str, signed: bool = False) -> str:
    if value is None or not math.isfinite(value):
        return "–"
    scaled = value * SCALE.get(metric, 1.0)
    digits = 1 if metric in SCALE else 3
    return f"{scaled:+.{digits}f}" if signed else f"{scaled:.{digits}f}"


def _ci(cell: Cell) -> str:
    low, high = _number(cell.ci_low, cell.metric, True), _number(cell.ci_high, cell.metric, True)
    return f"[{low},{high}]"


def _p(value: float) -> str:
    if not math.isfinite(value):
        return "–"
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def _families(result: RunResult) -> list[str]:
    return list(dict.fromkeys(c.family for c in result.cells))


def verdict_table(result: RunResult) -> Table:
    retrievers = list(dict.fromkeys(c.retriever for c in result.cells))
    deciding = result.verdicts()
    table = Table(title="Verdicts", title_justify="left", expand=False)
    table.add_column("family")
    for name in retrievers:
        table.add_column(name)
    for family in _families(result):
        row: list[Text | str] = []
        expectation = next(c.expectation for c in result.cells if c.family == family)
        row.append(Text.assemble(family, "\n", (expectation, "dim")))
        for name in retrievers:
            cell = deciding.get((name, family))
            if cell is None or cell.verdict is None:
                row.append("–")
                continue
            row.append(
                Text.assemble(
                    (cell.verdict.upper(), VERDICT_STYLE[cell.verdict]),
                    f"\n{cell.metric} {_number(cell.delta, cell.metric, True)}",
                    ("\n" + _ci(cell), "dim"),
                )
            )
        table.add_row(*row)
    return table


def detail_table(cells: Iterable[Cell]) -> Table:
    """One section per family, so the table fits 80 columns."""
    table = Table(
        title="Measurements (paired over queries; Δ = perturbed − original)",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
    )
    for header, justify, width in (
        ("retriever", "left", 6),
        ("metric", "left", 13),
        ("orig", "right", 5),
        ("pert", "right", 5),
        ("Δ", "right", 6),
        ("95% CI", "right", 15),
        ("p adj", "right", 5),
        ("n", "right", 2),
    ):
        table.add_column(header, justify=justify, min_width=width)  # type: ignore[arg-type]
    listed = [c for c in cells if c.metric.startswith(TERMINAL_METRICS)]
    for family in dict.fromkeys(c.family for c in listed):
        table.add_row(Text(family, style="bold"), end_section=False)
        for c in (cell for cell in listed if cell.family == family):
            table.add_row(
                c.retriever,
                c.metric + (" *" if c.decides else ""),
                _number(c.original, c.metric),
                _number(c.perturbed, c.metric),
                _number(c.delta, c.metric, True),
                _ci(c),
                _p(c.p_adjusted),
                str(c.n),
            )
    return table


def rules_text(result: RunResult) -> Text:
    rules = dict.fromkeys(c.rule for c in result.cells if c.rule)
    text = Text("Rules (* = the measure that decides the verdict)\n", style="bold")
    for rule in rules:
        text.append(f"• {rule}\n")
    correction = result.settings.correction
    text.append(
        "Directional families are judged by their edited qrels; p-MRR is FollowIR's, ×100. "
        "CIs: BCa bootstrap over queries; p adj: Wilcoxon signed-rank (Pratt), "
        f"{correction}-adjusted over the grid.",
        style="dim",
    )
    return text


def _settle(cell: Cell) -> str:
    needed = cell.queries_needed
    if needed is None or not math.isfinite(needed):
        return "no number of queries would settle it at this effect"
    return f"about {needed:.0f} queries would settle it (n = {cell.n})"


def open_questions(result: RunResult) -> Text | None:
    open_cells = [c for c in result.verdicts().values() if c.verdict == "inconclusive"]
    if not open_cells:
        return None
    text = Text("Inconclusive\n", style="bold")
    for c in open_cells:
        text.append(f"• {c.family} / {c.retriever}: {_settle(c)}\n")
    return text


def where_it_breaks(result: RunResult) -> Table | Text:
    """The strata whose change is significant after correction: the answer to 'where'."""
    alpha = result.settings.alpha
    significant = [s for s in result.strata if s.significant]
    if not significant:
        return Text(f"Where it breaks: no stratum is significant at {alpha:g} after correction.")
    table = Table(
        title=f"Where it breaks (strata with {result.settings.correction}-adjusted p < {alpha:g})",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
    )
    for header, justify in (
        ("family", "left"),
        ("retriever", "left"),
        ("stratum", "left"),
        ("Δ", "right"),
        ("p adj", "right"),
        ("n", "right"),
    ):
        table.add_column(header, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    for s in significant:
        table.add_row(
            s.family,
            s.retriever,
            f"{s.dimension}={s.level}",
            _number(s.delta, s.metric, True),
            _p(s.p_adjusted),
            str(s.n),
        )
    return table


def dose_lines(result: RunResult) -> Text | None:
    series = [d for d in result.dose_response if len(d.points) > 1]
    if not series:
        return None
    text = Text("Dose-response over strength\n", style="bold")
    for d in series:
        steps = ", ".join(f"{p.strength:.2f}: {_number(p.delta, d.metric, True)}" for p in d.points)
        where = (
            f"first significant drop at {d.breaks_at:.2f}" if d.breaks_at else "no significant drop"
        )
        text.append(f"• {d.family} / {d.retriever} Δ{d.metric}: {steps} — {where}\n")
    return text


def header(result: RunResult) -> Text:
    s = result.settings
    suite = s.suite
    return Text.assemble(
        ("instructprobe", "bold"),
        f" · {suite['name']}: {suite['queries']} queries, {suite['documents']} docs"
        f" · {len(result.variants)} variants · seed {s.seed}",
    )


def render(result: RunResult) -> Group:
    parts = (
        header(result),
        verdict_table(result),
        open_questions(result),
        detail_table(result.cells),
        where_it_breaks(result),
        dose_lines(result),
        rules_text(result),
    )
    return Group(*(p for p in parts if p is not None))


def print_report(result: RunResult, console: Console | None = None) -> None:
    (console or Console()).print(render(result))
