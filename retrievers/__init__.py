"""Retrievers: one protocol, many back-ends, each knowing how it joins query and instruction."""

from retrievers.base import Ranking, Retriever, SearchIndex, Template, rank_pool, top_k
from retrievers.dense import EncoderSettings
from retrievers.errors import RetrieverError
from retrievers.presets import PRESETS, Preset
from retrievers.registry import resolve

__all__ = [
    "PRESETS",
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
