"""InstructIR's Robustness@k, and the worst variant of one query: the two "worst case" measures.

They are not computed from one ranking: ``Robustness`` aggregates nDCG@k over the instances that
share a query, ``WorstVariant`` takes one query's worst nDCG@k over its variants. Both are
measures so that their names parse, and reports know their direction and scale.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from instructprobe.probes.measures.base import Measure


class Robustness(Measure):
    """InstructIR's Robustness@k (Oh et al. 2024): the mean over queries of the minimum nDCG@k
    among the query's instances (one query with one instruction each)."""

    NAME = "Robustness"

    def aggregate(self, scores: Mapping[str, float], query_of: Mapping[str, str]) -> float | None:
        """``scores``: nDCG@k per instance; ``query_of``: each instance's query (grouping is by
        the query, not the instance id, as in InstructIR). ``None`` without instances."""
        return robustness(scores, query_of)


class WorstVariant(Measure):
    """One query's worst nDCG@k over its original instruction and a family's variants of it,
    against the original (so the change is never positive). Not InstructIR's Robustness@k,
    which takes the minimum over a query's *different instructions*."""

    NAME = "worst-nDCG"
    CHANGE_RANGE = (-1.0, 0.0)


def robustness(scores: Mapping[str, float], query_of: Mapping[str, str]) -> float | None:
    """Mean over queries of the minimum score among the query's instances."""
    worst: dict[str, float] = defaultdict(lambda: float("inf"))
    for instance, score in scores.items():
        query = query_of[instance]
        worst[query] = min(worst[query], score)
    return sum(worst.values()) / len(worst) if worst else None
