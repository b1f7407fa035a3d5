"""A published benchmark's own score, computed by its published protocol, beside the probes.

The protocol is MTEB 2.26's evaluator (``mteb/_evaluators/retrieval_metrics.py``), which the
benchmarks' authors maintain there:

- **FollowIR** (Weller et al. 2024): the original instruction's ranking of each query's pool,
  scored with the original qrels (MAP@1000 for Robust04 and Core17, nDCG@5 for News21; both are
  given for every task), and p-MRR between the original and the changed instruction's
  rankings over the documents the benchmark lists for the change (``qrel_diff``), averaged per
  query, then over queries. The paper's tables were computed by MTEB v1, whose loader swapped
  the original and changed qrels (FollowIR issue #9, fixed in MTEB 2.0): the ``(v1 swap)`` rows
  score the original ranking with the changed qrels, which is what those tables report.
- **InstructIR** (Oh et al. 2024): nDCG@10 over instances, and Robustness@10, the mean over
  queries (the instance id up to its first ``_``, as MTEB groups them) of the lowest nDCG@10
  among the query's instances.
- **NevIR** (Weller et al. 2023): paired accuracy, the share of pairs whose two questions both
  rank their own passage first.

Ties are broken by document id, descending, as pytrec_eval and MTEB 2.26 break them. A query
the qrels judge without a relevant document scores 0 (pytrec_eval's nDCG and AP; a NevIR pair
is then wrong), where the probes leave it out: the loaders keep such queries' ids in
``Benchmark.without_relevant``. The values are fractions (reports show them ×100, as the papers
do).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from instructprobe.perturb import Request
from instructprobe.probes.measures import AP, NDCG
from instructprobe.probes.measures.base import rank_in
from instructprobe.probes.measures.pmrr import rank_change_score
from instructprobe.retrievers.base import Ranking
from instructprobe.suites import Query, Suite
from instructprobe.suites.model import Protocol

PROTOCOL_VERSION = "MTEB 2.26 evaluator (mteb/_evaluators/retrieval_metrics.py)"
V1_SWAP = " (v1 swap)"
"""Suffix of the rows scored as MTEB v1 scored FollowIR: original ranking, changed qrels."""


@dataclass(frozen=True)
class BenchmarkScore:
    """One metric of the benchmark for one retriever, over ``n`` queries (or pairs, or
    InstructIR's query groups)."""

    retriever: str
    metric: str
    value: float
    n: int


@dataclass(frozen=True)
class BenchmarkSection:
    """The benchmark's own numbers, labelled with what they were computed from."""

    benchmark: str
    """The benchmark and its paper."""
    protocol: str
    """What is scored, in a line."""
    version: str
    """Whose implementation of the protocol the numbers equal."""
    repository: str
    revision: str
    departures: tuple[str, ...]
    """Where the run departs from the published protocol (empty: none)."""
    scores: tuple[BenchmarkScore, ...]


@dataclass(frozen=True)
class _Described:
    benchmark: str
    protocol: str


DESCRIPTIONS = {
    Protocol.FOLLOWIR: _Described(
        "FollowIR (Weller et al. 2024, arXiv:2403.15246)",
        "reranking each query's pool; MAP@1000 and nDCG@5 of the original instruction's "
        "ranking (Robust04, Core17: MAP@1000; News21: nDCG@5), p-MRR over qrel_diff",
    ),
    Protocol.INSTRUCTIR: _Described(
        "InstructIR (Oh et al. 2024, arXiv:2402.14334)",
        "full retrieval per instance; nDCG@10, and Robustness@10 (lowest nDCG@10 of a query's "
        "instances, averaged over queries)",
    ),
    Protocol.NEVIR: _Described(
        "NevIR (Weller et al. 2023, arXiv:2305.07614)",
        "each question reranks its pair's two passages, the question alone as input; paired "
        "accuracy (both questions rank their own passage first)",
    ),
}


def changed_requests(suite: Suite, originals: Mapping[str, Request]) -> list[tuple[str, Request]]:
    """The requests the benchmark needs besides the original ones: each changed instruction,
    asked as its original is (query and order) and so as the curated family asks it: a run
    ranks it once, and the change is all that differs from the original ranking."""
    if suite.benchmark is None or suite.benchmark.protocol is Protocol.INSTRUCTIR:
        return []
    return [
        (q.id, replace(originals[q.id], instruction=q.changed.instruction))
        for q in suite.queries
        if q.changed and q.id in originals
    ]


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _ranked(
    queries: Sequence[Query],
    rankings: Mapping[str, Ranking],
    score: Callable[[Sequence[str], Mapping[str, int]], float | None],
    qrels: Callable[[Query], Mapping[str, int] | None],
    zeros: int,
) -> tuple[float, int] | None:
    """The mean score over the ranked queries and ``zeros`` more that score 0. A judged query
    without a relevant document scores 0, as in pytrec_eval (instructprobe's measures leave it
    undefined); a query without judgments is not scored, as pytrec_eval skips it."""
    values = [0.0] * zeros
    for query in queries:
        judged = qrels(query)
        if query.id in rankings and judged:
            values.append(score(rankings[query.id].doc_ids, judged) or 0.0)
    mean = _mean(values)
    return None if mean is None else (mean, len(values))


def p_mrr(
    queries: Sequence[Query], original: Mapping[str, Ranking], changed: Mapping[str, Ranking]
) -> tuple[float, int] | None:
    """FollowIR's p-MRR as MTEB computes it: per query, the mean rank-change score of the
    documents the benchmark lists for the change; then the mean over queries."""
    per_query = []
    for query in queries:
        if query.changed is None or query.id not in original or query.id not in changed:
            continue
        docs = query.changed.scored(query.qrels)
        before, after = original[query.id].doc_ids, changed[query.id].doc_ids
        scores = [rank_change_score(rank_in(before, d), rank_in(after, d)) for d in docs]
        if scores:
            per_query.append(sum(scores) / len(scores))
    mean = _mean(per_query)
    return None if mean is None else (mean, len(per_query))


def _followir(
    queries: Sequence[Query],
    original: Mapping[str, Ranking],
    changed: Mapping[str, Ranking],
    zeros: Sequence[str],
) -> dict[str, tuple[float, int] | None]:
    def og(q: Query) -> Mapping[str, int]:
        return q.qrels

    def swapped(q: Query) -> Mapping[str, int] | None:
        return q.changed.qrels if q.changed else None

    ap, ndcg, n = AP(1000), NDCG(5), len(zeros)
    return {
        "MAP@1000": _ranked(queries, original, ap.score, og, n),
        "nDCG@5": _ranked(queries, original, ndcg.score, og, n),
        "p-MRR": p_mrr(queries, original, changed),
        "MAP@1000" + V1_SWAP: _ranked(queries, original, ap.score, swapped, n),
        "nDCG@5" + V1_SWAP: _ranked(queries, original, ndcg.score, swapped, n),
    }


def mteb_group(query_id: str) -> str:
    """The query an InstructIR instance belongs to, as MTEB groups them (up to the first ``_``)."""
    return query_id.split("_")[0]


def _instructir(
    queries: Sequence[Query],
    original: Mapping[str, Ranking],
    changed: Mapping[str, Ranking],
    zeros: Sequence[str],
) -> dict[str, tuple[float, int] | None]:
    ndcg = NDCG(10)
    scores = {q: 0.0 for q in zeros} | {
        q.id: ndcg.score(original[q.id].doc_ids, q.qrels) or 0.0
        for q in queries
        if q.id in original
    }
    worst: dict[str, float] = defaultdict(lambda: float("inf"))
    for query_id, value in scores.items():
        worst[mteb_group(query_id)] = min(worst[mteb_group(query_id)], value)
    mean, robust = _mean(list(scores.values())), _mean(list(worst.values()))
    return {
        "nDCG@10": None if mean is None else (mean, len(scores)),
        "Robustness@10": None if robust is None else (robust, len(worst)),
    }


def _top_is_relevant(ranking: Ranking, qrels: Mapping[str, int]) -> bool:
    return bool(ranking.doc_ids) and qrels.get(ranking.doc_ids[0], 0) > 0


def _nevir(
    queries: Sequence[Query],
    original: Mapping[str, Ranking],
    changed: Mapping[str, Ranking],
    zeros: Sequence[str],
) -> dict[str, tuple[float, int] | None]:
    """A pair whose first question has no relevant passage is wrong, as MTEB counts it."""
    pairs = [False] * len(zeros) + [
        _top_is_relevant(original[q.id], q.qrels)
        and _top_is_relevant(changed[q.id], q.changed.qrels)
        for q in queries
        if q.changed is not None and q.id in original and q.id in changed
    ]
    mean = _mean([float(p) for p in pairs])
    return {"paired accuracy": None if mean is None else (mean, len(pairs))}


_SCORERS = {Protocol.FOLLOWIR: _followir, Protocol.INSTRUCTIR: _instructir, Protocol.NEVIR: _nevir}


def scores(
    retriever: str,
    suite: Suite,
    original: Mapping[str, Ranking],
    changed: Mapping[str, Ranking],
) -> list[BenchmarkScore]:
    """The benchmark's metrics for one retriever, from the rankings of each query's original
    and changed requests (by query id). Empty for a suite that is not a benchmark."""
    if suite.benchmark is None:
        return []
    found = _SCORERS[suite.benchmark.protocol](
        suite.queries, original, changed, suite.benchmark.without_relevant
    )
    return [
        BenchmarkScore(retriever, metric, value, n)
        for metric, result in found.items()
        if result is not None
        for value, n in [result]
    ]


def section(suite: Suite, found: Sequence[BenchmarkScore]) -> BenchmarkSection | None:
    """The results file's benchmark section, or ``None`` for a suite that is no benchmark."""
    if suite.benchmark is None:
        return None
    described = DESCRIPTIONS[suite.benchmark.protocol]
    return BenchmarkSection(
        benchmark=described.benchmark,
        protocol=described.protocol,
        version=PROTOCOL_VERSION,
        repository=suite.benchmark.repository,
        revision=suite.benchmark.revision,
        departures=suite.benchmark.departures,
        scores=tuple(found),
    )
