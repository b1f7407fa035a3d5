"""Progress bars on stderr: drawn where a terminal can erase them, absent elsewhere."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from instructprobe.app.console import RichProgress


@pytest.mark.parametrize(("term", "drawn"), [("xterm-256color", True), ("dumb", False)])
def test_a_finished_bar_leaves_no_blank_line(term, drawn):
    written = io.StringIO()
    console = Console(file=written, force_terminal=True, width=80, _environ={"TERM": term})
    with RichProgress(console).task("encoding corpus", 3) as advance:
        advance(3)
    text = written.getvalue()
    assert ("encoding corpus" in text) is drawn
    assert drawn or text == ""  # not even the newline rich ends a live display with
