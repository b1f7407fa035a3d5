"""A suite: documents, queries with instructions, and their relevance judgments."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType


def _frozen(mapping: Mapping[str, int]) -> Mapping[str, int]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class Document:
    id: str
    text: str
    title: str = ""
    topic: str = ""


@dataclass(frozen=True)
class InstructionChange:
    """Another instruction for the same query, judged by its own qrels (FollowIR's 'changed')."""

    instruction: str
    qrels: Mapping[str, int]

    def __post_init__(self) -> None:
        object.__setattr__(self, "qrels", _frozen(self.qrels))


@dataclass(frozen=True)
class Query:
    id: str
    text: str
    instruction: str
    qrels: Mapping[str, int]
    topic: str = ""
    changed: InstructionChange | None = None
    negated: InstructionChange | None = None
    paraphrases: tuple[str, ...] = ()
    """Curated rewrites of ``instruction`` that keep its meaning (an invariant probe)."""
    candidates: tuple[str, ...] | None = None
    """Reranking mode: only these documents are ranked for this query (FollowIR's pools)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "qrels", _frozen(self.qrels))

    @property
    def relevant(self) -> tuple[str, ...]:
        return tuple(doc for doc, grade in self.qrels.items() if grade > 0)

    def changes(self) -> dict[str, InstructionChange]:
        """The curated changes by form name (``changed``, ``negated``)."""
        forms = {"changed": self.changed, "negated": self.negated}
        return {form: change for form, change in forms.items() if change is not None}


@dataclass(frozen=True)
class Suite:
    name: str
    documents: tuple[Document, ...]
    queries: tuple[Query, ...]
    description: str = ""
    source: str = ""
    sha256: str = field(default="", compare=False)

    def document(self, doc_id: str) -> Document:
        return self._by_id[doc_id]

    @property
    def _by_id(self) -> Mapping[str, Document]:
        cached: Mapping[str, Document] | None = self.__dict__.get("_documents_by_id")
        if cached is None:
            cached = {d.id: d for d in self.documents}
            object.__setattr__(self, "_documents_by_id", cached)
        return cached

    def limited(self, limit: int | None) -> Suite:
        """The first ``limit`` queries (all documents kept, so rankings stay comparable)."""
        if limit is None or limit >= len(self.queries):
            return self
        return Suite(
            self.name,
            self.documents,
            self.queries[:limit],
            self.description,
            self.source,
            self.sha256,
        )

    def sampled(self, size: int | None, seed: int) -> Suite:
        """``size`` queries drawn with ``seed``, in the suite's order. Where every query has a
        topic, each topic gets its share of the sample (largest remainders; ties to the topic
        seen first), so a small sample still covers the suite's topics."""
        if size is None or size >= len(self.queries):
            return self
        strata: dict[str, list[int]] = {}
        for position, query in enumerate(self.queries):
            strata.setdefault(query.topic if self._all_topics() else "", []).append(position)
        draw = random.Random(f"instructprobe-sample:{seed}")
        chosen = sorted(
            position
            for members, share in zip(strata.values(), _shares(strata, size), strict=True)
            for position in draw.sample(members, share)
        )
        return replace(self, queries=tuple(self.queries[p] for p in chosen))

    def _all_topics(self) -> bool:
        return all(query.topic for query in self.queries)

    def instructed(self, instruction: str | None) -> Suite:
        """Every query without an instruction given ``instruction`` (a task-wide one)."""
        if instruction is None:
            return self
        queries = tuple(
            q if q.instruction.strip() else replace(q, instruction=instruction)
            for q in self.queries
        )
        return replace(self, queries=queries)


def _shares(strata: Mapping[str, list[int]], size: int) -> list[int]:
    """``size`` split over the strata in proportion to their sizes (Hamilton's method)."""
    total = sum(len(members) for members in strata.values())
    exact = [size * len(members) / total for members in strata.values()]
    shares = [int(value) for value in exact]
    by_remainder = sorted(range(len(exact)), key=lambda i: (shares[i] - exact[i], i))
    for i in by_remainder[: size - sum(shares)]:
        shares[i] += 1
    return shares


def sha256_of(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
