"""The terminal report of ``probe search``: each minimal edit, and what it did."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.text import Text

from instructprobe.core.untrusted import printable_copy
from instructprobe.perturb import Order
from instructprobe.probes.search import Finding


def finding_text(f: Finding) -> Text:
    text = Text.assemble((f"{f.query_id}", "bold"), f" · {' + '.join(f.operators)}\n")
    text.append("  before: ", style="dim")
    text.append(f.instruction_before + "\n")
    text.append("  after:  ", style="dim")
    text.append(f.instruction_after + "\n")
    if f.request_after.order is not f.order_before:  # the edit moved the query, say where to
        side = "before" if f.request_after.order is Order.QUERY_FIRST else "after"
        text.append(f"  (query placed {side} the instruction)\n", style="dim")
    text.append(
        f"  relevant {f.document}: rank {f.rank_before} → {f.rank_after}; "
        f"top result {f.top_before} → {f.top_after} (found after {f.examples} edits)\n"
    )
    return text


def print_findings(
    findings: Sequence[tuple[str, Finding | None]], retriever: str, console: Console | None = None
) -> None:
    out = console or Console()
    findings, retriever = printable_copy((tuple(findings), retriever))
    broken = [f for _, f in findings if f is not None]
    out.print(
        Text.assemble(
            ("instructprobe search", "bold"),
            f" · {retriever} · {len(broken)} of {len(findings)} queries broken by a "
            "meaning-preserving edit",
        )
    )
    for f in broken:
        out.print(finding_text(f))
