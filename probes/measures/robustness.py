"""InstructIR's Robustness@k: for each query, the worst score over its instructions."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping


def robustness(scores: Mapping[str, float], query_of: Mapping[str, str]) -> float | None:
    """Mean over queries of the minimum score among the query's instances.

    ``scores`` maps an instance (one query with one instruction) to its score, e.g. nDCG@10;
    ``query_of`` maps the instance to its query. Grouping is by the query, not the instance
    id, as in InstructIR (Oh et al. 2024). ``None`` without instances.
    """
    worst: dict[str, float] = defaultdict(lambda: float("inf"))
    for instance, score in scores.items():
        query = query_of[instance]
        worst[query] = min(worst[query], score)
    return sum(worst.values()) / len(worst) if worst else None
