"""`probe list perturbations`: one line per operator, grouped by family and its expectation."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table


def show() -> None:
    from instructprobe.perturb.model import Family
    from instructprobe.perturb.registry import get_operator, operator_names

    operators = [get_operator(name) for name in operator_names()]
    table = Table(title="Perturbation operators", show_lines=False)
    width = max(len(op.name) for op in operators)
    table.add_column("operator", no_wrap=True, min_width=width)
    table.add_column("what it does", no_wrap=True, overflow="ellipsis")
    for family in Family:
        members = [op for op in operators if op.family is family]
        if not members:
            continue
        kind = family.expectation_kind.value
        table.add_row(f"[bold]{family.value}[/bold]", f"[bold]expectation: {kind}[/bold]")
        for op in members:
            table.add_row(op.name, op.summary)
        table.add_section()
    Console().print(table)
