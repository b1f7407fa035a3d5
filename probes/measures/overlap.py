from __future__ import annotations

from collections.abc import Sequence

from instructprobe.probes.measures.base import PairedMeasure, Qrels


class Overlap(PairedMeasure):
    """Share of the original top ``cutoff`` documents still in the edited top ``cutoff``."""

    NAME = "overlap"
    IDENTITY = 1.0
    CHANGE_RANGE = (-1.0, 0.0)

    def score_pair(
        self, before: Sequence[str], after: Sequence[str], qrels_before: Qrels, qrels_after: Qrels
    ) -> float | None:
        k = self.cutoff or len(before)
        top = before[:k]
        if not top:
            return None
        return len(set(top).intersection(after[:k])) / len(top)
