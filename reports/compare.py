"""A comparison of two runs (``probes.compare``) for a terminal, as text and as Markdown."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

from instructprobe.core.untrusted import printable_copy
from instructprobe.probes.compare import Call, Change, Comparison
from instructprobe.reports import format as fmt

if TYPE_CHECKING:
    from rich.console import RenderableType

CALL_STYLE = {Call.BETTER: "bold green", Call.WORSE: "bold red", Call.UNCLEAR: "dim"}
CALL_MARK = {Call.BETTER: "better", Call.WORSE: "WORSE", Call.UNCLEAR: "–"}


def headline(comparison: Comparison) -> list[str]:
    """One line each for what got better, what got worse, and what did not clearly change."""
    lines = []
    for call in (Call.BETTER, Call.WORSE):
        found = comparison.of(call)
        listed = ", ".join(
            f"{c.family} {c.metric} ({_who(c)}) {fmt.number(c.change, c.metric, True)}"
            for c in found
        )
        lines.append(f"{call.value.capitalize()}: {listed or 'nothing'}")
    unclear = len(comparison.of(Call.UNCLEAR))
    lines.append(
        f"No clear change: {unclear} of {len(comparison.changes)} cell(s) "
        f"({comparison.correction.value}-adjusted p ≥ {comparison.alpha:g})"
    )
    return lines


def _who(change: Change) -> str:
    if change.base_retriever == change.retriever:
        return change.retriever
    return f"{change.base_retriever} → {change.retriever}"


def _verdicts(change: Change) -> str:
    if change.base_verdict is None and change.verdict is None:
        return ""
    if change.base_verdict == change.verdict:
        return str(change.verdict)
    return f"{change.base_verdict} → {change.verdict}"


def render(comparison: Comparison, base_label: str, candidate_label: str) -> RenderableType:
    """The comparison for a terminal: one section per (retriever pair, family), 80 columns
    (rendered from a copy whose text can only be read, as the run's report)."""
    from rich.console import Group
    from rich.text import Text

    from instructprobe.reports.terminal import grouped_table

    c, base_label, candidate_label = printable_copy((comparison, base_label, candidate_label))
    head = Text.assemble(
        ("instructprobe compare", "bold"),
        f" · {base_label} → {candidate_label} · {c.suite} "
        f"(sha256 {fmt.short_hash(c.sha256)}) · {c.shared_queries} shared queries",
    )
    if c.base_only or c.candidate_only:
        head.append(f" ({c.base_only} only in the base, {c.candidate_only} only in the candidate)")
    columns = (
        ("metric", "left", 17),
        ("base", "right", 7),
        ("cand", "right", 7),
        ("change", "right", 8),
        ("95% CI", "right", 17),
        ("p adj", "right", 9),
        ("call", "left", 7),
    )
    groups = []
    for family, who in dict.fromkeys((x.family, _who(x)) for x in c.changes):
        rows = [x for x in c.changes if (x.family, _who(x)) == (family, who)]
        verdicts = _verdicts(next((x for x in rows if x.decides), rows[0]))
        label = f"{family} · {who}" + (f" ({verdicts})" if verdicts else "")
        cells: list[Sequence[str | Text]] = [
            (
                f"  {x.metric}" + (f" {fmt.DECIDES}" if x.decides else ""),
                fmt.number(x.base, x.metric, True),
                fmt.number(x.candidate, x.metric, True),
                fmt.number(x.change, x.metric, True),
                fmt.interval(x.ci_low, x.ci_high, x.metric),
                fmt.p_value(x.p_adjusted) + fmt.stars(x.p_adjusted, c.alpha),
                Text(CALL_MARK[x.call], CALL_STYLE[x.call]),
            )
            for x in rows
        ]
        groups.append((label, cells))
    table = grouped_table(
        f"Change = candidate Δ − base Δ, paired over queries; {c.correction.value}-adjusted p",
        columns,
        groups,
    )
    summary = Text("\n".join(headline(c)))
    notes = [Text(f"note: {n}", style="dim") for n in c.notes]
    legend = Text(
        f"{fmt.DECIDES} = the measure that decides the verdict. base/cand: each run's mean Δ over "
        "the shared queries. A change is a call only when its adjusted p < "
        f"{c.alpha:g}; rank-shift is better when it falls, and in a sensitive family "
        "(keywords) a larger drop is better.",
        style="dim",
    )
    return Group(head, table, summary, *notes, legend)


def render_text(comparison: Comparison, base_label: str, candidate_label: str) -> str:
    from rich.console import Console

    console = Console(record=True, width=80, file=io.StringIO(), color_system=None)
    console.print(render(comparison, base_label, candidate_label))
    return console.export_text(styles=False)


def render_markdown(comparison: Comparison, base_label: str, candidate_label: str) -> str:
    from instructprobe.reports import document as doc
    from instructprobe.reports.markdown import render as markdown

    c, base_label, candidate_label = printable_copy((comparison, base_label, candidate_label))
    rows = tuple(
        (
            doc.spans(x.family),
            doc.spans(_who(x)),
            doc.spans(f"{x.metric}" + (f" {fmt.DECIDES}" if x.decides else "")),
            doc.spans(fmt.number(x.base, x.metric, True)),
            doc.spans(fmt.number(x.candidate, x.metric, True)),
            doc.spans(fmt.number(x.change, x.metric, True)),
            doc.spans(fmt.interval(x.ci_low, x.ci_high, x.metric)),
            doc.spans(fmt.p_value(x.p_adjusted) + fmt.stars(x.p_adjusted, c.alpha)),
            doc.spans(doc.Span(x.call.value, "strong" if x.call is not Call.UNCLEAR else "text")),
            doc.spans(_verdicts(x)),
        )
        for x in c.changes
    )
    headers = ("family", "retriever", "metric", "base", "cand", "change", "95% CI", "p adj")
    blocks: list[doc.Block] = [
        doc.Heading(1, f"instructprobe compare: {base_label} → {candidate_label}"),
        doc.Paragraph(
            doc.spans(
                f"Suite {c.suite} (sha256 {fmt.short_hash(c.sha256)}), {c.shared_queries} shared "
                f"queries; change = candidate Δ − base Δ paired over queries, BCa 95% CI, "
                f"Wilcoxon p {c.correction.value}-adjusted over {len(c.changes)} cells."
            )
        ),
        doc.Bullets(tuple(doc.spans(line) for line in headline(c))),
        doc.Table((*headers, "call", "verdict"), rows, ("l", "l", "l", *("r",) * 5, "l", "l")),
    ]
    blocks += [doc.Paragraph(doc.spans(f"Note: {n}")) for n in c.notes]
    return markdown(blocks)
