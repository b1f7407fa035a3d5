"""A suite: documents, queries with instructions, and their relevance judgments."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
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


INSTRUCTION_FIRST = "instruction_first"
QUERY_FIRST = "query_first"


@dataclass(frozen=True)
class Suite:
    name: str
    documents: tuple[Document, ...]
    queries: tuple[Query, ...]
    description: str = ""
    source: str = ""
    sha256: str = field(default="", compare=False)
    order: str = INSTRUCTION_FIRST
    """Where the published evaluation of this benchmark puts the instruction: before the query
    (InstructIR's data, ``instruction [SEP] query``) or after it (MTEB and FollowIR,
    ``q + " " + i``). A run asks its original requests in this order unless told otherwise
    (``--order``); the reorder family asks the other."""

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
            self.order,
        )


def sha256_of(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
