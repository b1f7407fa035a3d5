"""`probe list suites`."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table


def show() -> None:
    from probes.suites import BUILTIN_SUITES, load_suite

    table = Table(title="Suites (or pass a JSONL suite file: docs/suite-format.md)")
    for column in ("name", "queries", "documents", "here", "description"):
        table.add_column(column)
    for name in BUILTIN_SUITES:
        suite = load_suite(name)
        table.add_row(
            name, str(len(suite.queries)), str(len(suite.documents)), "built in", suite.description
        )
    Console().print(table)
