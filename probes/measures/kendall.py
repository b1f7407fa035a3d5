from __future__ import annotations

import math
from collections.abc import Sequence

from instructprobe.probes.measures.base import PairedMeasure, Qrels, rank_in


class KendallTau(PairedMeasure):
    """Kendall's τ-b between two rankings over the union of their top ``cutoff`` documents.

    A document missing from one ranking's list is placed after everything that ranking lists
    (tied with the other missing ones), so leaving the top k counts as a disagreement.
    1 = same order, -1 = reversed; two top k that are the same one document agree (1), as any
    two equal top k do.
    """

    NAME = "tau"
    IDENTITY = 1.0
    CHANGE_RANGE = (-2.0, 0.0)

    def score_pair(
        self, before: Sequence[str], after: Sequence[str], qrels_before: Qrels, qrels_after: Qrels
    ) -> float | None:
        k = self.cutoff or max(len(before), len(after))
        union = list(dict.fromkeys([*before[:k], *after[:k]]))
        if len(union) < 2:
            # both top k are the one same document: at k = 1 an unchanged top must count as
            # unchanged, or a cell averages only the queries whose top document moved
            return 1.0 if before[:k] and after[:k] else None
        x = [rank_in(before, d) for d in union]
        y = [rank_in(after, d) for d in union]
        if len(set(x)) < 2 or len(set(y)) < 2:
            return 1.0 if x == y else 0.0
        return tau_b(x, y)


def tau_b(x: Sequence[int], y: Sequence[int]) -> float:
    """Kendall's τ-b of two rank lists, with ties (scipy's ``kendalltau`` statistic).

    Over all pairs: (concordant − discordant) / √(pairs untied in x · pairs untied in y). The
    lists are a top-k union (tens of items), where this direct count beats scipy's per-call
    overhead; both have at least two distinct values.
    """
    import numpy as np

    first, second = np.triu_indices(len(x), 1)
    xs, ys = np.asarray(x), np.asarray(y)
    dx = np.sign(xs[first] - xs[second])
    dy = np.sign(ys[first] - ys[second])
    score = int(np.dot(dx, dy))
    return score / math.sqrt(int(np.count_nonzero(dx)) * int(np.count_nonzero(dy)))
