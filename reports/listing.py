"""`probe list …`: what can be named on the command line, one line each."""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Console
from rich.table import Table


def _availability(preset_name: str) -> str:
    from retrievers.presets import PRESETS

    preset = PRESETS[preset_name]
    if preset.model_id is None:
        return "built in"
    if preset.bundled is not None and preset.bundled() is not None:
        return "offline (bundled package)"
    from huggingface_hub import try_to_load_from_cache

    cached = try_to_load_from_cache(preset.model_id, "config.json")
    return "offline (hub cache)" if isinstance(cached, str) else "needs download"


def list_retrievers() -> None:
    from retrievers.presets import PRESETS

    table = Table(title="Retriever presets (or pass a model directory, a hub id, module:factory)")
    for column in ("name", "hub id", "template", "size", "here", "what"):
        table.add_column(column)
    for p in PRESETS.values():
        table.add_row(
            p.name,
            p.model_id or "–",
            p.template.instruction_first,
            p.size,
            _availability(p.name),
            p.summary,
        )
    Console().print(table)


def list_perturbations() -> None:
    from perturb.registry import get_operator, operator_names

    table = Table(title="Perturbation operators")
    for column in ("operator", "family", "expects", "what it does"):
        table.add_column(column)
    for name in operator_names():
        op = get_operator(name)
        table.add_row(name, op.family.value, op.family.expectation_kind.value, op.summary)
    Console().print(table)


def list_suites() -> None:
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


LISTINGS: dict[str, Callable[[], None]] = {
    "retrievers": list_retrievers,
    "perturbations": list_perturbations,
    "suites": list_suites,
}
