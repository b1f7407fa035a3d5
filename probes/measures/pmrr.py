from __future__ import annotations

from collections.abc import Sequence

from instructprobe.probes.measures.base import PairedMeasure, Qrels, rank_in


def rank_change_score(rank_before: int, rank_after: int) -> float:
    """FollowIR's per-document score: positive when a document that lost relevance moved down."""
    if rank_before >= rank_after:
        return rank_after / rank_before - 1.0
    return 1.0 - rank_before / rank_after


class PMRR(PairedMeasure):
    """p-MRR (FollowIR, Weller et al. 2024), per query, as MTEB computes it.

    Over the documents whose judgment changed between the two instructions: 1-based ranks in
    each run, a document missing from a run ranked at ``len(run) + 1``; the per-document
    scores are averaged for the query. Ties must already be broken in the rankings (by document
    id, as ``retrievers.top_k`` does). Documents that became relevant are scored with the sign
    flipped, so positive always means "moved the way the instruction asked". ``None`` when no
    judgment changed. Scale: [-1, 1]; reports show it ×100.
    """

    NAME = "p-MRR"
    SCORES_MOVES = True
    SCALE = 100.0
    CHANGE_RANGE = (-1.0, 1.0)
    DIGITS = 1

    def score_pair(
        self, before: Sequence[str], after: Sequence[str], qrels_before: Qrels, qrels_after: Qrels
    ) -> float | None:
        changed = sorted(
            doc
            for doc in set(qrels_before) | set(qrels_after)
            if (qrels_before.get(doc, 0) > 0) != (qrels_after.get(doc, 0) > 0)
        )
        if not changed:
            return None
        scores = []
        for doc in changed:
            score = rank_change_score(rank_in(before, doc), rank_in(after, doc))
            became_relevant = qrels_after.get(doc, 0) > 0
            scores.append(-score if became_relevant else score)
        return sum(scores) / len(scores)
