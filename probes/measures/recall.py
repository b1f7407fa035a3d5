from __future__ import annotations

from collections.abc import Sequence

from instructprobe.probes.measures.base import Qrels, RankingMeasure


class Recall(RankingMeasure):
    """Share of the relevant documents (grade >= 1) found in the top ``cutoff``."""

    NAME = "R"

    def score(self, ranking: Sequence[str], qrels: Qrels) -> float | None:
        relevant = {d for d, g in qrels.items() if g > 0}
        if not relevant:
            return None
        return len(relevant.intersection(ranking[: self.cutoff or len(ranking)])) / len(relevant)
