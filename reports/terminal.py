"""The terminal report: a verdict grid (family × retriever) with each rule, the numbers behind
it (deltas with CIs, adjusted p-values with significance markers), where it breaks, and the
worst examples. Readable at 80 columns; rich leaves out colour when the output is not a
terminal or ``NO_COLOR`` is set, and every mark is also plain text."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

from rich import box
from rich.console import Console, ConsoleOptions, Group, RenderableType
from rich.table import Table
from rich.text import Text

from instructprobe.core.untrusted import printable_copy
from instructprobe.perturb.model import ExpectationKind
from instructprobe.probes.results import Cell, RunResult, Verdict
from instructprobe.reports import benchmark as bench
from instructprobe.reports import format as fmt
from instructprobe.reports.examples import Example, Piece, describe_move, worst

VERDICT_STYLE = {
    Verdict.HOLDS: "bold green",
    Verdict.BREAKS: "bold red",
    Verdict.INCONCLUSIVE: "yellow",
}
PIECE_STYLE = {"delete": "red", "insert": "bold green", "equal": "", "gap": "dim"}
PIECE_MARK = {"delete": "[-{}-]", "insert": "{{+{}+}}", "equal": "{}", "gap": "{}"}
SENSITIVE_LABEL = f" {fmt.SENSITIVE_NOTE}"
EXAMPLES_PER_CELL = 1
"""Worst examples shown per family that does not hold (the HTML report shows more)."""


def short_rule(cell: Cell, result: RunResult) -> str:
    """The verdict rule in a few words (the Rules section states it in full)."""
    s = result.request
    if cell.expectation is ExpectationKind.DIRECTIONAL:
        limit = fmt.number(s.follow_margin, cell.metric)
        return f"{cell.metric}: > 0 holds, < {limit} breaks"
    if cell.expectation is ExpectationKind.SENSITIVE:
        return f"Δ{cell.metric}: < −{s.margin:g} holds, |Δ| < {s.margin:g} breaks"
    return f"Δ{cell.metric}: |Δ| < {s.margin:g} holds, > {s.margin:g} breaks"


Row = Sequence["str | Text"]
Column = tuple[str, str, int]
"""A column of a grouped table: header, justification (``left``/``right``) and width."""


def _fixed(columns: Sequence[Column], header: bool) -> Table:
    table = Table(
        box=box.SIMPLE_HEAD if header else None,
        show_header=header,
        pad_edge=False,
        show_edge=False,
        padding=(0, 1),
    )
    for name, justify, width in columns:
        table.add_column(name, justify=justify, width=width, no_wrap=True)  # type: ignore[arg-type]
    return table


def grouped_table(
    title: str, columns: Sequence[Column], groups: Sequence[tuple[str, Sequence[Row]]]
) -> Group:
    """A table in sections, each headed by a bold line of its own, so that long labels
    (family · retriever) never widen a column; fixed widths keep the sections aligned."""
    parts: list[RenderableType] = [Text(f"\n{title}", style="bold"), _fixed(columns, True)]
    for label, rows in groups:
        table = _fixed(columns, header=False)
        for row in rows:
            table.add_row(*(Text(c) if isinstance(c, str) else c for c in row))  # no markup
        parts += [Text(label, style="bold"), table]
    return Group(*parts)


FAMILY_WIDTH = 22
"""The family · rule column; each retriever column takes the width of its longest line."""


def verdict_table(
    result: RunResult, retrievers: Sequence[str] | None = None, title: str = "Verdicts"
) -> Table:
    names = list(result.retriever_names() if retrievers is None else retrievers)
    table = Table(title=title, title_justify="left", expand=False)
    table.add_column("family · rule", max_width=FAMILY_WIDTH)
    for name in names:
        table.add_column(Text(name), no_wrap=True)
    for family, cells in verdict_rows(result, names):
        table.add_row(family, *cells, end_section=True)
    return table


def verdict_rows(result: RunResult, names: Sequence[str]) -> list[tuple[Text, list[Text]]]:
    deciding = result.verdicts()
    alpha = result.request.alpha
    rows = []
    for family in result.families():
        rule_cell = next((c for (_, f), c in deciding.items() if f is family), None)
        rule = short_rule(rule_cell, result) if rule_cell else ""
        label = Text.assemble(str(family), "\n", (str(family.expectation_kind), "dim"), f"\n{rule}")
        cells = []
        for name in names:
            cell = deciding.get((name, family))
            if cell is None or cell.verdict is None:
                cells.append(Text("–"))
                continue
            cells.append(
                Text.assemble(
                    (str(cell.verdict).upper(), VERDICT_STYLE[cell.verdict]),
                    f"\n{cell.metric} {fmt.number(cell.delta, cell.metric, True)}",
                    ("\n" + fmt.ci(cell), "dim"),
                    ("\n" + fmt.decided(cell, alpha, short=True), "dim"),
                )
            )
        rows.append((label, cells))
    return rows


class VerdictTables:
    """The verdict grid, in as many tables as the width needs: a retriever's column is never
    cut, so its CI and p-value stay whole (four retrievers at 80 columns make two tables)."""

    def __init__(self, result: RunResult) -> None:
        self.result = result

    def __rich_console__(
        self, console: Console, options: ConsoleOptions
    ) -> Iterable[RenderableType]:
        for i, names in enumerate(self.chunks(options.max_width)):
            yield verdict_table(self.result, names, "Verdicts" + (" (continued)" if i else ""))

    def chunks(self, width: int) -> list[list[str]]:
        names = self.result.retriever_names()
        needed = dict(zip(names, self.widths(names), strict=True))
        chunks: list[list[str]] = [[]]
        used = FAMILY_WIDTH + 4  # the column, its padding and the two outer borders
        for name in names:
            if chunks[-1] and used + needed[name] > width:
                chunks.append([])
                used = FAMILY_WIDTH + 4
            chunks[-1].append(name)
            used += needed[name]
        return chunks

    def widths(self, names: Sequence[str]) -> list[int]:
        """Each retriever column's width: its longest line, its padding and a border."""
        rows = verdict_rows(self.result, names)
        return [
            3
            + max(
                [len(name)]
                + [len(line) for _, cells in rows for line in cells[i].plain.split("\n")]
            )
            for i, name in enumerate(names)
        ]


def detail_table(cells: Iterable[Cell], alpha: float = 0.05) -> Group:
    """One section per (family, retriever), so the table fits 80 columns."""
    columns = (
        ("metric", "left", 17),
        ("orig", "right", 6),
        ("pert", "right", 6),
        ("Δ", "right", 7),
        ("95% CI", "right", 17),
        ("p adj", "right", 9),
        ("n", "right", 4),
    )
    listed = [c for c in cells if fmt.shown(c.metric)]
    groups = []
    for family, retriever in dict.fromkeys((c.family, c.retriever) for c in listed):
        rows = [
            (
                f"  {c.metric}" + (f" {fmt.DECIDES}" if c.decides else ""),
                fmt.number(c.original, c.metric),
                fmt.number(c.perturbed, c.metric),
                fmt.number(c.delta, c.metric, True),
                fmt.ci(c),
                f"{fmt.p_value(c.p_adjusted)}{fmt.stars(c.p_adjusted, alpha):<3}",
                str(c.n),
            )
            for c in listed
            if (c.family, c.retriever) == (family, retriever)
        ]
        groups.append((f"{family} · {retriever}", rows))
    return grouped_table(
        "Measurements (paired over queries; Δ = perturbed − original)", columns, groups
    )


def rules_text(result: RunResult) -> Text:
    rules = dict.fromkeys(c.rule for c in result.cells if c.rule)
    text = Text(f"Rules ({fmt.DECIDES} = the measure that decides the verdict)\n", style="bold")
    for rule in rules:
        text.append(f"• {rule}\n")
    correction = result.request.correction
    text.append(
        "A verdict's claim is shown by a bounded-mean test (valid at every n for changes within "
        "the measure's range), its p adjusted over the deciding cells. Directional families are "
        "judged by their edited qrels; p-MRR is FollowIR's, ×100. CIs: "
        f"{_methods(result)}, over queries; p adj (measurements): Wilcoxon signed-rank (Pratt), "
        f"{correction}-adjusted over the grid; *** < 0.001, ** < 0.01, * < 0.05 "
        f"(never at or above α = {result.request.alpha:g}).",
        style="dim",
    )
    return text


def _methods(result: RunResult) -> str:
    used = dict.fromkeys(c.interval for c in result.cells if c.interval in fmt.INTERVALS)
    return " or ".join(f"{fmt.INTERVALS[m]} ({m})" for m in used) or "none"


def open_questions(result: RunResult) -> Text | None:
    open_cells = [c for c in result.verdicts().values() if c.verdict is Verdict.INCONCLUSIVE]
    return _bullets(
        "Inconclusive", [f"{c.family} / {c.retriever}: {fmt.settle(c)}" for c in open_cells]
    )


def no_variants(result: RunResult) -> Text | None:
    return _bullets("No variants", fmt.without_variants(result))


def _bullets(title: str, lines: Sequence[str]) -> Text | None:
    """A bold title over one bullet per line; nothing when there are no lines."""
    if not lines:
        return None
    text = Text(f"{title}\n", style="bold")
    for line in lines:
        text.append(f"• {line}\n")
    return text


def where_it_breaks(result: RunResult) -> Group | Text:
    """The strata whose change is significant after correction: the answer to 'where'."""
    alpha = result.request.alpha
    significant = [s for s in result.strata if s.significant]
    if not significant:
        return Text(f"Where it breaks: no stratum is significant at {alpha:g} after correction.")
    columns = (
        ("stratum", "left", 26),
        ("Δ", "right", 7),
        ("95% CI", "right", 17),
        ("p adj", "right", 9),
        ("n", "right", 4),
    )
    groups = []
    for family, retriever in dict.fromkeys((s.family, s.retriever) for s in significant):
        rows = [
            (
                f"  {s.dimension}={s.level}",
                fmt.number(s.delta, s.metric, True),
                fmt.interval(s.ci_low, s.ci_high, s.metric),
                fmt.p_value(s.p_adjusted) + fmt.stars(s.p_adjusted, alpha),
                str(s.n),
            )
            for s in significant
            if (s.family, s.retriever) == (family, retriever)
        ]
        expected = family.expectation_kind is ExpectationKind.SENSITIVE
        groups.append((f"{family} · {retriever}" + (SENSITIVE_LABEL if expected else ""), rows))
    title = f"Where it breaks (strata with {result.request.correction}-adjusted p < {alpha:g})"
    return grouped_table(title, columns, groups)


def dose_lines(result: RunResult) -> Text | None:
    series = [d for d in result.dose_response if len(d.points) > 1]
    if not series:
        return None
    text = Text("Dose-response over strength\n", style="bold")
    for d in series:
        steps = ", ".join(
            f"{p.strength:.2f}: {fmt.number(p.delta, d.metric, True)}" for p in d.points
        )
        where = (
            f"first significant drop at {d.breaks_at:.2f}"
            if d.breaks_at is not None
            else "no significant drop"
        )
        text.append(f"• {fmt.noted(d.family)} / {d.retriever} Δ{d.metric}: {steps} — {where}\n")
    return text


def _pieces(pieces: Iterable[Piece]) -> Text:
    text = Text()
    for piece in pieces:
        if text:
            text.append(" ")
        text.append(PIECE_MARK[piece.kind].format(piece.text), style=PIECE_STYLE[piece.kind])
    return text


def example_text(example: Example) -> Text:
    v = example.variant
    text = Text.assemble(
        (f"{example.family} · {example.retriever}", "bold"),
        f" · {example.metric} {fmt.number(example.value, example.metric, True)}",
        f" · {v.query_id} “{v.query}” ({v.operator}/{v.form})\n",
    )
    before, after = example.diff()
    text.append("  before: ", style="dim")
    text.append_text(_pieces(before))
    text.append("\n")
    text.append("  after:  ", style="dim")
    text.append_text(_pieces(after))
    text.append("\n")
    if example.order_changed:
        text.append(f"  order: instruction first → {str(v.order).replace('_', ' ')}\n", style="dim")
    for move in example.moves:
        style = "red" if move.wrong_way else ""
        text.append(f"  {describe_move(move)}\n", style=style)
    return text


def examples_section(
    result: RunResult,
    per_cell: int = EXAMPLES_PER_CELL,
) -> RenderableType | None:
    if per_cell < 1:
        return None
    cells = [c for c in result.verdicts().values() if c.verdict is not Verdict.HOLDS]
    if not cells:
        return None
    found = worst(result, per_cell, cells)
    if not found:
        return None
    title = Text(
        "Worst examples (families that do not hold; [-removed-] {+added+}; ranks 1-based)",
        style="bold",
    )
    return Group(title, *(example_text(e) for e in found))


def effectiveness(result: RunResult) -> Text | None:
    """Each retriever's effectiveness under the original instructions (the results' baseline)."""
    if not result.baseline:
        return None
    text = Text("Effectiveness under the original instructions\n", style="bold")
    for name in dict.fromkeys(b.retriever for b in result.baseline):
        scores = " · ".join(
            f"{b.metric} {fmt.number(b.value, b.metric)}"
            + (f" (n {b.n})" if b.n != result.suite.queries else "")
            for b in result.baseline
            if b.retriever == name
        )
        text.append(f"• {name}: {scores}\n")
    return text


def benchmark_text(result: RunResult) -> Group | None:
    """The benchmark's own score, by its published protocol, before the probes."""
    section = result.benchmark
    if section is None or not section.scores:
        return None
    title = Text(f"Benchmark as published: {bench.label(section)}", style="bold")
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column("retriever")
    for metric in bench.metrics(section):
        table.add_column(metric, justify="right")
    for name, values in bench.table(section):
        table.add_row(Text(name), *(Text(v) for v in values))
    notes = Text("\n".join(bench.notes(section)) + "\n", style="dim")
    return Group(title, table, notes)


def header(result: RunResult) -> Text:
    suite = result.suite
    return Text.assemble(
        ("instructprobe", "bold"),
        f" · {suite.name}: {fmt.counted(suite.queries, 'query', 'queries')}, "
        f"{fmt.counted(suite.documents, 'doc')}"
        f" · {fmt.counted(len(result.variants), 'variant')} · seed {result.request.seed}",
    )


PROMPT_NOTES = {"model": "the prompts its model was saved with", "user": "a template you gave"}


def prompt_notes(result: RunResult) -> Text | None:
    """Which retrievers read their model's own prompts or a template of the user's (a preset's
    formats are documented, a plain model's absence of them is the default)."""
    lines = []
    for described in result.retrievers:
        note = PROMPT_NOTES.get(described.get("prompts_from", ""))
        if note is None:
            continue
        document = described.get("document_prompt")
        shown = f"; documents {document!r}" if document else ""
        lines.append(
            f"{described.get('name', '?')} reads {note}: {described.get('template', '')!r}{shown}"
        )
    return Text("\n".join(lines)) if lines else None


def render(
    result: RunResult,
    examples: int = EXAMPLES_PER_CELL,
) -> Group:
    """The report of ``result``, rendered from a copy whose text can only be read: the suite's
    and the results file's strings are untrusted (``core.untrusted``), and every string that
    reaches rich is a ``Text``, never markup."""
    result = printable_copy(result)
    parts = (
        header(result),
        benchmark_text(result),
        prompt_notes(result),
        effectiveness(result),
        VerdictTables(result),
        open_questions(result),
        no_variants(result),
        detail_table(result.cells, result.request.alpha),
        where_it_breaks(result),
        dose_lines(result),
        examples_section(result, examples),
        rules_text(result),
    )
    return Group(*(p for p in parts if p is not None))


def print_report(
    result: RunResult,
    console: Console | None = None,
    examples: int = EXAMPLES_PER_CELL,
) -> None:
    (console or Console()).print(render(result, examples))


def render_text(result: RunResult, width: int = 80, examples: int = EXAMPLES_PER_CELL) -> str:
    """The report as plain text (no colour), as ``probe report --format term --out`` writes."""
    console = Console(record=True, width=width, file=io.StringIO(), color_system=None)
    print_report(result, console, examples)
    return console.export_text(styles=False)
