"""One entry point for every report format: ``term`` (plain text of the terminal report),
``md``, ``html`` and ``json`` (the results file, checked against the schema's version)."""

from __future__ import annotations

import json

from instructprobe.core.errors import ProbeError
from instructprobe.core.untrusted import json_printable, printable_copy
from instructprobe.probes.results import RunResult

FORMATS = ("term", "md", "html", "json")
SUFFIXES = {
    ".txt": "term",
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
    ".json": "json",
}


def report(
    result: RunResult,
    form: str,
    examples: int | None = None,
    width: int = 80,
    images: bool = True,
) -> str:
    """The report of ``result`` in format ``form``, as text (the terminal format uncoloured);
    ``images=False`` leaves the plots out of the Markdown and HTML reports."""
    if form == "json":
        text = json.dumps(result.to_dict(), indent=1, ensure_ascii=False, allow_nan=False)
        return json_printable(text) + "\n"
    result = printable_copy(result)  # the plots' labels too
    if form == "term":
        from instructprobe.reports.terminal import EXAMPLES_PER_CELL, render_text

        return render_text(result, width, EXAMPLES_PER_CELL if examples is None else examples)
    if form in ("md", "html"):
        from instructprobe.reports import document
        from instructprobe.reports.plots import plots

        blocks = document.build(
            result,
            plots(result) if images else [],
            document.EXAMPLES_PER_CELL if examples is None else examples,
        )
        if form == "md":
            from instructprobe.reports.markdown import render

            return render(blocks)
        from instructprobe.reports.html import render as render_html

        return render_html(blocks)
    raise ProbeError(f"unknown report format {form!r} (choose from {', '.join(FORMATS)})")
