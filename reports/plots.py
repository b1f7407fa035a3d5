"""The report's plots, drawn with matplotlib's object API (no pyplot, so no global figure state
and no GUI backend): per-family distributions of the per-query deltas, dose-response over
strength, and where the documents a directional edit should push down actually went.

matplotlib is imported only when a plot is drawn. Figures render to inline SVG (text kept as
text) for the HTML report and to PNG for Markdown and for checking by eye."""

from __future__ import annotations

import io
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from instructprobe.perturb.model import ExpectationKind
from instructprobe.perturb.seeding import derive_seed
from instructprobe.probes.measures import Measure
from instructprobe.probes.results import Cell, RunResult
from instructprobe.reports import format as fmt
from instructprobe.reports.examples import rank_moves

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

PANEL_WIDTH = 3.1
PANEL_HEIGHT = 2.6
MAX_COLUMNS = 3
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf")
FOLLOWED, AGAINST, STILL = "#2ca02c", "#d62728", "#7f7f7f"


@dataclass(frozen=True)
class Plot:
    name: str
    title: str
    caption: str
    figure: Figure


def _style() -> Any:
    return {
        "font.size": 8,
        "axes.titlesize": 9,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "svg.fonttype": "none",
        "figure.dpi": 100,
    }


def _grid(panels: int, title: str) -> tuple[Figure, list[Axes]]:
    from matplotlib.figure import Figure

    columns = min(MAX_COLUMNS, panels)
    rows = math.ceil(panels / columns)
    figure = Figure(
        figsize=(PANEL_WIDTH * columns, PANEL_HEIGHT * rows + 0.4), layout="constrained"
    )
    axes = figure.subplots(rows, columns, squeeze=False).ravel().tolist()
    for extra in axes[panels:]:
        extra.set_visible(False)
    figure.suptitle(title, fontsize=10)
    return figure, axes[:panels]


def _colours(result: RunResult) -> dict[str, str]:
    return {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(result.retriever_names())}


def _scale(metric: Measure) -> float:
    return metric.SCALE


def _label(metric: Measure) -> str:
    scale = _scale(metric)
    return f"Δ{metric}" + (f" (×{scale:g})" if scale != 1 else "")


def _band(ax: Axes, cell: Cell, result: RunResult) -> None:
    """The verdict's thresholds: the equivalence band (for a sensitive family, its lower edge
    is the drop that holds), or the follow margin."""
    s = result.request
    scale = _scale(cell.metric)
    ax.axhline(0, color="black", linewidth=0.6)
    if cell.expectation is ExpectationKind.DIRECTIONAL:
        ax.axhline(s.follow_margin * scale, color="grey", linestyle="--", linewidth=0.8)
    else:
        ax.axhspan(-s.margin * scale, s.margin * scale, color="grey", alpha=0.15, linewidth=0)


def delta_distributions(result: RunResult) -> Plot | None:
    deciding = result.verdicts()
    families = [f for f in result.families() if any(k[1] is f for k in deciding)]
    if not families:
        return None
    import numpy as np
    from matplotlib import rc_context

    colours = _colours(result)
    names = result.retriever_names()
    with rc_context(_style()):
        figure, axes = _grid(len(families), "Per-query change of the deciding measure")
        for ax, family in zip(axes, families, strict=True):
            metric: Measure | None = None
            for position, name in enumerate(names):
                cell = deciding.get((name, family))
                if cell is None:
                    continue
                metric, scale = cell.metric, _scale(cell.metric)
                if position == 0:
                    _band(ax, cell, result)
                values = np.array([v.delta for v in cell.per_query if fmt.finite(v.delta)])
                rng = np.random.default_rng(
                    derive_seed(result.request.seed, "plot", family.value, name)
                )
                jitter = rng.uniform(-0.18, 0.18, values.size)
                ax.scatter(
                    position + jitter,
                    values * scale,
                    s=9,
                    alpha=0.55,
                    color=colours[name],
                    linewidths=0,
                )
                if fmt.finite(cell.delta) and fmt.finite(cell.ci_low) and fmt.finite(cell.ci_high):
                    ax.errorbar(
                        position + 0.32,
                        cell.delta * scale,
                        yerr=[
                            [(cell.delta - cell.ci_low) * scale],
                            [(cell.ci_high - cell.delta) * scale],
                        ],
                        fmt="D",
                        markersize=4,
                        color="black",
                        capsize=3,
                        linewidth=1,
                    )
            ax.set_xticks(range(len(names)), names)
            ax.set_xlim(-0.6, len(names) - 0.35)
            ax.set_title(f"{family} ({family.expectation_kind})")
            ax.set_ylabel(_label(metric) if metric is not None else "Δ")
    return Plot(
        "deltas",
        "Per-query deltas",
        "Each dot is one query's change, averaged over its variants of the family; the diamond "
        "is the mean with its 95% bootstrap CI. Grey band: the equivalence margin (shown inside "
        "it, an invariant or reliance family holds and a sensitive one breaks; a sensitive "
        "family holds below it); dashed line: the smallest p-MRR that counts as following.",
        figure,
    )


def dose_response(result: RunResult) -> Plot | None:
    series = [d for d in result.dose_response if len(d.points) > 1]
    families = list(dict.fromkeys(d.family for d in series))
    if not families:
        return None
    from matplotlib import rc_context

    colours = _colours(result)
    deciding = result.verdicts()
    with rc_context(_style()):
        figure, axes = _grid(len(families), "Dose-response: change over perturbation strength")
        for ax, family in zip(axes, families, strict=True):
            drawn = [d for d in series if d.family is family]
            cell = next((deciding[k] for k in deciding if k[1] is family), None)
            if cell is not None:
                _band(ax, cell, result)
            for offset, d in enumerate(drawn):
                scale = _scale(d.metric)
                nudge = (offset - (len(drawn) - 1) / 2) * 0.006
                xs = [p.strength + nudge for p in d.points]
                ys = [p.delta * scale for p in d.points]
                low = [max(0.0, (p.delta - p.ci_low) * scale) for p in d.points]
                high = [max(0.0, (p.ci_high - p.delta) * scale) for p in d.points]
                ax.errorbar(
                    xs,
                    ys,
                    yerr=[low, high],
                    marker="o",
                    markersize=3.5,
                    capsize=2.5,
                    linewidth=1,
                    color=colours.get(d.retriever, "black"),
                    label=d.retriever,
                )
                if d.breaks_at is not None:
                    point = next(p for p in d.points if p.strength == d.breaks_at)
                    ax.plot(
                        [d.breaks_at + nudge],
                        [point.delta * scale],
                        marker="x",
                        markersize=8,
                        color="black",
                    )
            ax.set_title(str(family))
            ax.set_xlabel("strength")
            ax.set_ylabel(_label(drawn[0].metric))
            ax.legend(frameon=False, fontsize=7)
    return Plot(
        "dose",
        "Dose-response",
        "The deciding measure's mean change at each strength level, with 95% CIs; × marks the "
        "first strength whose drop is significant after correction.",
        figure,
    )


def rank_move_scatter(result: RunResult) -> Plot | None:
    directional = [
        f for f in result.families() if f.expectation_kind is ExpectationKind.DIRECTIONAL
    ]
    panels = [
        (family, name, rank_moves(result, family, name))
        for family in directional
        for name in result.retriever_names()
    ]
    panels = [p for p in panels if p[2]]
    if not panels:
        return None
    from matplotlib import rc_context
    from matplotlib.collections import PathCollection
    from matplotlib.ticker import FormatStrFormatter, LogLocator, NullFormatter

    with rc_context(_style()):
        figure, axes = _grid(len(panels), "Where the documents an edit should push down went")
        for ax, (family, name, moves) in zip(axes, panels, strict=True):
            top = max(max(m.before, m.after) for m in moves)
            groups = (
                ("went down (followed)", FOLLOWED, [m for m in moves if m.after > m.before]),
                ("went up (against)", AGAINST, [m for m in moves if m.after < m.before]),
                ("stayed", STILL, [m for m in moves if m.after == m.before]),
            )
            ax.plot([1, top], [1, top], color="black", linewidth=0.6)
            for label, colour, group in groups:
                counts = Counter((m.before, m.after) for m in group)
                ax.scatter(
                    [b for b, _ in counts],
                    [a for _, a in counts],
                    s=[6 + 10 * math.sqrt(n - 1) for n in counts.values()],
                    alpha=0.6,
                    color=colour,
                    linewidths=0,
                    label=f"{label}: {len(group)}",
                )
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xlim(0.8, top * 1.25)
            ax.set_ylim(0.8, top * 1.25)
            subs = (1.0, 2.0, 5.0) if top < 100 else (1.0,)
            for axis in (ax.xaxis, ax.yaxis):  # whole ranks, and no minor labels to crowd them
                axis.set_major_locator(LogLocator(base=10, subs=subs))
                axis.set_major_formatter(FormatStrFormatter("%d"))
                axis.set_minor_formatter(NullFormatter())
            ax.set_xlabel("rank before")
            ax.set_ylabel("rank after")
            ax.set_title(f"{family} · {name}")
            legend = ax.legend(frameon=True, framealpha=0.85, fontsize=6.5, loc="upper left")
            for handle in legend.legend_handles:
                if isinstance(handle, PathCollection):
                    handle.set_sizes([12])
    return Plot(
        "rank-moves",
        "Rank moves of the expected-down documents",
        "Each dot is one document that the edit should push down, at its rank before (x) and "
        "after (y) the edit (log scales; larger dots stand for several). Above the diagonal it "
        "went down the ranking, as the instruction asks; below it, it went up.",
        figure,
    )


def plots(result: RunResult) -> list[Plot]:
    drawn = (delta_distributions(result), dose_response(result), rank_move_scatter(result))
    return [p for p in drawn if p is not None]


_SVG_PROLOGUE = re.compile(r"^.*?(?=<svg)", re.DOTALL)
_SVG_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.DOTALL)


def svg(plot: Plot) -> str:
    """The figure as an inline ``<svg>`` element (no XML prologue, no date, stable ids)."""
    from matplotlib import rc_context

    buffer = io.StringIO()
    with rc_context({**_style(), "svg.hashsalt": f"instructprobe-{plot.name}"}):
        plot.figure.savefig(buffer, format="svg", metadata={"Date": None})
    text = _SVG_PROLOGUE.sub("", buffer.getvalue(), count=1)
    return _SVG_METADATA.sub("", text, count=1)


def png(plot: Plot, dpi: int = 110) -> bytes:
    buffer = io.BytesIO()
    plot.figure.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return buffer.getvalue()


def names(plots_: Sequence[Plot]) -> list[str]:
    return [p.name for p in plots_]
