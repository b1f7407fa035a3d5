from __future__ import annotations

from collections.abc import Sequence

from instructprobe.probes.measures.base import Qrels, RankingMeasure


class AP(RankingMeasure):
    """Average precision over the top ``cutoff``, divided by all relevant documents (trec_eval's
    ``map_cut``); a grade >= 1 is relevant. Undefined without relevant documents."""

    NAME = "AP"

    def score(self, ranking: Sequence[str], qrels: Qrels) -> float | None:
        relevant = sum(1 for g in qrels.values() if g > 0)
        if relevant == 0:
            return None
        found, total = 0, 0.0
        for rank, doc in enumerate(ranking[: self.cutoff or len(ranking)], start=1):
            if qrels.get(doc, 0) > 0:
                found += 1
                total += found / rank
        return total / relevant
