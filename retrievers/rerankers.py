"""Rerankers: models that score (query, document) pairs instead of embedding texts.

* ``CrossEncoderRetriever``: a sentence-transformers ``CrossEncoder`` (raw logit, no sigmoid).
* ``MonoT5Retriever``: ``Query: … Document: … Relevant:`` read by a T5 seq2seq model, scored
  by log P(true) over {true, false} at the first decoder step (Nogueira et al., 2020).
* ``YesNoRetriever``: a causal LM (FollowIR-7B, Mistral-instruct style prompts) asked whether
  the document is relevant, scored by log P(true) over {true, false} at the next token. The
  log is taken so near-certain answers keep their order in float32; P(true) ranks the same.

``SearchIndex.rerank`` scores only each text's candidates. ``search`` needs a first stage:
the retriever's ``first_stage`` (BM25 unless another is given) ranks the corpus, its top
``EncoderSettings.pool_depth`` documents (100 by default) are rescored, and the ranking holds
only those. Pair scores go through the embedding cache as one-number vectors, keyed by the
model, the prompt pattern, the maximum length and the pair's text.
"""

from __future__ import annotations

import abc
import json
from collections.abc import Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

from instructprobe.core.checkpoints import Checkpoint, quiet_dequantising
from instructprobe.core.errors import RetrieverError
from instructprobe.core.interrupts import checkpoint
from instructprobe.core.progress import task
from instructprobe.retrievers.base import (
    Ranking,
    Retriever,
    SearchIndex,
    Template,
    load_model,
    rank_pool,
)
from instructprobe.retrievers.cache import PAIR, Namespace
from instructprobe.retrievers.dense import (
    PAD_MULTIPLE,
    CachedModelRetriever,
    EncoderSettings,
    padded_groups,
    padding_groups,
    scattered,
)
from instructprobe.retrievers.devices import dtype_kwargs
from instructprobe.retrievers.executors import Chunk

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from instructprobe.core.progress import Progress

MONOT5_PATTERN = "Query: {query} Document: {document} Relevant:"
FOLLOWIR_PATTERN = (
    "<s> [INST] You are an expert Google searcher, whose job is to determine if the following "
    "document is relevant to the query (true/false). Answer using only one word, one of those "
    "two choices.\n\nQuery: {query}\nDocument: {document}\nRelevant (only output one word, "
    'either "true" or "false"): [/INST] '
)
PAIR_CHUNK_BATCHES = 8


class PairRetriever(CachedModelRetriever):
    """A reranker: scores pairs; ``index`` prepares a first stage for full retrieval."""

    first_stage: Retriever | None

    @abc.abstractmethod
    def score_batch(self, pairs: list[tuple[str, str]]) -> npt.NDArray[np.float32]:
        """One relevance score per (query text, document text) pair, higher is better."""

    @abc.abstractmethod
    def pattern(self) -> str:
        """How a pair is shown to the model (for the cache key and the listing)."""

    def max_length(self) -> int | None:
        return None

    def compute(self, items: Sequence[Any], role: str) -> npt.NDArray[np.float32]:
        """Pair scores as one-wide rows (the cache's vectors)."""
        import numpy as np

        pairs = [(str(query), str(document)) for query, document in items]
        return np.asarray(self.score_batch(pairs), dtype=np.float32).reshape(-1, 1)

    def namespace(self) -> Namespace:
        return Namespace(
            model=self.identity(),
            role=PAIR,
            prompt=self.pattern(),
            max_length=self.max_length(),
            settings={"backend": type(self).__name__, "precision": self.precision()},
            label=self.name,
        )

    def scores(
        self, pairs: Sequence[tuple[str, str]], progress: Progress | None = None
    ) -> npt.NDArray[np.float32]:
        """A score per pair; distinct pairs are scored once, longest first, through the cache."""
        import numpy as np

        keys = [_pair_key(pair) for pair in pairs]
        pair_of = dict(zip(keys, pairs, strict=True))
        unique = list(pair_of)
        if not unique:
            return np.zeros(0, np.float32)
        cache = self.cache
        namespace = self.namespace() if cache is not None else None
        found = {
            k: float(v[0])
            for k, v in (cache.get(namespace, unique) if cache and namespace else {}).items()
        }
        missing = sorted((k for k in unique if k not in found), key=len, reverse=True)
        if missing:
            label = f"scoring pairs ({len(found)} cached)" if found else "scoring pairs"
            step = self.settings.batch_size * PAIR_CHUNK_BATCHES
            chunks = [
                Chunk(i, tuple(pair_of[k] for k in missing[start : start + step]), PAIR)
                for i, start in enumerate(range(0, len(missing), step))
            ]
            with task(progress, label, len(missing)) as advance:
                for chunk, rows in self.settings.executor.run(self, chunks):
                    values = np.asarray(rows, dtype=np.float32).reshape(-1)
                    done = [_pair_key(pair) for pair in chunk.items]
                    if cache is not None and namespace is not None:
                        cache.put(namespace, done, values.reshape(-1, 1))
                    found.update(zip(done, (float(v) for v in values), strict=True))
                    advance(len(done))
                    checkpoint("encode")
        return np.array([found[k] for k in keys], dtype=np.float32)

    def index(
        self,
        doc_ids: Sequence[str],
        doc_texts: Sequence[str],
        progress: Progress | None = None,
    ) -> RerankIndex:
        from instructprobe.retrievers.bm25 import BM25

        first = (self.first_stage or BM25()).index(doc_ids, doc_texts, progress)
        return RerankIndex(self, first, doc_ids, doc_texts)

    def describe(self) -> dict[str, str]:
        return {
            **super().describe(),
            "pair_format": self.pattern(),
            "first_stage": (self.first_stage.name if self.first_stage else "bm25")
            + f" top {self.settings.pool_depth}",
        }


def _pair_key(pair: Sequence[str]) -> str:
    """A pair as the cache's text: JSON, so no two pairs share one."""
    query, document = pair
    return json.dumps([query, document], ensure_ascii=False)


class RerankIndex(SearchIndex):
    def __init__(
        self,
        retriever: PairRetriever,
        first_stage: SearchIndex,
        doc_ids: Sequence[str],
        doc_texts: Sequence[str],
    ) -> None:
        self._retriever = retriever
        self._first = first_stage
        self._texts = dict(zip(doc_ids, doc_texts, strict=True))

    @property
    def size(self) -> int:
        return len(self._texts)

    def search(
        self, texts: Sequence[str], depth: int, progress: Progress | None = None
    ) -> list[Ranking]:
        """The first stage's top ``pool_depth``, rescored; the ranking holds only those."""
        pools = self._first.search(texts, self._retriever.settings.pool_depth, progress)
        reranked = self.rerank(texts, [p.doc_ids for p in pools], progress)
        return [Ranking(r.doc_ids[:depth], r.scores[:depth]) for r in reranked]

    def contains(self, doc_id: str) -> bool:
        return doc_id in self._texts

    def rerank_pools(
        self,
        texts: Sequence[str],
        candidates: Sequence[Sequence[str]],
        progress: Progress | None = None,
    ) -> list[Ranking]:
        pairs = [
            (t, self._texts[d]) for t, pool in zip(texts, candidates, strict=True) for d in pool
        ]
        scores = self._retriever.scores(pairs, progress)
        rankings: list[Ranking] = []
        start = 0
        for pool in candidates:
            rankings.extend(rank_pool(scores[start : start + len(pool)], pool))
            start += len(pool)
        return rankings


class CrossEncoderRetriever(PairRetriever):
    """A sentence-transformers ``CrossEncoder``; its raw logit is the score."""

    kind = "cross-encoder"

    def __init__(
        self,
        name: str,
        model_path: str,
        settings: EncoderSettings | None = None,
        template: Template | None = None,
        max_length: int | None = None,
        first_stage: Retriever | None = None,
    ) -> None:
        super().__init__(name, model_path, settings, template)
        self._max_length = max_length
        self.first_stage = first_stage
        self._model: Any = None

    def pattern(self) -> str:
        return "({query}, {document})"

    def predict_kwargs(self) -> dict[str, Any]:
        """Extra arguments of ``predict`` (the loader already made the activation the identity)."""
        return {}

    def max_length(self) -> int | None:
        return self._max_length

    def load(self) -> None:
        self.model  # noqa: B018 (the property loads it)

    @property
    def model(self) -> Any:
        if self._model is None:
            import torch
            from sentence_transformers import CrossEncoder

            from instructprobe.core.hub import quiet_progress
            from instructprobe.retrievers.devices import resolve_device, resolve_dtype

            quiet_progress()
            device = resolve_device(self.settings.device)
            self._model = load_model(
                self.name,
                self.model_path,
                lambda: CrossEncoder(
                    self.model_path,
                    device=device,
                    local_files_only=True,
                    max_length=self._max_length,
                    activation_fn=torch.nn.Identity(),
                    model_kwargs=dtype_kwargs(resolve_dtype(self.settings.precision, device)),
                ),
            )
        return self._model

    def score_batch(self, pairs: list[tuple[str, str]]) -> npt.NDArray[np.float32]:
        """Pairs of one padded length scored together (``padding_groups``): padded to a
        longer neighbour's length, a score differs in its last bits, and would depend on what
        else the cache lacked."""
        import numpy as np

        padding = padding_groups(self.model, pairs)
        groups, kwargs = padding if padding is not None else ([list(range(len(pairs)))], {})
        parts = [self._predict([pairs[i] for i in group], kwargs) for group in groups]
        scores = scattered(groups, parts, len(pairs))
        if scores.ndim == 2:  # several labels: log-probability of the last (relevant) one
            shifted = scores - scores.max(axis=1, keepdims=True)
            relevant: npt.NDArray[np.float32] = shifted[:, -1] - np.log(np.exp(shifted).sum(axis=1))
            return relevant
        return scores

    def _predict(
        self, pairs: list[tuple[str, str]], kwargs: dict[str, Any]
    ) -> npt.NDArray[np.float32]:
        import numpy as np

        scores = self.model.predict(
            pairs,
            batch_size=self.settings.batch_size,
            show_progress_bar=False,
            convert_to_numpy=True,
            **self.predict_kwargs(),
            **kwargs,
        )
        return np.asarray(scores, dtype=np.float32)


class _GenerativeReranker(PairRetriever):
    """Shared by monoT5 and yes/no LMs: a prompt pattern, and true/false token logits."""

    true_words: tuple[str, ...] = ("true",)
    false_words: tuple[str, ...] = ("false",)
    prefer_bfloat16 = False

    def features(self, prompts: list[str]) -> Any:
        """The prompts tokenised as one padded, truncated batch on the model's device."""
        return self.tokenizer(
            prompts,
            padding=True,
            pad_to_multiple_of=PAD_MULTIPLE,
            truncation=True,
            max_length=self.limit(),
            return_tensors="pt",
        ).to(self._device)

    def token_counts(self, prompts: list[str]) -> list[int]:
        """The tokens the model reads of each prompt, truncated as ``features`` truncates."""
        found = self.tokenizer(prompts, truncation=True, max_length=self.limit())
        return [len(ids) for ids in found["input_ids"]]

    def __init__(
        self,
        name: str,
        model_path: str,
        settings: EncoderSettings | None = None,
        template: Template | None = None,
        prompt: str = MONOT5_PATTERN,
        max_length: int | None = None,
        first_stage: Retriever | None = None,
    ) -> None:
        super().__init__(name, model_path, settings, template)
        self.prompt = prompt
        self._max_length = max_length
        self.first_stage = first_stage
        self._tokenizer: Any = None
        self._model: Any = None
        self._device = "cpu"

    def pattern(self) -> str:
        return self.prompt

    def precision(self) -> str:
        from instructprobe.retrievers.devices import run_precision

        return run_precision(self.settings.device, self.settings.precision, self.prefer_bfloat16)

    def format(self, query: str, document: str) -> str:
        """The exact prompt for one pair (before any truncation of the document)."""
        return self.prompt.format(query=query, document=document)

    @property
    def tokenizer(self) -> Any:
        if self._tokenizer is None:
            self._load()
        return self._tokenizer

    def load(self) -> None:
        self.model  # noqa: B018 (the property loads it)

    @property
    def model(self) -> Any:
        if self._model is None:
            self._load()
        return self._model

    def _load(self) -> None:
        from instructprobe.core.hub import quiet_progress
        from instructprobe.retrievers.devices import resolve_device, resolve_dtype

        quiet_progress()
        self._device = resolve_device(self.settings.device)
        dtype = resolve_dtype(self.settings.precision, self._device, self.prefer_bfloat16)
        self._tokenizer, self._model = load_model(
            self.name, self.model_path, lambda: self._load_model(dtype)
        )
        self._model.to(self._device).eval()

    @abc.abstractmethod
    def _load_model(self, dtype: Any) -> tuple[Any, Any]:
        """(tokenizer, model) from ``model_path``."""

    def limit(self) -> int:
        """Tokens a prompt may take: the preset's, else the tokenizer's, else the model's."""
        if self._max_length is not None:
            return self._max_length
        found = getattr(self.tokenizer, "model_max_length", None)
        positions = getattr(self.model.config, "max_position_embeddings", None)
        candidates = [v for v in (found, positions) if isinstance(v, int) and v < 1_000_000]
        return min(candidates) if candidates else 512

    def max_length(self) -> int | None:
        return self._max_length

    def fit(self, query: str, document: str) -> str:
        """The prompt, with the document cut (by tokens) so the whole prompt fits the limit.

        Cutting the document, not the prompt's end, keeps the question (``Relevant:``) that the
        true/false logits answer.
        """
        text = self.format(query, document)
        limit = self.limit()
        length = len(self.tokenizer(text)["input_ids"])
        if length <= limit:
            return text
        ids = self.tokenizer(document, add_special_tokens=False)["input_ids"]
        keep = max(0, len(ids) - (length - limit))
        while keep > 0:
            cut = self.tokenizer.decode(ids[:keep], skip_special_tokens=True)
            text = self.format(query, cut)
            length = len(self.tokenizer(text)["input_ids"])
            if length <= limit:
                return text
            keep -= max(1, length - limit)
        return self.format(query, "")

    def word_id(self, words: tuple[str, ...]) -> int:
        vocab = self.tokenizer.get_vocab()
        for word in words:
            if word in vocab:
                return int(vocab[word])
        ids = self.tokenizer(words[-1], add_special_tokens=False)["input_ids"]
        if not ids:
            raise RetrieverError(f"{self.name}: the tokenizer has no token for {words[-1]!r}")
        return int(ids[0])

    def score_batch(self, pairs: list[tuple[str, str]]) -> npt.NDArray[np.float32]:
        import torch

        prompts = [self.fit(q, d) for q, d in pairs]
        true_id, false_id = self.word_id(self.true_words), self.word_id(self.false_words)
        # prompts of one padded length together: padded to a longer neighbour's length, a
        # score differs in its last bits, and would depend on what else the cache lacked
        batches = padded_groups(self.token_counts(prompts), self.settings.batch_size)
        parts = []
        for batch in batches:
            logits = self.next_token_logits([prompts[i] for i in batch])
            two = torch.stack([logits[:, false_id], logits[:, true_id]], dim=1).float()
            parts.append(torch.log_softmax(two, dim=1)[:, 1].cpu().numpy())
        return scattered(batches, parts, len(prompts))

    @abc.abstractmethod
    def next_token_logits(self, prompts: list[str]) -> Any:
        """Logits over the vocabulary for the token that answers each prompt."""


class MonoT5Retriever(_GenerativeReranker):
    """monoT5: T5 reads ``Query: … Document: … Relevant:`` and answers ``true``/``false``."""

    kind = "monot5"
    true_words = ("▁true", "true")
    false_words = ("▁false", "false")
    prefer_bfloat16 = True

    def _load_model(self, dtype: Any) -> tuple[Any, Any]:
        from transformers import AutoTokenizer, T5ForConditionalGeneration

        tokenizer = AutoTokenizer.from_pretrained(self.model_path, local_files_only=True)
        model = T5ForConditionalGeneration.from_pretrained(
            self.model_path, local_files_only=True, **dtype_kwargs(dtype)
        )
        return tokenizer, model

    def next_token_logits(self, prompts: list[str]) -> Any:
        import torch

        features = self.features(prompts)
        start = self.model.config.decoder_start_token_id
        decoder = torch.full((len(prompts), 1), start, dtype=torch.long, device=self._device)
        with torch.inference_mode():
            return self.model(**features, decoder_input_ids=decoder).logits[:, 0, :]


class YesNoRetriever(_GenerativeReranker):
    """A causal LM answering a relevance question; FollowIR-7B's prompt by default.

    ``model_path`` is a saved model folder or a GGUF file (loaded with ``gguf_file=``, which
    needs the gguf package).
    """

    kind = "yes-no"

    def __init__(
        self,
        name: str,
        model_path: str,
        settings: EncoderSettings | None = None,
        template: Template | None = None,
        prompt: str = FOLLOWIR_PATTERN,
        max_length: int | None = None,
        first_stage: Retriever | None = None,
    ) -> None:
        super().__init__(name, model_path, settings, template, prompt, max_length, first_stage)

    def _load_model(self, dtype: Any) -> tuple[Any, Any]:
        from transformers import AutoModelForCausalLM, AutoTokenizer

        checkpoint = Checkpoint.of(Path(self.model_path), RetrieverError)
        folder, kwargs = str(checkpoint.folder), checkpoint.loading_kwargs()
        tokenizer = AutoTokenizer.from_pretrained(folder, **kwargs)
        tokenizer.padding_side = "left"
        if tokenizer.pad_token is None:
            tokenizer.pad_token = tokenizer.eos_token
        with quiet_dequantising() if checkpoint.gguf_file else nullcontext():
            model = AutoModelForCausalLM.from_pretrained(folder, **kwargs, **dtype_kwargs(dtype))
        return tokenizer, model

    def next_token_logits(self, prompts: list[str]) -> Any:
        import torch

        features = self.features(prompts)
        with torch.inference_mode():
            return self.model(**features).logits[:, -1, :]
