from __future__ import annotations

from collections.abc import Sequence

from instructprobe.probes.measures.base import PairedMeasure, Qrels, rank_in


class RankShift(PairedMeasure):
    """Mean absolute rank displacement of the original top-k documents (0 = top k unchanged).

    A document that fell out of the edited ranking counts at ``len(after) + 1``.
    """

    NAME = "rank-shift"
    HIGHER_IS_BETTER = False

    def score_pair(
        self, before: Sequence[str], after: Sequence[str], qrels_before: Qrels, qrels_after: Qrels
    ) -> float | None:
        top = before[: self.cutoff or len(before)]
        if not top:
            return None
        return sum(abs(rank_in(after, doc) - rank) for rank, doc in enumerate(top, 1)) / len(top)
