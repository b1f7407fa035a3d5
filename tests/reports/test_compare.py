from instructprobe.probes.compare import compare
from instructprobe.reports.compare import headline, render_markdown, render_text


def test_report_says_what_got_better_and_worse(bm25_only, minilm_only):
    comparison = compare(bm25_only, minilm_only)
    lines = headline(comparison)
    assert lines[0].startswith("Better: ") and "curated p-MRR" in lines[0]
    assert lines[1] == "Worse: nothing"
    text = render_text(comparison, "bm25.json", "minilm.json")
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "better" in text and "bm25 → minilm" in text
    assert "holm-adjusted" in text and "Correction." not in text


def test_markdown_names_families_and_measures_by_value(bm25_only, minilm_only):
    text = render_markdown(compare(bm25_only, minilm_only), "a.json", "b.json")
    assert "| curated | bm25 → minilm | p-MRR †" in text
    assert "Family." not in text and "Verdict." not in text and "Call." not in text
