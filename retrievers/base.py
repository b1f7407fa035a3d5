"""The retriever contract: index a corpus once, then rank many requests against it."""

from __future__ import annotations

import abc
import re
import string
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from instructprobe.core.errors import RetrieverError
from instructprobe.perturb.model import Order, Request

T = TypeVar("T")

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from instructprobe.core.progress import Progress


@dataclass(frozen=True)
class Template:
    """How a retriever joins query and instruction into one input text.

    ``instruction_first`` and ``query_first`` are format strings over ``{query}`` and
    ``{instruction}``; the reorder family switches between them. When the instruction is empty
    ``bare`` (a format string over ``{query}``) is used, so an instruction-free baseline is not
    padded with separators. When the query is empty, the instruction is the whole question (a
    NevIR pair's q1 or q2) and is rendered through ``bare`` as the query, as NevIR and MTEB
    give it. A model's own query prompt (E5's ``query: ``, BGE's search
    instruction, E5-mistral's ``Instruct: …\nQuery: …``) is part of all three patterns.
    """

    instruction_first: str = "{instruction} {query}"
    query_first: str = "{query} {instruction}"
    bare: str = "{query}"

    def render(self, request: Request) -> str:
        if not request.instruction.strip():
            return self.bare.format(query=request.query)
        if not request.query.strip():
            return self.bare.format(query=request.instruction)
        pattern = (
            self.instruction_first if request.order is Order.INSTRUCTION_FIRST else self.query_first
        )
        return pattern.format(query=request.query, instruction=request.instruction)

    def describe(self) -> str:
        """The instruction-first pattern, with newlines shown as ``\\n`` (for listings)."""
        return self.instruction_first.replace("\n", "\\n")

    @classmethod
    def from_pattern(cls, pattern: str) -> Template:
        """A template from one pattern over ``{query}`` and ``{instruction}`` (``--template``).

        The pattern is used for requests in its own order (whichever placeholder comes first);
        the other order swaps the two placeholders, so a prompt around them stays in place
        (``query: {instruction} {query}`` ↔ ``query: {query} {instruction}``). Without an
        instruction, ``{instruction}`` and the separator beside it are left out.
        """
        fields = [f for _, f, _, _ in string.Formatter().parse(pattern) if f is not None]
        if sorted(fields) != ["instruction", "query"]:
            raise ValueError(
                "a template needs {query} and {instruction} once each and no other {field}, "
                f"got {pattern!r}"
            )
        swapped = (
            pattern.replace("{query}", "\0")
            .replace("{instruction}", "{query}")
            .replace("\0", "{instruction}")
        )
        bare = re.sub(r"\{instruction\}[ \t]*|[ \t]*\{instruction\}", "", pattern, count=1)
        if pattern.index("{instruction}") < pattern.index("{query}"):
            return cls(pattern, swapped, bare)
        return cls(swapped, pattern, bare)

    def patterns(self) -> dict[str, str]:
        """The three patterns by name (a results file records them)."""
        return {
            "template": self.instruction_first,
            "template_query_first": self.query_first,
            "template_bare": self.bare,
        }


@dataclass(frozen=True)
class Ranking:
    """Documents in rank order (best first) with their scores; ties by document id, descending
    (trec_eval's order).

    The scores are kept as one array of doubles (the same values as floats): a run holds a
    chunk of thousands of rankings at depth 1,000, and a float object per score is memory
    Python's small-object allocator does not give back between chunks (docs/scale.md)."""

    doc_ids: tuple[str, ...]
    scores: Sequence[float]

    def __post_init__(self) -> None:
        if not isinstance(self.scores, array):
            object.__setattr__(self, "scores", array("d", self.scores))

    __hash__ = None  # type: ignore[assignment]  # its scores are an array

    def rank_of(self) -> dict[str, int]:
        """1-based rank of every retrieved document."""
        return {doc: i + 1 for i, doc in enumerate(self.doc_ids)}


class SearchIndex(abc.ABC):
    """A corpus prepared for one retriever; ``search`` ranks texts rendered by its template."""

    @abc.abstractmethod
    def search(
        self, texts: Sequence[str], depth: int, progress: Progress | None = None
    ) -> list[Ranking]:
        """The top ``depth`` documents for each text, in the order of ``texts``."""

    def rerank(
        self,
        texts: Sequence[str],
        candidates: Sequence[Sequence[str]],
        progress: Progress | None = None,
    ) -> list[Ranking]:
        """Rank only each text's candidate documents (reranking mode, as FollowIR's pools).

        Checks that there is one pool per text and that every candidate is in the corpus, then
        hands the pools to ``rerank_pools``.
        """
        if len(texts) != len(candidates):
            raise ValueError(f"{len(texts)} texts but {len(candidates)} candidate pools")
        for pool in candidates:
            unknown = next((doc for doc in pool if not self.contains(doc)), None)
            if unknown is not None:
                raise RetrieverError(f"candidate document {unknown!r} is not in the corpus")
        return self.rerank_pools(texts, candidates, progress)

    def rerank_pools(
        self,
        texts: Sequence[str],
        candidates: Sequence[Sequence[str]],
        progress: Progress | None = None,
    ) -> list[Ranking]:
        """``rerank`` after its checks. The default ranks the whole corpus and keeps the
        candidates (those it does not reach come last, in document-id order); back-ends that
        can score just the candidates override it."""
        full = self.search(texts, depth=self.size, progress=progress)
        return [_restrict(r, pool) for r, pool in zip(full, candidates, strict=True)]

    def contains(self, doc_id: str) -> bool:
        """Whether ``doc_id`` is in the corpus; an index that cannot tell says yes."""
        return True

    @property
    @abc.abstractmethod
    def size(self) -> int:
        """Number of documents in the index."""


class CorpusIndex(SearchIndex):
    """An index over documents held in one order: each document's row, and the order by id
    that ``top_k`` breaks ties with."""

    def __init__(self, doc_ids: Sequence[str]) -> None:
        import numpy as np

        self._doc_ids = tuple(doc_ids)
        self._sorted = np.argsort(np.array(self._doc_ids, dtype=object))
        self._position = {d: i for i, d in enumerate(self._doc_ids)}

    @property
    def size(self) -> int:
        return len(self._doc_ids)

    def contains(self, doc_id: str) -> bool:
        return doc_id in self._position

    def rows(self, pool: Sequence[str]) -> list[int]:
        """The rows of ``pool``'s documents (``rerank`` has checked that each one is here)."""
        return [self._position[d] for d in pool]


def _restrict(ranking: Ranking, pool: Sequence[str]) -> Ranking:
    wanted = set(pool)
    kept = [(d, s) for d, s in zip(ranking.doc_ids, ranking.scores, strict=True) if d in wanted]
    seen = {d for d, _ in kept}
    floor = min((s for _, s in kept), default=0.0)
    kept += [(d, floor) for d in sorted(wanted - seen)]
    return Ranking(tuple(d for d, _ in kept), tuple(s for _, s in kept))


class Retriever(abc.ABC):
    name: str
    template: Template
    kind: str = "custom"
    """The back-end family (``bm25``, ``sentence-transformers``, ``instructor`` …), for results."""
    source: str = ""
    """Where it came from, as resolved: ``preset:NAME``, ``path:DIR``, ``hub:ID``,
    ``factory:MODULE:NAME``, ``entry-point:NAME`` or ``object:CLASS``."""
    prompts_from: str = ""
    """Where the template and prompts came from: ``preset``, ``model`` (the prompts a
    sentence-transformers model was saved with), ``user`` (``--template``, ``--document-prompt``)
    or empty (the plain defaults)."""

    @abc.abstractmethod
    def index(
        self,
        doc_ids: Sequence[str],
        doc_texts: Sequence[str],
        progress: Progress | None = None,
    ) -> SearchIndex:
        """Prepare the corpus (encode it, build postings) once for any number of searches."""

    def describe(self) -> dict[str, str]:
        """Identity for results files: what model, from where, with which template."""
        described = {"name": self.name, "kind": self.kind, **self.template.patterns()}
        if self.source:
            described["source"] = self.source
        if self.prompts_from:
            described["prompts_from"] = self.prompts_from
        return described


def top_k(
    scores: npt.NDArray[np.floating],
    doc_ids: Sequence[str],
    sorted_ids: npt.NDArray[np.intp],
    depth: int,
) -> list[Ranking]:
    """Top ``depth`` of each row of ``scores`` (queries × documents) in trec_eval's order:
    score descending, ties by document id descending.

    ``sorted_ids`` is ``argsort`` of ``doc_ids``; columns are visited in reverse of that order,
    so a stable sort by descending score breaks ties by descending document id.
    """
    import numpy as np

    columns = sorted_ids[::-1]
    depth = min(depth, scores.shape[1])
    ordered = scores[:, columns]
    ids = np.asarray(doc_ids, dtype=object)[columns]
    rankings = []
    for row in ordered:
        if depth < row.shape[0]:
            keep = np.argpartition(-row, depth - 1)[:depth]
            keep = np.flatnonzero(row >= row[keep].min())
        else:
            keep = np.arange(row.shape[0])
        best = keep[np.argsort(-row[keep], kind="stable")][:depth]
        rankings.append(Ranking(tuple(ids[best].tolist()), tuple(row[best].tolist())))
    return rankings


DOC_CHUNK = 65536
"""Documents scored per block in ``stream_top_k``: memory is O(queries × chunk), not × corpus."""


def stream_top_k(
    queries: npt.NDArray[np.float32],
    docs: npt.NDArray[np.float32],
    doc_ids: Sequence[str],
    sorted_ids: npt.NDArray[np.intp],
    depth: int,
    doc_chunk: int = DOC_CHUNK,
) -> list[Ranking]:
    """``top_k`` of ``queries @ docs.T`` without holding the queries × corpus matrix.

    The corpus is scored in blocks of ``doc_chunk`` documents; each query keeps the documents
    that score at least its ``depth``-th best so far (all of them when tied), so the final
    order, ties included, is exactly what ``top_k`` gives on the full matrix.
    """
    import numpy as np

    if docs.shape[0] <= doc_chunk:
        return top_k(queries @ docs.T, doc_ids, sorted_ids, depth)
    depth = min(depth, docs.shape[0])
    kept_idx: list[npt.NDArray[np.intp]] = [np.zeros(0, np.intp) for _ in range(len(queries))]
    kept_scores: list[npt.NDArray[np.float32]] = [np.zeros(0, np.float32) for _ in queries]
    for start in range(0, docs.shape[0], doc_chunk):
        block = queries @ docs[start : start + doc_chunk].T
        width = block.shape[1]
        floor = (
            np.partition(block, width - depth, axis=1)[:, width - depth]
            if depth <= width
            else np.full(len(block), -np.inf, block.dtype)
        )
        rows, cols = np.nonzero(block >= floor[:, None])
        bounds = np.searchsorted(rows, np.arange(len(block) + 1))
        for r in range(len(block)):
            picked = cols[bounds[r] : bounds[r + 1]]
            idx = np.concatenate([kept_idx[r], picked + start])
            scores = np.concatenate([kept_scores[r], block[r, picked]])
            if len(scores) > depth:
                best = np.partition(scores, len(scores) - depth)[len(scores) - depth]
                keep = scores >= best
                idx, scores = idx[keep], scores[keep]
            kept_idx[r], kept_scores[r] = idx, scores
    rankings = []
    for idx, scores in zip(kept_idx, kept_scores, strict=True):
        (ranking,) = rank_pool(scores, [doc_ids[i] for i in idx], depth)
        rankings.append(ranking)
    return rankings


def rank_pool(
    scores: npt.NDArray[np.floating], pool: Sequence[str], depth: int | None = None
) -> list[Ranking]:
    """One ranking of the documents ``pool`` scored ``scores``, in ``top_k``'s order."""
    import numpy as np

    ids = list(pool)
    order = np.argsort(np.array(ids, dtype=object)) if ids else np.zeros(0, np.intp)
    row = np.asarray(scores, dtype=np.float64).reshape(1, -1)
    if not ids:
        return [Ranking((), ())]
    return top_k(row, ids, order, len(ids) if depth is None else depth)


def load_model(what: str, path: str, load: Callable[[], T]) -> T:
    """``load()``, or one ``RetrieverError`` line naming the folder: a broken or incomplete
    model folder makes the loaders raise errors of many types, none of them the user's to
    read as a traceback."""
    try:
        return load()
    except RetrieverError:
        raise
    except Exception as error:  # transformers, tokenizers, safetensors, torch and json
        first = str(error).strip().splitlines()[0] if str(error).strip() else ""
        detail = f"{type(error).__name__}: {first}" if first else type(error).__name__
        raise RetrieverError(f"cannot load {what} from {path} ({detail})") from None
