"""``probe cache info|clear``: the embedding cache's size and contents, or remove it."""

from __future__ import annotations

import argparse

from instructprobe.app.commands import Commands


def add(commands: Commands) -> None:
    cache = commands.add_parser(
        "cache",
        help="show the cache's size and contents (embeddings and plans), or clear it",
        description=(
            "Embeddings (and reranker scores) are cached on disk, keyed by model, role, prompt, "
            "maximum length and text, so a corpus is encoded once per model across runs. Plans "
            "(a run's generated perturbations) are kept beside them, keyed by suite, queries, "
            "families, seed, meaning filter and the perturbation code. The cache lives in "
            "$INSTRUCTPROBE_CACHE_DIR, else $XDG_CACHE_HOME/instructprobe, else "
            "~/.cache/instructprobe."
        ),
    )
    cache.add_argument("action", choices=("info", "clear"), help="info: size and entries; clear")
    cache.add_argument("--cache-dir", metavar="DIR", help="the cache folder (default: see above)")
    cache.set_defaults(handler=handle)


def _size(count: int) -> str:
    value = float(count)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def handle(args: argparse.Namespace) -> int:
    from pathlib import Path

    from instructprobe.core.errors import CacheError
    from instructprobe.probes.plancache import PlanCache
    from instructprobe.retrievers.cache import EmbeddingCache, default_cache_dir

    directory = Path(args.cache_dir).expanduser() if args.cache_dir else default_cache_dir()
    if directory.exists() and not directory.is_dir():
        raise CacheError(f"cache folder {directory} is not a folder")
    cache, plans = EmbeddingCache(directory), PlanCache(directory)
    if args.action == "clear":
        freed = cache.clear() + plans.clear()
        print(f"cleared the embedding cache and plans in {directory} ({_size(freed)} freed)")
        return 0
    info = cache.info()
    stored = plans.files()
    print(f"embedding cache: {directory}")
    print(f"size on disk: {_size(info.size_bytes)} · {info.entries} entries")
    planned = sum(p.stat().st_size for p in stored)
    print(f"plans: {len(stored)} stored · {_size(planned)}")
    if info.namespaces:
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        from instructprobe.core.untrusted import printable

        table = Table()
        for column in ("retriever", "model", "role", "prompt", "max length", "entries", "size"):
            table.add_column(column, overflow="fold")
        for usage in info.namespaces:
            d = usage.description
            model = str(d.get("model", ""))
            cells = (
                str(d.get("label", "")),
                model[:19] + "…" if model.startswith("sha256:") else model,
                str(d.get("role", "")),
                repr(d.get("prompt", ""))[:60],
                str(d.get("max_length") or "model's"),
                str(usage.entries),
                _size(usage.bytes),
            )
            table.add_row(*(Text(printable(c)) for c in cells))  # the cache is untrusted
        Console().print(table)
    return 0
