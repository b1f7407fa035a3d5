import struct

import pytest

from instructprobe.perturb import Family
from instructprobe.reports.examples import rank_moves
from instructprobe.reports.plots import (
    delta_distributions,
    dose_response,
    plots,
    png,
    rank_move_scatter,
    svg,
)


def png_size(data):
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.fixture(scope="module")
def drawn(small_result):
    return {p.name: p for p in plots(small_result)}


def test_all_three_plots_are_drawn_and_render_to_png(drawn, tmp_path):
    assert set(drawn) == {"deltas", "dose", "rank-moves"}
    for name, plot in drawn.items():
        data = png(plot)
        width, height = png_size(data)
        assert width > 300 and height > 200
        (tmp_path / f"{name}.png").write_bytes(data)


def test_delta_panels_show_every_query_of_each_deciding_cell(small_result, drawn):
    figure = drawn["deltas"].figure
    axes = [ax for ax in figure.axes if ax.get_visible()]
    families = list(dict.fromkeys(c.family for c in small_result.cells))
    assert [ax.get_title().split(" (")[0] for ax in axes] == [f.value for f in families]
    deciding = small_result.verdicts()
    for ax, family in zip(axes, families, strict=True):
        points = [len(c.get_offsets()) for c in ax.collections if len(c.get_offsets()) > 1]
        expected = [len(deciding[name, family].per_query) for name in ("bm25", "minilm")]
        assert points == expected


def test_dose_response_has_one_line_per_retriever_and_family(small_result, drawn):
    figure = drawn["dose"].figure
    series = [d for d in small_result.dose_response if len(d.points) > 1]
    legends = [
        text.get_text()
        for ax in figure.axes
        if ax.get_visible() and ax.get_legend()
        for text in ax.get_legend().get_texts()
    ]
    assert sorted(legends) == sorted(d.retriever for d in series)


def test_rank_move_scatter_counts_every_expected_down_document(small_result, drawn):
    figure = drawn["rank-moves"].figure
    for ax in (a for a in figure.axes if a.get_visible()):
        family, name = ax.get_title().split(" · ")
        moves = rank_moves(small_result, Family(family), name)
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        counts = [int(label.rsplit(": ", 1)[1]) for label in labels]
        assert sum(counts) == len(moves)
        down = sum(1 for m in moves if m.after > m.before)
        assert labels[0] == f"went down (followed): {down}"


def test_svg_is_inline_and_fetches_nothing(drawn):
    for plot in drawn.values():
        text = svg(plot)
        assert text.startswith("<svg") and text.rstrip().endswith("</svg>")
        assert "<metadata" not in text and 'href="http' not in text


def test_plots_are_deterministic(small_result):
    first, second = delta_distributions(small_result), delta_distributions(small_result)
    assert svg(first) == svg(second)


def test_no_plot_without_data(bm25_only):
    import dataclasses

    empty = dataclasses.replace(bm25_only, dose_response=(), outcomes=())
    assert dose_response(empty) is None
    assert rank_move_scatter(empty) is None


def within(result, deepest):
    """The run as if every tracked document had stayed within the top ``deepest`` ranks."""
    import dataclasses

    def clipped(ranks):
        return {doc: (min(a, deepest), min(b, deepest)) for doc, (a, b) in ranks.items()}

    outcomes = tuple(dataclasses.replace(o, ranks=clipped(o.ranks)) for o in result.outcomes)
    return dataclasses.replace(result, outcomes=outcomes)


@pytest.mark.parametrize("deepest", [None, 6, 40])
def test_rank_move_axis_labels_do_not_overlap(small_result, deepest):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    result = small_result if deepest is None else within(small_result, deepest)
    figure = rank_move_scatter(result).figure
    renderer = FigureCanvasAgg(figure).get_renderer()
    figure.draw(renderer)
    for ax in (a for a in figure.axes if a.get_visible()):
        for axis, (low, high) in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
            shown = [
                tick.label1
                for tick in axis.get_major_ticks() + axis.get_minor_ticks()
                if tick.label1.get_visible()
                and tick.label1.get_text()
                and low <= tick.get_loc() <= high
            ]
            assert len(shown) >= 2, ax.get_title()
            boxes = [label.get_window_extent(renderer) for label in shown]
            texts = [label.get_text() for label in shown]
            for i, first in enumerate(boxes):
                assert not any(first.overlaps(other) for other in boxes[i + 1 :]), texts
