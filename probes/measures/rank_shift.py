from __future__ import annotations

from collections.abc import Sequence

from probes.measures.base import PairedMeasure, Qrels


class RankShift(PairedMeasure):
    """Mean absolute rank displacement of the original top-k documents (0 = top k unchanged).

    A document that fell out of the edited ranking counts at ``len(after) + 1``.
    """

    NAME = "rank-shift"

    def score_pair(
        self, before: Sequence[str], after: Sequence[str], qrels_before: Qrels, qrels_after: Qrels
    ) -> float | None:
        top = before[: self.cutoff or len(before)]
        if not top:
            return None
        rank_after = {doc: i + 1 for i, doc in enumerate(after)}
        missing = len(after) + 1
        return sum(abs(rank_after.get(doc, missing) - (i + 1)) for i, doc in enumerate(top)) / len(
            top
        )
