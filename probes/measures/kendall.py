from __future__ import annotations

from collections.abc import Sequence

from probes.measures.base import PairedMeasure, Qrels


class KendallTau(PairedMeasure):
    """Kendall's τ-b between two rankings over the union of their top ``cutoff`` documents.

    A document missing from one ranking's list is placed after everything that ranking lists
    (tied with the other missing ones), so leaving the top k counts as a disagreement.
    1 = same order, -1 = reversed.
    """

    NAME = "tau"
    IDENTITY = 1.0

    def score_pair(
        self, before: Sequence[str], after: Sequence[str], qrels_before: Qrels, qrels_after: Qrels
    ) -> float | None:
        from scipy.stats import kendalltau

        k = self.cutoff or max(len(before), len(after))
        union = list(dict.fromkeys([*before[:k], *after[:k]]))
        if len(union) < 2:
            return None
        position_before = {d: i for i, d in enumerate(before)}
        position_after = {d: i for i, d in enumerate(after)}
        x = [position_before.get(d, len(before)) for d in union]
        y = [position_after.get(d, len(after)) for d in union]
        if len(set(x)) < 2 or len(set(y)) < 2:
            return 1.0 if x == y else 0.0
        return float(kendalltau(x, y).statistic)
