from __future__ import annotations

from collections.abc import Sequence

from instructprobe.probes.measures.base import Qrels, RankingMeasure


class RR(RankingMeasure):
    """Reciprocal rank of the first relevant document in the top ``cutoff`` (0 if none)."""

    NAME = "RR"

    def score(self, ranking: Sequence[str], qrels: Qrels) -> float | None:
        if not any(g > 0 for g in qrels.values()):
            return None
        for rank, doc in enumerate(ranking[: self.cutoff or len(ranking)], start=1):
            if qrels.get(doc, 0) > 0:
                return 1.0 / rank
        return 0.0
