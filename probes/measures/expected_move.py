from __future__ import annotations

from collections.abc import Sequence

from instructprobe.probes.measures.base import PairedMeasure, Qrels, rank_in


class ExpectedMove(PairedMeasure):
    """Mean rank change of the documents whose judgment the edit changed, signed so that a move
    in the instructed direction is positive (a dropped document moving from rank 2 to 9 is +7).

    Missing documents rank at ``len(run) + 1``, as in p-MRR. ``None`` when no judgment changed.
    """

    NAME = "moved"
    SCORES_MOVES = True

    def score_pair(
        self, before: Sequence[str], after: Sequence[str], qrels_before: Qrels, qrels_after: Qrels
    ) -> float | None:
        changed = [
            d
            for d in sorted(set(qrels_before) | set(qrels_after))
            if (qrels_before.get(d, 0) > 0) != (qrels_after.get(d, 0) > 0)
        ]
        if not changed:
            return None
        moves = []
        for d in changed:
            move = rank_in(after, d) - rank_in(before, d)
            moves.append(-move if qrels_after.get(d, 0) > 0 else move)
        return sum(moves) / len(moves)
