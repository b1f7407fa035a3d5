from __future__ import annotations

from collections.abc import Sequence

from instructprobe.probes.measures.base import PairedMeasure, Qrels


class PairAccuracy(PairedMeasure):
    """NevIR's paired accuracy, for any directional edit: 1 when the top document is relevant
    under the original instruction *and* the top document of the edited ranking is relevant
    under the edited one, else 0. A retriever that ignores the edit cannot score on a pair
    whose relevant document flips, which is what makes it strict."""

    NAME = "pair-acc"
    CHANGE_RANGE = (0.0, 1.0)

    def score_pair(
        self, before: Sequence[str], after: Sequence[str], qrels_before: Qrels, qrels_after: Qrels
    ) -> float | None:
        if not before or not after:
            return None
        first_right = qrels_before.get(before[0], 0) > 0
        second_right = qrels_after.get(after[0], 0) > 0
        return float(first_right and second_right)
