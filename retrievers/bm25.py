"""BM25 through bm25s (Lucene variant, English stopwords, Snowball stemming)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from instructprobe.retrievers.base import (
    CorpusIndex,
    Ranking,
    Retriever,
    Template,
    rank_pool,
    top_k,
)

if TYPE_CHECKING:
    from instructprobe.core.progress import Progress

SCORE_BUDGET = 1 << 24
"""Scores (queries × documents) held at once by ``search``."""


@dataclass(frozen=True)
class BM25Parameters:
    k1: float = 0.9
    b: float = 0.4
    method: str = "lucene"

    def __post_init__(self) -> None:
        if self.k1 < 0:
            raise ValueError(f"BM25 k1 must be >= 0, got {self.k1}")
        if not 0 <= self.b <= 1:
            raise ValueError(f"BM25 b must be in [0, 1], got {self.b}")


def _tokenizer() -> Any:
    import bm25s
    import Stemmer

    return bm25s.tokenization.Tokenizer(
        lower=True, stopwords="en", stemmer=Stemmer.Stemmer("english")
    )


class BM25Index(CorpusIndex):
    def __init__(self, model: Any, tokenizer: Any, doc_ids: Sequence[str]) -> None:
        super().__init__(doc_ids)
        self._model = model
        self._tokenizer = tokenizer

    def search(
        self, texts: Sequence[str], depth: int, progress: Progress | None = None
    ) -> list[Ranking]:
        import numpy as np

        # Rows scored at once: at most ~16M scores in memory, whatever the corpus size.
        rows = max(1, min(256, SCORE_BUDGET // max(1, self.size)))
        rankings: list[Ranking] = []
        for start in range(0, len(texts), rows):
            chunk = texts[start : start + rows]
            scores = np.stack([self._model.get_scores(tokens) for tokens in self._tokens(chunk)])
            rankings.extend(top_k(scores, self._doc_ids, self._sorted, depth))
        return rankings

    def rerank_pools(
        self,
        texts: Sequence[str],
        candidates: Sequence[Sequence[str]],
        progress: Progress | None = None,
    ) -> list[Ranking]:
        """Score each text against its candidates only: no sort of the whole corpus."""
        rankings: list[Ranking] = []
        for tokens, pool in zip(self._tokens(texts), candidates, strict=True):
            scores = self._model.get_scores(tokens)
            rankings.extend(rank_pool(scores[self.rows(pool)], pool))
        return rankings

    def _tokens(self, texts: Sequence[str]) -> list[list[str]]:
        if not texts:
            return []
        tokenized: list[list[str]] = self._tokenizer.tokenize(
            list(texts), update_vocab=False, return_as="string", show_progress=False
        )
        return tokenized


class BM25(Retriever):
    """Lexical baseline: reads the instruction as a bag of stemmed words, by construction."""

    def __init__(self, parameters: BM25Parameters | None = None, name: str = "bm25") -> None:
        self.name = name
        self.parameters = parameters or BM25Parameters()
        self.template = Template()

    def index(
        self,
        doc_ids: Sequence[str],
        doc_texts: Sequence[str],
        progress: Progress | None = None,
    ) -> BM25Index:
        import bm25s

        tokenizer = _tokenizer()
        corpus_tokens = tokenizer.tokenize(list(doc_texts), show_progress=False)
        p = self.parameters
        model = bm25s.BM25(k1=p.k1, b=p.b, method=p.method)
        model.index(corpus_tokens, show_progress=False)
        model.vocab_dict = tokenizer.get_vocab_dict()
        return BM25Index(model, tokenizer, doc_ids)

    kind = "bm25"

    def describe(self) -> dict[str, str]:
        p = self.parameters
        return {
            **super().describe(),
            "model": f"bm25s {p.method} k1={p.k1} b={p.b}, English stopwords, Snowball stemmer",
        }
