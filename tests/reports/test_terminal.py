import math
import re

from rich.console import Console

from instructprobe.probes.results import Verdict
from instructprobe.reports import format as fmt
from instructprobe.reports.terminal import print_report, render_text


def render(result, **console_options):
    console = Console(record=True, width=80, **console_options)
    print_report(result, console)
    return console.export_text()


def test_report_shows_verdicts_numbers_and_rules(small_result):
    text = render(small_result)
    assert "Verdicts" in text and "Measurements" in text and "Rules" in text
    for family in ("paraphrase", "curated", "reorder", "strip", "keywords"):
        assert family in text
    assert "sensitive" in text and "holds, |Δ| < 0.05" in text
    assert "bm25" in text and "minilm" in text
    assert any(v in text for v in ("HOLDS", "BREAKS", "INCONCLUSIVE"))
    assert "p-MRR" in text


def test_each_verdict_is_shown_with_its_delta_ci_and_adjusted_p(small_result):
    text = render_text(small_result)
    for cell in small_result.verdicts().values():
        assert cell.verdict.value.upper() in text
        assert fmt.ci(cell) in text
        assert fmt.decided(cell, short=True) in text, "the claim that decided, and its p"


def test_significance_markers_follow_the_adjusted_p(small_result):
    text = render_text(small_result)
    for cell in small_result.cells:
        if not fmt.shown(cell.metric) or not math.isfinite(cell.p_adjusted):
            continue
        row = next(
            line
            for line in text.splitlines()
            if line.strip().startswith(str(cell.metric)) and fmt.ci(cell) in line
        )
        assert row.count("*") == len(fmt.stars(cell.p_adjusted))


def test_report_fits_80_columns(small_result):
    lines = render(small_result).splitlines()
    assert max(len(line.rstrip()) for line in lines) <= 80
    assert not any("…" in line for line in lines), "no column is cut"


def four_retrievers(result):
    """The run as if it had probed four retrievers: each twice, the copies renamed."""
    import dataclasses

    copies = tuple(dataclasses.replace(c, retriever=f"{c.retriever}-ft") for c in result.cells)
    named = tuple({**r, "name": f"{r['name']}-ft"} for r in result.retrievers)
    return dataclasses.replace(
        result, cells=result.cells + copies, retrievers=result.retrievers + named
    )


def test_four_retrievers_at_80_columns_keep_every_ci_whole(small_result):
    four = four_retrievers(small_result)
    text = render_text(four, 80)
    lines = text.splitlines()
    assert max(len(line.rstrip()) for line in lines) <= 80
    assert not any("…" in line for line in lines)
    for cell in four.verdicts().values():
        assert fmt.ci(cell) in text and fmt.decided(cell, short=True) in text
    assert "Verdicts (continued)" in text
    assert "Verdicts (continued)" not in render_text(four, 160)


def test_no_colour_codes_without_a_terminal(small_result):
    console = Console(record=True, width=80, force_terminal=False, no_color=True)
    print_report(small_result, console)
    assert "\x1b[" not in console.export_text(styles=False)


def test_no_colour_with_no_color_even_on_a_terminal(small_result, monkeypatch):
    import io

    monkeypatch.setenv("NO_COLOR", "1")
    out = io.StringIO()
    print_report(small_result, Console(file=out, force_terminal=True, width=80))
    colours = re.findall(r"\x1b\[[0-9;]*(?:3[0-9]|9[0-7])[;m]", out.getvalue())
    assert not colours
    monkeypatch.delenv("NO_COLOR")
    out = io.StringIO()
    print_report(small_result, Console(file=out, force_terminal=True, width=80))
    assert re.findall(r"\x1b\[[0-9;]*m", out.getvalue()), "a terminal without NO_COLOR has colour"


def test_where_it_breaks_lists_every_significant_stratum(small_result):
    text = render_text(small_result)
    significant = [s for s in small_result.strata if s.significant]
    assert significant, "the starter run has strata that break (curated on both models)"
    for s in significant:
        label = re.escape(f"{s.dimension}={s.level}")
        delta = re.escape(fmt.number(s.delta, s.metric, True))
        assert re.search(rf"{label}\s+{delta}", text)


def test_worst_examples_show_the_edit_and_where_the_document_went(small_result):
    text = render_text(small_result)
    section = text[text.index("Worst examples") :]
    from instructprobe.perturb import Family

    curated = [c for c in small_result.verdicts().values() if c.family is Family.CURATED]
    assert curated and all(c.verdict is Verdict.BREAKS for c in curated)
    assert "before:" in section and "after:" in section
    assert "{+" in section, "the added words are marked in plain text"
    moved = re.findall(r"\((should drop)\): rank (\d+) → (\d+)", section)
    assert moved, "a curated example names the document that should drop and its ranks"
    assert any(int(after) < int(before) for _, before, after in moved)


def test_the_example_count_is_a_setting(small_result):
    assert "Worst examples" not in render_text(small_result, examples=0)
    two = render_text(small_result, examples=2)
    one = render_text(small_result, examples=1)
    assert two.count("after:") > one.count("after:")


def test_a_family_the_suite_gave_no_variants_is_named_with_its_opt_in_operators(small_result):
    # the committed starter run asks for every family; the starter has no rewrites of its own
    import dataclasses

    from instructprobe.perturb import Family

    text = " ".join(render_text(small_result, width=200).split())
    assert "No variants • curated-paraphrase: no variants" in text
    # where the default negation made nothing, the report names the opt-in ones
    cells = tuple(c for c in small_result.cells if c.family is not Family.NEGATION)
    without_negation = dataclasses.replace(small_result, cells=cells)
    text = " ".join(render_text(without_negation, width=200).split())
    assert "negation: no variants" in text
    assert "(opt-in, with --operator: predicate-negation or preference-flip)" in text


def test_a_sensitive_familys_dose_response_says_a_drop_is_the_expected_reading(small_result):
    from instructprobe.reports import markdown
    from instructprobe.reports.document import strata
    from instructprobe.reports.terminal import dose_lines

    lines = dose_lines(small_result)
    assert lines is not None
    by_family = {line.split(" / ")[0]: line for line in lines.plain.splitlines()[1:]}
    assert f"• keywords {fmt.SENSITIVE_NOTE}" in by_family
    assert "• paraphrase" in by_family
    assert f"| keywords {fmt.SENSITIVE_NOTE} |" in markdown.render(strata(small_result))
