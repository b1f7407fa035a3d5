from instructprobe.app.listing import perturbations
from instructprobe.perturb import operator_names


def test_every_operator_on_one_line_within_80_columns(monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "80")
    perturbations.show()
    lines = capsys.readouterr().out.splitlines()
    assert max(len(line) for line in lines) <= 80
    for name in operator_names():
        # a family may share its operator's name (curated): its heading states the expectation
        rows = [line for line in lines if line.startswith(f"│ {name} ")]
        (line,) = [line for line in rows if "expectation:" not in line]
        assert "…" not in line, line
    families = ("paraphrase", "negation", "reorder", "strip", "keywords", "control", "curated")
    for family in (*families, "curated-paraphrase"):
        assert any(f"│ {family} " in line for line in lines)
    heading = next(i for i, line in enumerate(lines) if "│ keywords " in line)
    assert "expectation: sensitive" in lines[heading]
    assert "│ keywords-only " in lines[heading + 1]
