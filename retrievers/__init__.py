"""Retrievers: one protocol, many back-ends, each knowing how it joins query and instruction."""

from instructprobe.core.errors import RetrieverError
from instructprobe.retrievers.base import (
    Ranking,
    Retriever,
    SearchIndex,
    Template,
    rank_pool,
    top_k,
)
from instructprobe.retrievers.dense import EncoderSettings
from instructprobe.retrievers.presets import PRESETS, Preset
from instructprobe.retrievers.registry import resolve

__all__ = [
    "PRESETS",
    "CorpusIndex",
    "EncoderSettings",
    "Preset",
    "Ranking",
    "Retriever",
    "RetrieverError",
    "SearchIndex",
    "Template",
    "rank_pool",
    "resolve",
    "top_k",
]
