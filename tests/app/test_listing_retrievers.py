"""`probe list retrievers`: the presets, and the retrievers installed packages register."""

from __future__ import annotations

from instructprobe.app.cli import main


def test_installed_entry_point_retrievers_are_listed(tmp_path, monkeypatch, capsys):
    dist = tmp_path / "my_retrievers-2.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: my-retrievers\nVersion: 2.0\n")
    (dist / "entry_points.txt").write_text(
        "[instructprobe.retrievers]\nmy-overlap = my_retrievers.overlap:make\n"
    )
    monkeypatch.setenv("COLUMNS", "160")
    assert main(["list", "retrievers"]) == 0
    assert "No installed retrievers" in capsys.readouterr().out
    monkeypatch.syspath_prepend(str(tmp_path))
    assert main(["list", "retrievers"]) == 0
    shown = capsys.readouterr().out
    assert "bm25" in shown and "Installed retrievers" in shown
    row = next(line for line in shown.splitlines() if "my-overlap" in line)
    assert "my_retrievers.overlap:make" in row and "my-retrievers" in row
