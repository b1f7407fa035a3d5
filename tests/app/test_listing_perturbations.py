from instructprobe.app.listing import perturbations
from instructprobe.perturb import operator_names


def test_every_operator_on_one_line_within_80_columns(monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "80")
    perturbations.show()
    lines = capsys.readouterr().out.splitlines()
    assert max(len(line) for line in lines) <= 80
    for name in operator_names():
        (line,) = [line for line in lines if line.startswith(f"│ {name} ")]
        assert "…" not in line, line
    for family in ("paraphrase", "negation", "reorder", "strip", "keywords", "control"):
        assert any(f"│ {family} " in line for line in lines)
    heading = next(i for i, line in enumerate(lines) if "│ keywords " in line)
    assert "expectation: sensitive" in lines[heading]
    assert "│ keywords-only " in lines[heading + 1]
