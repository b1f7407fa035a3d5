"""Bi-encoders through sentence-transformers: encode the corpus once, score by similarity."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from retrievers.base import Ranking, Retriever, SearchIndex, Template, top_k

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from retrievers.progress import Progress

SCORE_CHUNK = 1024
"""Queries scored per matrix product, so memory stays O(chunk × corpus), not O(queries × corpus)."""


@dataclass(frozen=True)
class EncoderSettings:
    batch_size: int = 64
    device: str | None = None
    query_prefix: str = ""
    document_prefix: str = ""

    def __post_init__(self) -> None:
        if self.batch_size < 1:
            raise ValueError(f"batch size must be >= 1, got {self.batch_size}")


def encode(
    model: Any,
    texts: Sequence[str],
    settings: EncoderSettings,
    progress: Progress | None,
    description: str,
) -> npt.NDArray[np.float32]:
    """Encode unique texts, longest first (less padding per batch), in their original order."""
    import numpy as np

    unique = sorted(set(texts), key=len, reverse=True)
    position = {text: i for i, text in enumerate(unique)}
    normalize = getattr(model, "similarity_fn_name", "cosine") == "cosine"
    step = settings.batch_size * 8
    parts = []
    with _task(progress, description, len(unique)) as advance:
        for start in range(0, len(unique), step):
            chunk = unique[start : start + step]
            parts.append(
                model.encode(
                    chunk,
                    batch_size=settings.batch_size,
                    normalize_embeddings=normalize,
                    convert_to_numpy=True,
                    show_progress_bar=False,
                ).astype(np.float32)
            )
            advance(len(chunk))
    if not parts:
        return np.zeros((0, 0), np.float32)
    return np.concatenate(parts)[[position[t] for t in texts]]


class DenseIndex(SearchIndex):
    def __init__(
        self,
        model: Any,
        settings: EncoderSettings,
        doc_ids: Sequence[str],
        doc_embeddings: npt.NDArray[np.float32],
    ) -> None:
        import numpy as np

        self._model = model
        self._settings = settings
        self._doc_ids = tuple(doc_ids)
        self._docs = doc_embeddings
        self._sorted = np.argsort(np.array(self._doc_ids, dtype=object))

    @property
    def size(self) -> int:
        return len(self._doc_ids)

    def search(
        self, texts: Sequence[str], depth: int, progress: Progress | None = None
    ) -> list[Ranking]:
        if not texts:
            return []
        prefixed = [self._settings.query_prefix + t for t in texts]
        queries = encode(self._model, prefixed, self._settings, progress, "encoding queries")
        rankings: list[Ranking] = []
        for start in range(0, len(queries), SCORE_CHUNK):
            scores = queries[start : start + SCORE_CHUNK] @ self._docs.T
            rankings.extend(top_k(scores, self._doc_ids, self._sorted, depth))
        return rankings


class SentenceTransformerRetriever(Retriever):
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
        self._model: Any = None

    @property
    def model(self) -> Any:
        if self._model is None:
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
            self._model = SentenceTransformer(
                self.model_path, device=self.settings.device, local_files_only=True
            )
        return self._model

    def index(
        self,
        doc_ids: Sequence[str],
        doc_texts: Sequence[str],
        progress: Progress | None = None,
    ) -> DenseIndex:
        prefixed = [self.settings.document_prefix + t for t in doc_texts]
        embeddings = encode(self.model, prefixed, self.settings, progress, "encoding corpus")
        return DenseIndex(self.model, self.settings, doc_ids, embeddings)

    def describe(self) -> dict[str, str]:
        return {**super().describe(), "model": self.model_path}


def _task(progress: Progress | None, description: str, total: int) -> Any:
    from contextlib import nullcontext

    if progress is None:
        return nullcontext(lambda n: None)
    return progress.task(description, total)
