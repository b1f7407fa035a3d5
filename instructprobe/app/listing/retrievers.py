"""`probe list retrievers`."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table


def availability(preset_name: str) -> str:
    """Where the preset's weights are on this machine: built in, bundled (a pip package ships
    them), hub cache (both work offline), or download (not here)."""
    from instructprobe.retrievers.presets import PRESETS

    preset = PRESETS[preset_name]
    if preset.model_id is None:
        return "built in"
    if preset.bundled is not None and preset.bundled() is not None:
        return "bundled"
    from huggingface_hub import try_to_load_from_cache

    cached = try_to_load_from_cache(preset.model_id, "config.json")
    return "hub cache" if isinstance(cached, str) else "download"


def show() -> None:
    from rich.text import Text

    from instructprobe.retrievers.presets import PRESETS

    table = Table(
        expand=True,
        title="Retriever presets (or PRESET=DIR, a model directory, a hub id, module:factory)",
        caption=(
            "[…] INSTRUCTOR's own instruction, left out of its pooling; rerankers (monot5, "
            "yes-no, cross-encoder) rescore BM25's top 100"
        ),
    )
    table.add_column("name", overflow="fold", ratio=2)
    table.add_column("hub id", overflow="fold", ratio=2)
    table.add_column("size", no_wrap=True)
    table.add_column("here", no_wrap=True)
    table.add_column("model input: query, document", overflow="fold", ratio=4)
    for p in PRESETS.values():
        inputs = p.query_format()
        if (document := p.document_format()) != "–":
            inputs += f"\n{document}"
        cells = (p.name, p.model_id or "–", p.size, availability(p.name), inputs)
        table.add_row(*(Text(cell) for cell in cells))  # Text: the formats hold [brackets]
    console = Console()
    console.print(table)
    show_installed(console)


def installed() -> list[tuple[str, str, str]]:
    """(name, module:factory, distribution) of each retriever an installed package registers
    under the ``instructprobe.retrievers`` entry-point group, by name."""
    from importlib.metadata import entry_points

    from instructprobe.retrievers.registry import ENTRY_POINT_GROUP

    found: dict[str, tuple[str, str, str]] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        found.setdefault(ep.name, (ep.name, ep.value, ep.dist.name if ep.dist else "?"))
    return sorted(found.values())


def show_installed(console: Console) -> None:
    from rich.text import Text

    from instructprobe.core.untrusted import printable
    from instructprobe.retrievers.registry import ENTRY_POINT_GROUP

    found = installed()
    if not found:
        console.print(Text(f"No installed retrievers (entry-point group {ENTRY_POINT_GROUP})."))
        return
    table = Table(
        expand=True, title=f"Installed retrievers (entry-point group {ENTRY_POINT_GROUP})"
    )
    table.add_column("name", overflow="fold")
    table.add_column("factory", overflow="fold")
    table.add_column("package", overflow="fold")
    for row in found:  # package metadata is outside text
        table.add_row(*(Text(printable(cell)) for cell in row))
    console.print(table)
