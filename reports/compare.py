"""Two runs side by side: for each cell both runs have, the candidate's change against the base,
paired over the queries both runs measured, with a bootstrap CI and a corrected p-value. What
got better, what got worse, and is it real.

The statistics are ``probes.stats``'s (``summarize`` with a seeded generator, ``adjust``), the
same ones that made each run's cells."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from instructprobe.core.errors import ProbeError
from instructprobe.probes.results import Cell, RunResult
from instructprobe.reports import format as fmt

if TYPE_CHECKING:
    from rich.console import RenderableType

BETTER, WORSE, UNCLEAR = "better", "worse", "no clear change"


@dataclass(frozen=True)
class Change:
    """One cell's change from the base run to the candidate, over their shared queries."""

    base_retriever: str
    retriever: str
    family: str
    metric: str
    decides: bool
    base: float
    """The base run's mean delta over the shared queries."""
    candidate: float
    change: float
    """Mean of the per-query differences (candidate delta − base delta)."""
    ci_low: float
    ci_high: float
    p_value: float
    p_adjusted: float
    n: int
    base_verdict: str | None
    verdict: str | None
    call: str
    """``better``, ``worse`` or ``no clear change`` (by the adjusted p and the metric's
    direction)."""


@dataclass(frozen=True)
class Comparison:
    suite: str
    sha256: str
    alpha: float
    correction: str
    resamples: int
    shared_queries: int
    base_only: int
    candidate_only: int
    changes: tuple[Change, ...]
    notes: tuple[str, ...] = ()

    def of(self, call: str) -> list[Change]:
        return [c for c in self.changes if c.call == call]


def pairs_of(
    base: RunResult, candidate: RunResult, pairs: Sequence[tuple[str, str]] = ()
) -> list[tuple[str, str]]:
    """Which base retriever each candidate retriever is compared with: as given, else the
    retrievers both runs have, else the only one of each."""
    base_names, names = fmt.retrievers(base), fmt.retrievers(candidate)
    if pairs:
        for b, c in pairs:
            if b not in base_names:
                raise ProbeError(
                    f"the base run has no retriever {b!r} (it has {', '.join(base_names)})"
                )
            if c not in names:
                raise ProbeError(
                    f"the candidate run has no retriever {c!r} (it has {', '.join(names)})"
                )
        return list(pairs)
    shared = [(n, n) for n in names if n in base_names]
    if shared:
        return shared
    if len(base_names) == 1 and len(names) == 1:
        return [(base_names[0], names[0])]
    raise ProbeError(
        f"no retriever to compare: the base run has {', '.join(base_names) or 'none'}, the "
        f"candidate {', '.join(names) or 'none'}; pair them with --pair BASE=CANDIDATE"
    )


def check_comparable(base: RunResult, candidate: RunResult) -> None:
    """Refuse, in one line, runs whose numbers do not measure the same thing."""
    a, b = base.settings, candidate.settings
    if (a.suite.get("sha256") or "") != (b.suite.get("sha256") or ""):
        raise ProbeError(
            f"not comparable: the runs used different suites (base {a.suite.get('name')} "
            f"sha256 {fmt.short_hash(a.suite.get('sha256'))}, candidate {b.suite.get('name')} "
            f"sha256 {fmt.short_hash(b.suite.get('sha256'))})"
        )
    if a.cutoff != b.cutoff:
        raise ProbeError(
            f"not comparable: cutoff {a.cutoff} in the base, {b.cutoff} in the candidate"
        )


def _queries(result: RunResult) -> set[str]:
    return {v.query_id for c in result.cells for v in c.per_query}


def _cells(result: RunResult, retriever: str, all_metrics: bool) -> dict[tuple[str, str], Cell]:
    return {
        (c.family, c.metric): c
        for c in result.cells
        if c.retriever == retriever and (c.decides or all_metrics)
    }


def _call(change: float, p_adjusted: float, cell: Cell, alpha: float) -> str:
    if not (math.isfinite(p_adjusted) and p_adjusted < alpha) or change == 0:
        return UNCLEAR
    return BETTER if (change > 0) == fmt.higher_is_better(cell.metric, cell.expectation) else WORSE


def compare(
    base: RunResult,
    candidate: RunResult,
    pairs: Sequence[tuple[str, str]] = (),
    all_metrics: bool = False,
    alpha: float | None = None,
    correction: str | None = None,
    resamples: int | None = None,
) -> Comparison:
    """The candidate against the base, cell by cell (the deciding cells unless
    ``all_metrics``); p-values adjusted over every compared cell."""
    import numpy as np

    from instructprobe.perturb.seeding import derive_seed
    from instructprobe.probes.stats import Correction, adjust, summarize

    check_comparable(base, candidate)
    matched = pairs_of(base, candidate, pairs)
    shared = _queries(base) & _queries(candidate)
    if not shared:
        raise ProbeError("not comparable: the runs share no query")
    s = candidate.settings
    alpha = s.alpha if alpha is None else alpha
    method = Correction(correction or s.correction)
    resamples = resamples or s.resamples
    drafts = []
    for base_name, name in matched:
        before = _cells(base, base_name, all_metrics)
        for key, cell in _cells(candidate, name, all_metrics).items():
            old = before.get(key)
            if old is None:
                continue
            olds = {v.query_id: v.delta for v in old.per_query if math.isfinite(v.delta)}
            news = {v.query_id: v.delta for v in cell.per_query if math.isfinite(v.delta)}
            ids = sorted(set(olds) & set(news) & shared)
            differences = [news[q] - olds[q] for q in ids]
            rng = np.random.default_rng(
                derive_seed(s.seed, "compare", base_name, name, cell.family, cell.metric)
            )
            summary = summarize(differences, rng, resamples)
            drafts.append((base_name, old, cell, ids, olds, news, summary))
    if not drafts:
        raise ProbeError("not comparable: the runs have no (family, metric) cell in common")
    adjusted = adjust([d[-1].p_value for d in drafts], method)
    changes = []
    for (base_name, old, cell, ids, olds, news, summary), p in zip(drafts, adjusted, strict=True):
        mean = summary.mean
        changes.append(
            Change(
                base_retriever=base_name,
                retriever=cell.retriever,
                family=cell.family,
                metric=cell.metric,
                decides=cell.decides,
                base=float(np.mean([olds[q] for q in ids])) if ids else math.nan,
                candidate=float(np.mean([news[q] for q in ids])) if ids else math.nan,
                change=mean,
                ci_low=summary.ci_low,
                ci_high=summary.ci_high,
                p_value=summary.p_value,
                p_adjusted=p,
                n=summary.n,
                base_verdict=old.verdict,
                verdict=cell.verdict,
                call=_call(mean, p, cell, alpha),
            )
        )
    notes = []
    if base.settings.seed != s.seed:
        notes.append(
            f"the runs used different seeds ({base.settings.seed}, {s.seed}), so their variants "
            "differ; each query's variants are averaged before pairing"
        )
    base_queries, queries = _queries(base), _queries(candidate)
    return Comparison(
        suite=str(s.suite.get("name", "")),
        sha256=str(s.suite.get("sha256") or ""),
        alpha=alpha,
        correction=method.value,
        resamples=resamples,
        shared_queries=len(shared),
        base_only=len(base_queries - shared),
        candidate_only=len(queries - shared),
        changes=tuple(changes),
        notes=tuple(notes),
    )


def headline(comparison: Comparison) -> list[str]:
    """One line each for what got better, what got worse, and what did not clearly change."""
    lines = []
    for call in (BETTER, WORSE):
        found = comparison.of(call)
        listed = ", ".join(
            f"{c.family} {c.metric} ({_who(c)}) {fmt.number(c.change, c.metric, True)}"
            for c in found
        )
        lines.append(f"{call.capitalize()}: {listed or 'nothing'}")
    unclear = len(comparison.of(UNCLEAR))
    lines.append(
        f"No clear change: {unclear} of {len(comparison.changes)} cell(s) "
        f"({comparison.correction}-adjusted p ≥ {comparison.alpha:g})"
    )
    return lines


def _who(change: Change) -> str:
    if change.base_retriever == change.retriever:
        return change.retriever
    return f"{change.base_retriever} → {change.retriever}"


def to_dict(comparison: Comparison) -> dict[str, object]:
    from dataclasses import asdict

    def clean(value: object) -> object:
        if isinstance(value, float):
            return value if math.isfinite(value) else None
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [clean(v) for v in value]
        return value

    data = clean(asdict(comparison))
    assert isinstance(data, dict)
    return data


CALL_STYLE = {BETTER: "bold green", WORSE: "bold red", UNCLEAR: "dim"}
CALL_MARK = {BETTER: "better", WORSE: "WORSE", UNCLEAR: "–"}


def _verdicts(change: Change) -> str:
    if change.base_verdict is None and change.verdict is None:
        return ""
    if change.base_verdict == change.verdict:
        return str(change.verdict)
    return f"{change.base_verdict} → {change.verdict}"


def render(comparison: Comparison, base_label: str, candidate_label: str) -> RenderableType:
    """The comparison for a terminal: one section per (retriever pair, family), 80 columns."""
    from rich.console import Group
    from rich.text import Text

    from instructprobe.reports.terminal import grouped_table

    c = comparison
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
        f"Change = candidate Δ − base Δ, paired over queries; {c.correction}-adjusted p",
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

    c = comparison
    rows = tuple(
        (
            doc.spans(x.family),
            doc.spans(_who(x)),
            doc.spans(x.metric + (f" {fmt.DECIDES}" if x.decides else "")),
            doc.spans(fmt.number(x.base, x.metric, True)),
            doc.spans(fmt.number(x.candidate, x.metric, True)),
            doc.spans(fmt.number(x.change, x.metric, True)),
            doc.spans(fmt.interval(x.ci_low, x.ci_high, x.metric)),
            doc.spans(fmt.p_value(x.p_adjusted) + fmt.stars(x.p_adjusted, c.alpha)),
            doc.spans(doc.Span(x.call, "strong" if x.call != UNCLEAR else "text")),
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
                f"Wilcoxon p {c.correction}-adjusted over {len(c.changes)} cells."
            )
        ),
        doc.Bullets(tuple(doc.spans(line) for line in headline(c))),
        doc.Table((*headers, "call", "verdict"), rows, ("l", "l", "l", *("r",) * 5, "l", "l")),
    ]
    blocks += [doc.Paragraph(doc.spans(f"Note: {n}")) for n in c.notes]
    return markdown(blocks)
