from rich.console import Console

from reports.terminal import print_report


def render(result, **console_options):
    console = Console(record=True, width=80, **console_options)
    print_report(result, console)
    return console.export_text()


def test_report_shows_verdicts_numbers_and_rules(starter_result):
    text = render(starter_result)
    assert "Verdicts" in text and "Measurements" in text and "Rules" in text
    for family in ("paraphrase", "negation", "reorder", "strip"):
        assert family in text
    assert "bm25" in text and "minilm" in text
    assert any(v in text for v in ("HOLDS", "BREAKS", "INCONCLUSIVE"))
    assert "p-MRR" in text


def test_report_fits_80_columns(starter_result):
    lines = render(starter_result).splitlines()
    assert max(len(line.rstrip()) for line in lines) <= 80
    assert not any("…" in line for line in lines), "no column is cut"


def test_no_colour_codes_without_a_terminal(starter_result):
    console = Console(record=True, width=80, force_terminal=False, no_color=True)
    print_report(starter_result, console)
    assert "\x1b[" not in console.export_text(styles=False)
