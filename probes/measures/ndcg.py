from __future__ import annotations

import math
from collections.abc import Sequence

from instructprobe.probes.measures.base import Qrels, RankingMeasure


class NDCG(RankingMeasure):
    """nDCG with linear gains (gain = grade) and log2(rank + 1) discounts, as trec_eval.

    Undefined (``None``) for a query with no relevant document, rather than trec_eval's 0, so
    that a query an edit left without relevant documents does not count as a failure.
    """

    NAME = "nDCG"

    def score(self, ranking: Sequence[str], qrels: Qrels) -> float | None:
        k = self.cutoff or len(ranking)
        ideal_grades = sorted((g for g in qrels.values() if g > 0), reverse=True)[:k]
        ideal = sum(g / math.log2(i + 2) for i, g in enumerate(ideal_grades))
        if ideal == 0:
            return None
        gained = sum(
            qrels.get(doc, 0) / math.log2(i + 2)
            for i, doc in enumerate(ranking[:k])
            if qrels.get(doc, 0) > 0
        )
        return gained / ideal
