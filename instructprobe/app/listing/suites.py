"""`probe list suites`: every known suite, where it comes from, and whether it is here."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table


def show() -> None:
    from instructprobe.suites import FORMATS, KNOWN
    from instructprobe.suites.registry import availability

    table = Table(
        title="Suites (or FORMAT:PATH, hf:OWNER/NAME, a suite file or a data set folder; "
        "NAME@full drops candidate pools)"
    )
    for column in ("name", "source", "here", "what"):
        table.add_column(column, overflow="fold")
    for known in KNOWN.values():
        source = known.hub_id or ("package" if known.builtin else "local files")
        here = availability(known)
        table.add_row(known.name, source, escape(here), escape(known.summary))
    for name, (_, summary) in FORMATS.items():
        table.add_row(f"{name}:PATH", "your files", "–", escape(summary))
    Console().print(table)
