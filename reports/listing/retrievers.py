"""`probe list retrievers`."""

from __future__ import annotations

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


def show() -> None:
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
