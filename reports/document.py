"""The long report as a list of blocks (headings, paragraphs, tables, figures), which the
Markdown and HTML writers render; both say the same thing in the same order."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from instructprobe.core.untrusted import printable_copy
from instructprobe.perturb.model import ExpectationKind
from instructprobe.probes.results import Cell, RunResult, Verdict
from instructprobe.reports import benchmark as bench
from instructprobe.reports import format as fmt
from instructprobe.reports.examples import Example, Piece, describe_move, worst
from instructprobe.reports.plots import Plot

EXAMPLES_PER_CELL = 3


@dataclass(frozen=True)
class Span:
    """Inline text with a kind: ``text``, ``strong``, ``code``, ``insert``, ``delete``, ``gap``,
    ``holds``, ``breaks``, ``inconclusive``, ``wrong`` (a move against expectation) or ``dim``."""

    text: str
    kind: str = "text"


Inline = tuple[Span, ...]


def spans(*parts: object) -> Inline:
    """Inline text from spans and values (enums and measures by their names)."""
    return tuple(p if isinstance(p, Span) else Span(str(p)) for p in parts)


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    anchor: str = ""


@dataclass(frozen=True)
class Paragraph:
    parts: Inline


@dataclass(frozen=True)
class Bullets:
    items: tuple[Inline, ...]


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[Inline, ...], ...]
    align: tuple[str, ...] = ()
    """``l`` or ``r`` per column; left when not given."""
    caption: str = ""


@dataclass(frozen=True)
class Figure:
    plot: Plot


@dataclass(frozen=True)
class ExampleBlock:
    title: Inline
    before: Inline
    after: Inline
    notes: tuple[Inline, ...] = field(default=())


Block = Heading | Paragraph | Bullets | Table | Figure | ExampleBlock


def _verdict_cell(cell: Cell | None, alpha: float) -> Inline:
    if cell is None or cell.verdict is None:
        return spans("–")
    return spans(
        Span(str(cell.verdict).upper(), str(cell.verdict)),
        f" {cell.metric} {fmt.number(cell.delta, cell.metric, True)} {fmt.ci(cell)};"
        f" {fmt.decided(cell, alpha)}",
    )


def summary(result: RunResult) -> list[Block]:
    s, suite = result.request, result.suite
    names = [r.get("name", "?") for r in result.retrievers]
    text = (
        f"Suite {suite.name}: {fmt.counted(suite.queries, 'query', 'queries')}, "
        f"{fmt.counted(suite.documents, 'document')}, "
        f"{fmt.counted(len(result.variants), 'variant')}; retrievers {fmt.join(names)}; "
        f"seed {s.seed}; "
        f"{s.correction}-adjusted p-values at α = {s.alpha:g}; {s.resamples} bootstrap resamples."
    )
    return [Heading(1, f"instructprobe report: {suite.name}"), Paragraph(spans(text))]


def benchmark(result: RunResult) -> list[Block]:
    """The benchmark's own score by its published protocol, before the probes."""
    section = result.benchmark
    if section is None or not section.scores:
        return []
    names = bench.metrics(section)
    rows = tuple(
        (spans(name), *(spans(v) for v in values)) for name, values in bench.table(section)
    )
    return [
        Heading(2, "Benchmark as published", "benchmark"),
        Paragraph(spans(bench.label(section))),
        Table(("retriever", *names), rows, ("l", *("r",) * len(names))),
        Bullets(tuple(spans(line) for line in bench.notes(section))),
    ]


def effectiveness(result: RunResult) -> list[Block]:
    if not result.baseline:
        return []
    metrics = list(dict.fromkeys(b.metric for b in result.baseline))
    names = list(dict.fromkeys(b.retriever for b in result.baseline))
    values = {(b.retriever, b.metric): b for b in result.baseline}
    rows = tuple(
        (
            spans(name),
            *(
                spans(fmt.number(values[name, m].value, m) if (name, m) in values else "–")
                for m in metrics
            ),
        )
        for name in names
    )
    return [
        Heading(3, "Effectiveness under the original instructions"),
        Table(("retriever", *map(str, metrics)), rows, ("l", *("r",) * len(metrics))),
    ]


def verdicts(result: RunResult) -> list[Block]:
    names = result.retriever_names()
    deciding = result.verdicts()
    alpha = result.request.alpha
    rows = []
    for family in result.families():
        row: list[Inline] = [spans(Span(str(family), "strong"), f" ({family.expectation_kind})")]
        row += [_verdict_cell(deciding.get((name, family)), alpha) for name in names]
        rows.append(tuple(row))
    rules = dict.fromkeys(c.rule for c in result.cells if c.rule)
    blocks: list[Block] = [
        Heading(2, "Verdicts", "verdicts"),
        Table(
            ("family", *names),
            tuple(rows),
            caption="Δ with its 95% CI; the claim that decided and its adjusted p.",
        ),
        Paragraph(spans(Span("Rules", "strong"), f" ({fmt.DECIDES} marks the deciding measure)")),
        Bullets(tuple(spans(rule) for rule in rules)),
        Paragraph(
            spans(
                Span(
                    "A verdict's claim is shown by a bounded-mean test (valid at every n for "
                    "changes within the measure's range), its p adjusted over the deciding "
                    "cells. Directional families are judged by their edited qrels; p-MRR is "
                    "FollowIR's, shown ×100. CIs of bounded measures invert the same tests, of "
                    "the others (rank shift, moved) come from the BCa bootstrap; p "
                    "(measurements): Wilcoxon signed-rank (Pratt), "
                    f"{result.request.correction}-adjusted over the grid; *** < 0.001, "
                    "** < 0.01, * < 0.05.",
                    "dim",
                )
            )
        ),
    ]
    open_cells = [c for c in deciding.values() if c.verdict is Verdict.INCONCLUSIVE]
    if open_cells:
        items = []
        for c in open_cells:
            items.append(spans(f"{c.family} / {c.retriever}: {fmt.settle(c)}"))
        blocks += [Heading(3, "Inconclusive"), Bullets(tuple(items))]
    empty = fmt.without_variants(result)
    if empty:
        blocks += [Heading(3, "No variants"), Bullets(tuple(spans(line) for line in empty))]
    return blocks


def measurements(result: RunResult) -> list[Block]:
    alpha = result.request.alpha
    rows = tuple(
        (
            spans(c.family),
            spans(c.retriever),
            spans(f"{c.metric}" + (f" {fmt.DECIDES}" if c.decides else "")),
            spans(fmt.number(c.original, c.metric)),
            spans(fmt.number(c.perturbed, c.metric)),
            spans(fmt.number(c.delta, c.metric, True)),
            spans(fmt.ci(c)),
            spans(fmt.p_value(c.p_adjusted) + fmt.stars(c.p_adjusted, alpha)),
            spans(fmt.plain(c.effect_dz)),
            spans(fmt.number(c.mde, c.metric)),
            spans(str(c.n)),
        )
        for c in result.cells
    )
    headers = ("family", "retriever", "metric", "orig", "pert", "Δ", "95% CI", "p adj", "d_z")
    return [
        Heading(2, "Measurements", "measurements"),
        Paragraph(
            spans(
                "Paired over queries (Δ = perturbed − original); d_z = mean Δ / sd; MDE = the "
                "smallest change a paired t-test on this many queries detects with power 0.8 (a "
                "planning aid: the verdicts' tests assume less and need more)."
            )
        ),
        Table((*headers, "MDE", "n"), rows, ("l", "l", "l", *("r",) * 8)),
    ]


def strata(result: RunResult) -> list[Block]:
    alpha = result.request.alpha
    significant = [s for s in result.strata if s.significant]
    blocks: list[Block] = [Heading(2, "Where it breaks", "strata")]
    tested = sum(1 for s in result.strata if fmt.finite(s.p_value))
    blocks.append(
        Paragraph(
            spans(
                f"{len(significant)} of {tested} tested strata (strength, form, instruction "
                f"length, lexical overlap) change significantly ({result.request.correction}-"
                f"adjusted p < {alpha:g})."
                + (
                    " In a sensitive family a significant drop is what a reader of the whole "
                    "instruction shows, not a failure."
                    if any(
                        s.family.expectation_kind is ExpectationKind.SENSITIVE for s in significant
                    )
                    else ""
                )
            )
        )
    )
    if significant:
        rows = tuple(
            (
                spans(s.family),
                spans(s.retriever),
                spans(f"{s.dimension}={s.level}"),
                spans(fmt.number(s.delta, s.metric, True)),
                spans(fmt.interval(s.ci_low, s.ci_high, s.metric)),
                spans(fmt.p_value(s.p_adjusted) + fmt.stars(s.p_adjusted, alpha)),
                spans(str(s.n)),
            )
            for s in significant
        )
        headers = ("family", "retriever", "stratum", "Δ", "95% CI", "p adj", "n")
        blocks.append(Table(headers, rows, ("l", "l", "l", "r", "r", "r", "r")))
    series = [d for d in result.dose_response if len(d.points) > 1]
    if series:
        dose = tuple(
            (
                spans(fmt.noted(d.family)),
                spans(d.retriever),
                spans(
                    ", ".join(
                        f"{p.strength:.2f}: {fmt.number(p.delta, d.metric, True)}" for p in d.points
                    )
                ),
                spans(f"{d.breaks_at:.2f}" if d.breaks_at is not None else "–"),
            )
            for d in series
        )
        blocks += [
            Heading(3, "Dose-response over strength"),
            Table(("family", "retriever", "strength: Δ", "first significant drop"), dose),
        ]
    return blocks


def _diff(pieces: Sequence[Piece]) -> Inline:
    out: list[Span] = []
    for piece in pieces:
        if out:
            out.append(Span(" "))
        out.append(Span(piece.text, "text" if piece.kind == "equal" else piece.kind))
    return tuple(out)


def example_block(example: Example) -> ExampleBlock:
    v = example.variant
    before, after = example.diff()
    notes: list[Inline] = []
    if example.order_changed:
        notes.append(spans(f"order: instruction first → {str(v.order).replace('_', ' ')}"))
    notes += [
        spans(Span(describe_move(m), "wrong" if m.wrong_way else "text")) for m in example.moves
    ]
    return ExampleBlock(
        title=spans(
            Span(f"{example.family} · {example.retriever}", "strong"),
            f" · {example.metric} {fmt.number(example.value, example.metric, True)} · ",
            Span(v.query_id, "code"),
            f" “{v.query}” ({v.operator}/{v.form}, strength {v.strength:.2f})",
        ),
        before=_diff(before),
        after=_diff(after),
        notes=tuple(notes),
    )


def examples(result: RunResult, per_cell: int) -> list[Block]:
    if per_cell < 1:
        return []
    found = worst(result, per_cell)
    blocks: list[Block] = [Heading(2, "Worst examples", "examples")]
    note = (
        f"Up to {per_cell} variants per family and retriever that lowered the deciding measure "
        "most (in a sensitive family, where a drop is expected, those that lowered it least); "
        "removed words struck through, added words highlighted; ranks are 1-based."
    )
    blocks.append(Paragraph(spans(note)))
    if not found:
        blocks.append(Paragraph(spans("No variant went the wrong way on a deciding measure.")))
    blocks += [example_block(e) for e in found]
    return blocks


def environment(result: RunResult) -> list[Block]:
    s, suite = result.request, result.suite
    settings = (
        ("suite", f"{suite.name} ({suite.source})"),
        ("suite sha256", suite.sha256 or "–"),
        ("retrievers", ", ".join(str(r) for r in s.retrievers)),
        ("families", ", ".join(f.value for f in s.families)),
        ("seed", str(s.seed)),
        ("limit", str(s.limit) if s.limit is not None else "all queries"),
        ("depth / cutoff", f"{s.depth} / {s.cutoff}"),
        ("alpha / margin / follow margin", f"{s.alpha:g} / {s.margin:g} / {s.follow_margin:g}"),
        ("correction / resamples", f"{s.correction} / {s.resamples}"),
    )
    retrievers = tuple(
        (
            spans(r.get("name", "?")),
            spans(r.get("kind", "–")),
            spans(Span(r.get("model", r.get("source", "–")), "code")),
            spans(Span(r.get("identity", "–"), "code")),
            spans(Span(r.get("template", "–"), "code")),
            spans(prompts_said(r)),
        )
        for r in result.retrievers
    )
    versions = tuple((spans(k), spans(v)) for k, v in result.versions.items())
    return [
        Heading(2, "Environment", "environment"),
        Table(("setting", "value"), tuple((spans(k), spans(v)) for k, v in settings)),
        Table(("retriever", "kind", "model", "identity", "template", "prompts"), retrievers),
        Table(("package", "version"), versions),
    ]


PROMPT_SOURCES = {
    "preset": "the preset's",
    "model": "the model's own (saved with it)",
    "user": "given by the user",
}


def prompts_said(described: Mapping[str, str]) -> str:
    """Where a retriever's template and prompts came from, and its document prompt."""
    source = PROMPT_SOURCES.get(described.get("prompts_from", ""), "none")
    document = described.get("document_prompt")
    return f"{source}; documents {document!r}" if document else source


def build(
    result: RunResult,
    plots: Sequence[Plot] = (),
    examples_per_cell: int = EXAMPLES_PER_CELL,
) -> list[Block]:
    """The long report's blocks, from a copy of ``result`` whose strings hold no control
    character (``core.untrusted``); the writers escape the rest."""
    result = printable_copy(result)
    blocks = summary(result) + benchmark(result) + effectiveness(result) + verdicts(result)
    if plots:
        blocks.append(Heading(2, "Plots", "plots"))
        for plot in plots:
            blocks += [Heading(3, plot.title), Figure(plot)]
    blocks += measurements(result)
    blocks += strata(result)
    blocks += examples(result, examples_per_cell)
    blocks += environment(result)
    return blocks
