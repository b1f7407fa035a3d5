"""Bi-encoders: encode the corpus once (through the embedding cache), score by similarity.

``EmbeddingRetriever`` holds what every bi-encoder shares: only distinct texts are encoded,
longest first so batches carry little padding, vectors come from and go to the cache, and
scores are computed in blocks (``stream_top_k``) so no queries × corpus matrix is held.
``SentenceTransformerRetriever`` is the sentence-transformers back-end; the INSTRUCTOR family
is in ``retrievers.instructor``.
"""

from __future__ import annotations

import abc
import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, TypeVar

from instructprobe.core.interrupts import checkpoint
from instructprobe.core.progress import task
from instructprobe.retrievers.base import (
    CorpusIndex,
    Ranking,
    Retriever,
    Template,
    load_model,
    rank_pool,
    stream_top_k,
)
from instructprobe.retrievers.cache import DOCUMENT, QUERY, EmbeddingCache, Namespace, hub_revision
from instructprobe.retrievers.executors import LOCAL, Chunk, Executor

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from instructprobe.core.progress import Progress

SCORE_CHUNK = 256
"""Queries scored per block, so memory stays O(chunk × corpus block), not O(queries × corpus)."""
ENCODE_CHUNK_BATCHES = 8
"""Batches per encoded chunk: the unit of progress, of one cache transaction and of the work an
executor hands one worker."""
M = TypeVar("M", bound="CachedModelRetriever")


@dataclass(frozen=True)
class EncoderSettings:
    """Run-wide settings for every neural retriever of a run (the CLI fills them)."""

    batch_size: int = 64
    device: str | None = None
    """``auto`` (or None): CUDA, else Apple MPS, else the CPU; or ``cpu``, ``cuda[:N]``, ``mps``."""
    cache_dir: str | None = None
    """Embedding cache folder; None keeps vectors in memory only (``probe run`` passes one)."""
    precision: str = "auto"
    """``auto``: half precision on a CUDA GPU, float32 elsewhere; or float32/float16/bfloat16."""
    pool_depth: int = 100
    """Candidates a reranker's first stage hands it in full-retrieval mode."""
    executor: Executor = field(default=LOCAL, compare=False, repr=False)
    """Where the encode/score step runs (``retrievers.executors``); the driver keeps the cache."""

    def __post_init__(self) -> None:
        if self.batch_size < 1:
            raise ValueError(f"batch size must be >= 1, got {self.batch_size}")
        if self.pool_depth < 1:
            raise ValueError(f"pool depth must be >= 1, got {self.pool_depth}")


class CachedModelRetriever(Retriever):
    """A retriever backed by model weights at ``model_path``, whose outputs go through the
    embedding cache (opened on first use) under the model's identity."""

    def __init__(
        self,
        name: str,
        model_path: str,
        settings: EncoderSettings | None = None,
        template: Template | None = None,
    ) -> None:
        self.name = name
        self.model_path = model_path
        self.settings = settings or EncoderSettings()
        self.template = template or Template()
        self._cache: EmbeddingCache | None = None
        self._identity: str | None = None

    @property
    def cache(self) -> EmbeddingCache | None:
        if self.settings.cache_dir is None:
            return None
        if self._cache is None:
            self._cache = EmbeddingCache(self.settings.cache_dir)
        return self._cache

    def identity(self) -> str:
        """The model's identity: its hub revision, else a sha256 of its files (memoised)."""
        if self._identity is None:
            from instructprobe.retrievers.cache import model_identity

            self._identity = model_identity(self.model_path, self.cache)
        return self._identity

    def describe(self) -> dict[str, str]:
        """Adds the model: its path, its hub revision where it has one, and its identity (the
        revision, a sha256 of its files, or of its weights in memory for a model object)."""
        described = super().describe()
        if self.model_path:
            described["model"] = self.model_path
        if (revision := hub_revision(self.model_path)) is not None:
            described["revision"] = revision
        described["identity"] = self.identity()
        return described

    def precision(self) -> str:
        """The dtype the model runs in (what the cache's namespace records)."""
        from instructprobe.retrievers.devices import run_precision

        return run_precision(self.settings.device, self.settings.precision)

    @abc.abstractmethod
    def compute(self, items: Sequence[Any], role: str) -> npt.NDArray[np.float32]:
        """The model's rows for ``items`` (distinct): the step an executor runs anywhere."""

    def load(self) -> None:
        """Load the model now rather than on first use (a replica does when it starts)."""

    _LOADED = ("_cache", "_model", "_tokenizer", "_loaded", "_lender")
    """Attributes that hold a loaded model or an open cache: a replica starts without them."""

    def replica(self: M, device: str | None) -> M:
        """A copy for a worker: no cache and no model (it loads its own on ``device``), in the
        precision the driver's cache records, computing locally."""
        twin = copy.copy(self)
        for attribute in self._LOADED:
            if hasattr(twin, attribute):
                setattr(twin, attribute, None)
        if hasattr(twin, "first_stage"):
            twin.first_stage = None  # a reranker's first stage runs on the driver
        twin.settings = replace(
            self.settings,
            device=device,
            cache_dir=None,
            precision=self.precision(),
            executor=LOCAL,
        )
        return twin


class EmbeddingRetriever(CachedModelRetriever):
    """A bi-encoder: texts of a role (query or document) → one vector each.

    Subclasses implement ``encode_batch`` (distinct texts in, float32 rows out) and say what
    the vectors depend on (``namespace_settings``, ``prompt``, ``max_length``), which keys the
    cache together with the model's identity.
    """

    @abc.abstractmethod
    def encode_batch(self, texts: list[str], role: str) -> npt.NDArray[np.float32]:
        """Vectors for ``texts`` (distinct, in this order) as the ``role`` side."""

    def compute(self, items: Sequence[Any], role: str) -> npt.NDArray[np.float32]:
        return self.encode_batch(list(items), role)

    def prompt(self, role: str) -> str:
        """What is added around a text of ``role`` besides the text itself (for the cache key)."""
        return ""

    def max_length(self) -> int | None:
        return None

    @property
    def normalize(self) -> bool:
        """Whether vectors are L2-normalised (cosine similarity) or scored as they are (dot)."""
        return True

    def namespace_settings(self) -> dict[str, str]:
        return {"backend": type(self).__name__, "normalize": str(self.normalize)}

    def namespace(self, role: str) -> Namespace:
        return Namespace(
            model=self.identity(),
            role=role,
            prompt=self.prompt(role),
            max_length=self.max_length(),
            settings=self.namespace_settings(),
            label=self.name,
        )

    def embed(
        self,
        texts: Sequence[str],
        role: str,
        progress: Progress | None = None,
        description: str = "encoding",
    ) -> npt.NDArray[np.float32]:
        """One row per text, in order; each distinct text is encoded at most once, ever."""
        import numpy as np

        unique = list(dict.fromkeys(texts))
        if not unique:
            return np.zeros((0, 0), np.float32)
        cache = self.cache
        namespace = self.namespace(role) if cache is not None else None
        found = cache.get(namespace, unique) if cache and namespace else {}
        missing = sorted((t for t in unique if t not in found), key=len, reverse=True)
        if missing:
            label = f"{description} ({len(found)} cached)" if found else description
            step = self.settings.batch_size * ENCODE_CHUNK_BATCHES
            chunks = [
                Chunk(i, tuple(missing[start : start + step]), role)
                for i, start in enumerate(range(0, len(missing), step))
            ]
            with task(progress, label, len(missing)) as advance:
                for chunk, rows in self.settings.executor.run(self, chunks):
                    vectors = np.asarray(rows, dtype=np.float32)
                    if cache is not None and namespace is not None:
                        cache.put(namespace, chunk.items, vectors)
                    found.update(zip(chunk.items, vectors, strict=True))
                    advance(len(chunk.items))
                    checkpoint("encode")
        matrix = np.stack([found[t] for t in unique])
        position = {text: i for i, text in enumerate(unique)}
        return matrix[[position[t] for t in texts]]

    def index(
        self,
        doc_ids: Sequence[str],
        doc_texts: Sequence[str],
        progress: Progress | None = None,
    ) -> DenseIndex:
        embeddings = self.embed(doc_texts, DOCUMENT, progress, "encoding corpus")
        return DenseIndex(self, doc_ids, embeddings)

    def describe(self) -> dict[str, str]:
        return {
            **super().describe(),
            "query_prompt": self.prompt(QUERY),
            "document_prompt": self.prompt(DOCUMENT),
        }


class DenseIndex(CorpusIndex):
    def __init__(
        self,
        retriever: EmbeddingRetriever,
        doc_ids: Sequence[str],
        doc_embeddings: npt.NDArray[np.float32],
    ) -> None:
        super().__init__(doc_ids)
        self._retriever = retriever
        self._docs = doc_embeddings

    def search(
        self, texts: Sequence[str], depth: int, progress: Progress | None = None
    ) -> list[Ranking]:
        if not texts:
            return []
        queries = self._retriever.embed(texts, QUERY, progress, "encoding queries")
        rankings: list[Ranking] = []
        for start in range(0, len(queries), SCORE_CHUNK):
            chunk = queries[start : start + SCORE_CHUNK]
            rankings.extend(stream_top_k(chunk, self._docs, self._doc_ids, self._sorted, depth))
        return rankings

    def rerank_pools(
        self,
        texts: Sequence[str],
        candidates: Sequence[Sequence[str]],
        progress: Progress | None = None,
    ) -> list[Ranking]:
        """Score each text against its candidates only."""
        if not texts:
            return []
        queries = self._retriever.embed(texts, QUERY, progress, "encoding queries")
        rankings = []
        for query, pool in zip(queries, candidates, strict=True):
            rankings.extend(rank_pool(self._docs[self.rows(pool)] @ query, pool))
        return rankings


class SentenceTransformerRetriever(EmbeddingRetriever):
    """Any sentence-transformers bi-encoder, by local path (a hub id is located first).

    The query prompt is part of the template; ``document_prompt`` is prepended to every
    document (E5's ``passage: ``). ``similarity`` overrides the model's own (``dot`` for
    Contriever, whose vectors are not normalised).
    """

    kind = "sentence-transformers"

    def __init__(
        self,
        name: str,
        model_path: str,
        settings: EncoderSettings | None = None,
        template: Template | None = None,
        document_prompt: str = "",
        max_length: int | None = None,
        similarity: str | None = None,
        model: Any = None,
        tokenizer_kwargs: Mapping[str, bool] | None = None,
    ) -> None:
        """``model`` is an already loaded ``SentenceTransformer`` for ``model_path`` (or None to
        load it on first use); ``tokenizer_kwargs`` go to its tokenizer when it is loaded."""
        super().__init__(name, model_path, settings, template)
        self.document_prompt = document_prompt
        self.tokenizer_kwargs = dict(tokenizer_kwargs or {})
        self._max_length = max_length
        self._similarity = similarity
        self._model: Any = model
        self._lender: SentenceTransformerRetriever | None = None

    def share_model(self, lender: SentenceTransformerRetriever) -> None:
        """Use ``lender``'s model (same weights), loaded once by whichever needs it first."""
        if lender.model_path != self.model_path:
            raise ValueError(f"cannot share {lender.model_path} as {self.model_path}")
        self._lender = lender

    @property
    def model(self) -> Any:
        if self._lender is not None:
            return self._lender.model
        if self._model is None:
            from sentence_transformers import SentenceTransformer

            from instructprobe.core.hub import quiet_progress
            from instructprobe.retrievers.devices import dtype_kwargs, resolve_device, resolve_dtype

            quiet_progress()
            device = resolve_device(self.settings.device)
            dtype = resolve_dtype(self.settings.precision, device)
            self._model = load_model(
                self.name,
                self.model_path,
                lambda: SentenceTransformer(
                    self.model_path,
                    device=device,
                    local_files_only=True,
                    model_kwargs=dtype_kwargs(dtype),
                    **_tokenizer_arguments(SentenceTransformer, self.tokenizer_kwargs),
                ),
            )
            if self._max_length is not None:
                self._model.max_seq_length = self._max_length
        return self._model

    def load(self) -> None:
        self.model  # noqa: B018 (the property loads it)

    @property
    def normalize(self) -> bool:
        """Cosine unless the preset or the model's own config says otherwise; read from the
        config file, so a warm cache never loads the model."""
        similarity = self._similarity or _read_json(
            self.model_path, "config_sentence_transformers.json"
        ).get("similarity_fn_name")
        return similarity in (None, "cosine")

    def prompt(self, role: str) -> str:
        return self.document_prompt if role == DOCUMENT else ""

    def max_length(self) -> int | None:
        """The preset's override, else the model's ``max_seq_length`` from its config file."""
        if self._max_length is not None:
            return self._max_length
        found = _read_json(self.model_path, "sentence_bert_config.json").get("max_seq_length")
        return int(found) if isinstance(found, int) else None

    def namespace_settings(self) -> dict[str, str]:
        tokenizer = {f"tokenizer.{k}": str(v) for k, v in sorted(self.tokenizer_kwargs.items())}
        return {**super().namespace_settings(), "precision": self.precision(), **tokenizer}

    def encode_batch(self, texts: list[str], role: str) -> npt.NDArray[np.float32]:
        """Each text padded to its own multiple of ``PAD_MULTIPLE`` tokens, with the texts of
        that length only: padded to a longer neighbour's length, a text's vector differs in
        its last bits, so it would depend on what else was encoded with it (what the cache
        lacked, ``--limit``), and a run on a cache that another run filled would not be the
        run on an empty cache."""

        inputs = self.model_inputs(texts, role)
        padding = padding_groups(self.model, inputs)
        if padding is None:
            return self._encode(inputs, {})
        groups, kwargs = padding
        parts = [self._encode([inputs[i] for i in group], kwargs) for group in groups]
        return scattered(groups, parts, len(inputs))

    def _encode(self, inputs: list[str], kwargs: Mapping[str, Any]) -> npt.NDArray[np.float32]:
        import numpy as np

        vectors = self.model.encode(
            inputs,
            prompt="",
            batch_size=self.settings.batch_size,
            normalize_embeddings=self.normalize,
            convert_to_numpy=True,
            show_progress_bar=False,
            **kwargs,
        )
        return np.asarray(vectors, dtype=np.float32)

    def model_inputs(self, texts: Sequence[str], role: str) -> list[str]:
        """The exact strings the model reads for ``texts`` of ``role`` (after the template)."""
        return [self.document_prompt + t for t in texts] if role == DOCUMENT else list(texts)


PAD_MULTIPLE = 16
"""Token lengths a text is padded to a multiple of. Grouping texts by their exact length costs
about twice the CPU time of an encode on the starter suite's texts (batches of a few rows); by
multiples of 16 it costs less than padding to the longest text of a batch."""


def _pads_to_a_multiple(model: Any) -> bool:
    """Whether ``encode`` takes ``processing_kwargs`` (sentence-transformers 6) and padding to
    a multiple stays within the model's length (a multiple itself)."""
    import sentence_transformers

    major = int(sentence_transformers.__version__.split(".")[0])
    limit = getattr(model, "max_seq_length", None)
    return major >= 6 and isinstance(limit, int) and limit % PAD_MULTIPLE == 0


def padding_groups(
    model: Any, inputs: Sequence[Any]
) -> tuple[list[list[int]], dict[str, Any]] | None:
    """The groups of ``inputs`` (texts, or pairs for a cross-encoder) that pad to one length,
    and what sentence-transformers' ``encode``/``predict`` needs to pad them to it; None for a
    model whose tokens cannot be counted (a model object without sentence-transformers'
    tokenizer), run as it comes."""
    tokenize = getattr(model, "preprocess", None) or getattr(model, "tokenize", None)
    mask = tokenize(list(inputs)).get("attention_mask") if callable(tokenize) and inputs else None
    if mask is None:
        return None
    lengths = [int(n) for n in mask.sum(dim=1).tolist()]
    if _pads_to_a_multiple(model):
        kwargs = {"processing_kwargs": {"text": {"pad_to_multiple_of": PAD_MULTIPLE}}}
        return padded_groups(lengths), kwargs
    return same_length_groups(lengths), {}  # exact lengths: small batches, but each its own


def padded_groups(token_counts: Sequence[int], size: int | None = None) -> list[list[int]]:
    """The positions of the inputs that pad to one multiple of ``PAD_MULTIPLE`` tokens, at
    most ``size`` a group (a batch)."""
    groups = same_length_groups([-(-n // PAD_MULTIPLE) for n in token_counts])
    if size is None:
        return groups
    return [group[start : start + size] for group in groups for start in range(0, len(group), size)]


def scattered(
    groups: Sequence[list[int]], parts: Sequence[npt.NDArray[np.float32]], count: int
) -> npt.NDArray[np.float32]:
    """The rows of ``parts`` (one part per group of positions) at their positions."""
    import numpy as np

    rows = np.empty((count, *(parts[0].shape[1:] if parts else (0,))), np.float32)
    for group, part in zip(groups, parts, strict=True):
        rows[group] = part
    return rows


def same_length_groups(lengths: Sequence[int]) -> list[list[int]]:
    """The positions of each length, lengths in the order they first appear."""
    groups: dict[int, list[int]] = {}
    for position, length in enumerate(lengths):
        groups.setdefault(length, []).append(position)
    return list(groups.values())


def _tokenizer_arguments(loader: Any, kwargs: Mapping[str, bool]) -> dict[str, Any]:
    """``kwargs`` for the tokenizer, under the name this sentence-transformers gives them
    (``processor_kwargs`` from 6.x, ``tokenizer_kwargs`` before)."""
    import inspect

    if not kwargs:
        return {}
    accepted = inspect.signature(loader.__init__).parameters
    name = "processor_kwargs" if "processor_kwargs" in accepted else "tokenizer_kwargs"
    return {name: dict(kwargs)}


DOCUMENT_PROMPT_NAMES = ("document", "passage", "corpus", "doc")
"""The prompt names a document prompt goes by in sentence-transformers configurations."""


def saved_prompts(folder: str) -> dict[str, str]:
    """The ``prompts`` a sentence-transformers model was saved with (its
    ``config_sentence_transformers.json``), or none."""
    found = _read_json(folder, "config_sentence_transformers.json").get("prompts")
    if not isinstance(found, dict):
        return {}
    return {str(k): v for k, v in found.items() if isinstance(v, str)}


def prompt_template(prompts: dict[str, str]) -> tuple[Template, str]:
    """The template and document prompt a model's saved prompts give: the ``query`` prompt
    goes before the whole query text (instruction and query, in either order), as
    sentence-transformers puts it before a text; the first of ``DOCUMENT_PROMPT_NAMES`` goes
    before each document."""
    query = prompts.get("query", "")
    document = next((prompts[n] for n in DOCUMENT_PROMPT_NAMES if prompts.get(n)), "")
    plain = Template()
    template = Template(
        query + plain.instruction_first, query + plain.query_first, query + plain.bare
    )
    return template, document


def _read_json(folder: str, name: str) -> dict[str, Any]:
    import json
    from pathlib import Path

    path = Path(folder) / name
    if not path.is_file():
        return {}
    loaded = load_model("the model's settings", str(path), lambda: json.loads(path.read_bytes()))
    return loaded if isinstance(loaded, dict) else {}
