"""`probe list perturbations`."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table


def show() -> None:
    from perturb.registry import get_operator, operator_names

    table = Table(title="Perturbation operators")
    for column in ("operator", "family", "expects", "what it does"):
        table.add_column(column)
    for name in operator_names():
        op = get_operator(name)
        table.add_row(name, op.family.value, op.family.expectation_kind.value, op.summary)
    Console().print(table)
