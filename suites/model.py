"""A suite: documents, queries with instructions, and their relevance judgments."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from instructprobe.core.enums import ValueEnum


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
    moved: tuple[str, ...] | None = None
    """The documents the benchmark scores the change on (p-MRR), as it publishes them (FollowIR's
    ``qrel_diff``, which also lists grade-only changes); ``None``: those whose relevance flips."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "qrels", _frozen(self.qrels))

    def scored(self, original: Mapping[str, int]) -> tuple[str, ...]:
        """The documents p-MRR scores: the published list, else those whose relevance flips
        between ``original`` and this change's qrels."""
        if self.moved is not None:
            return self.moved
        docs = set(original) | set(self.qrels)
        return tuple(
            sorted(d for d in docs if (original.get(d, 0) > 0) != (self.qrels.get(d, 0) > 0))
        )


@dataclass(frozen=True)
class Query:
    """A query and its instruction. An empty ``text`` means the instruction is the whole
    question (NevIR: the model sees the question alone, as NevIR and MTEB give it)."""

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


class Protocol(ValueEnum):
    """The published benchmark a suite is, and so how it is scored as published."""

    FOLLOWIR = "followir"
    """Original and changed instructions over reranking pools: MAP@1000 / nDCG@5, p-MRR."""
    INSTRUCTIR = "instructir"
    """Instances of a query with user-aligned instructions: nDCG@10, Robustness@10."""
    NEVIR = "nevir"
    """Question pairs over passage pairs: paired accuracy."""


@dataclass(frozen=True)
class Benchmark:
    """What a published benchmark's suite was read from, so its own score can be labelled."""

    protocol: Protocol
    repository: str = ""
    """The hub data set (or the local folder) it was read from."""
    revision: str = ""
    """The data set's revision that was read ("" when it is not known: a local folder)."""
    departures: tuple[str, ...] = ()
    """Where this run departs from the published protocol, in words (``@full``: no pools)."""
    without_relevant: tuple[str, ...] = ()
    """Queries the benchmark's qrels judge but find no relevant document for (all grades 0, or
    relevant documents only outside the corpus). The probes leave them out, having nothing to
    find; the benchmark's evaluator (pytrec_eval in MTEB) ranks them and scores each 0, so the
    benchmark section counts them as 0. Queries the qrels do not name at all are left out by
    both, as MTEB leaves them out."""

    def part(self) -> Benchmark:
        """This benchmark for part of its queries (``--limit``, ``--sample``): the queries left
        out for want of a relevant document are not among the part, so they are not counted."""
        return replace(self, without_relevant=())


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
    benchmark: Benchmark | None = None
    """Set when the suite is a published benchmark read in its published layout."""
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

    def content_sha256(self) -> str:
        """sha256 over the queries and documents as they are in memory. ``sha256`` is the
        file's, and a suite changed in memory keeps it (``instructed``, ``dataclasses.replace``),
        so what was made from the content (a plan) is keyed on this instead."""
        cached: str | None = self.__dict__.get("_content_sha256")
        if cached is None:
            digest = hashlib.sha256()
            for query in self.queries:
                digest.update(f"{query!r}\0".encode())
            for document in self.documents:
                digest.update(f"{document.id}\0{document.title}\0{document.text}\0".encode())
            cached = digest.hexdigest()
            object.__setattr__(self, "_content_sha256", cached)
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
            self.benchmark.part() if self.benchmark else None,
            self.order,
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
        benchmark = self.benchmark.part() if self.benchmark else None
        return replace(self, queries=tuple(self.queries[p] for p in chosen), benchmark=benchmark)

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
