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
from dataclasses import dataclass, field, replace

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


QueryValues = dict[str, float]
"""One query's value of each of the benchmark's metrics it has one for."""
PerQuery = Callable[[Query, Ranking | None, Ranking | None], QueryValues]
"""A query's values from its original and changed rankings (None: not ranked)."""


def _scored(
    ranking: Ranking | None,
    qrels: Mapping[str, int] | None,
    score: Callable[[Sequence[str], Mapping[str, int]], float | None],
) -> float | None:
    """A judged query without a relevant document scores 0, as in pytrec_eval (instructprobe's
    measures leave it undefined); a query without judgments is not scored, as pytrec_eval
    skips it."""
    if ranking is None or not qrels:
        return None
    return score(ranking.doc_ids, qrels) or 0.0


def query_p_mrr(query: Query, original: Ranking | None, changed: Ranking | None) -> float | None:
    """FollowIR's p-MRR of one query as MTEB computes it: the mean rank-change score of the
    documents the benchmark lists for the change."""
    if query.changed is None or original is None or changed is None:
        return None
    docs = query.changed.scored(query.qrels)
    before, after = original.doc_ids, changed.doc_ids
    scores = [rank_change_score(rank_in(before, d), rank_in(after, d)) for d in docs]
    return sum(scores) / len(scores) if scores else None


def _followir(query: Query, original: Ranking | None, changed: Ranking | None) -> QueryValues:
    swapped = query.changed.qrels if query.changed else None
    ap, ndcg = AP(1000).score, NDCG(5).score
    found = {
        "MAP@1000": _scored(original, query.qrels, ap),
        "nDCG@5": _scored(original, query.qrels, ndcg),
        "p-MRR": query_p_mrr(query, original, changed),
        "MAP@1000" + V1_SWAP: _scored(original, swapped, ap),
        "nDCG@5" + V1_SWAP: _scored(original, swapped, ndcg),
    }
    return {metric: value for metric, value in found.items() if value is not None}


def mteb_group(query_id: str) -> str:
    """The query an InstructIR instance belongs to, as MTEB groups them (up to the first ``_``)."""
    return query_id.split("_")[0]


def _instructir(query: Query, original: Ranking | None, changed: Ranking | None) -> QueryValues:
    value = _scored(original, query.qrels, NDCG(10).score)
    return {} if value is None else {"nDCG@10": value}


def _top_is_relevant(ranking: Ranking, qrels: Mapping[str, int]) -> bool:
    return bool(ranking.doc_ids) and qrels.get(ranking.doc_ids[0], 0) > 0


def _nevir(query: Query, original: Ranking | None, changed: Ranking | None) -> QueryValues:
    if query.changed is None or original is None or changed is None:
        return {}
    both = _top_is_relevant(original, query.qrels) and _top_is_relevant(
        changed, query.changed.qrels
    )
    return {"paired accuracy": float(both)}


_PER_QUERY: dict[Protocol, PerQuery] = {
    Protocol.FOLLOWIR: _followir,
    Protocol.INSTRUCTIR: _instructir,
    Protocol.NEVIR: _nevir,
}


Aggregate = Callable[[Mapping[str, float]], tuple[float, int] | None]
"""From per-query values (by query id, in the suite's order) to the metric and its n."""


def _over_queries(values: Mapping[str, float]) -> tuple[float, int] | None:
    mean = _mean(list(values.values()))
    return None if mean is None else (mean, len(values))


def _robustness(values: Mapping[str, float]) -> tuple[float, int] | None:
    """InstructIR's Robustness@10 from nDCG@10: the lowest of each query group, averaged."""
    worst: dict[str, float] = defaultdict(lambda: float("inf"))
    for query_id, value in values.items():
        worst[mteb_group(query_id)] = min(worst[mteb_group(query_id)], value)
    mean = _mean(list(worst.values()))
    return None if mean is None else (mean, len(worst))


@dataclass(frozen=True)
class _Metric:
    name: str
    aggregate: Aggregate = _over_queries
    source: str | None = None
    """The per-query value it aggregates (None: its own)."""
    counts_without_relevant: bool = True
    """Whether a query judged without a relevant document counts, as 0 (MTEB's p-MRR only
    scores the changes ``qrel_diff`` lists)."""


METRICS = {
    Protocol.FOLLOWIR: tuple(
        _Metric(name, counts_without_relevant=name != "p-MRR")
        for name in ("MAP@1000", "nDCG@5", "p-MRR", "MAP@1000" + V1_SWAP, "nDCG@5" + V1_SWAP)
    ),
    Protocol.INSTRUCTIR: (_Metric("nDCG@10"), _Metric("Robustness@10", _robustness, "nDCG@10")),
    Protocol.NEVIR: (_Metric("paired accuracy"),),
}
"""Each benchmark's metrics, in the order the section lists them."""


@dataclass
class Tally:
    """One retriever's per-query values of the benchmark's metrics, gathered as its rankings
    come (a run ranks a chunk of queries at a time and keeps only these values, not the
    rankings), then averaged over the suite's queries in order, as the benchmark averages."""

    suite: Suite
    values: dict[str, QueryValues] = field(default_factory=dict)
    """Per query id: its values."""

    def __post_init__(self) -> None:
        self._queries = {q.id: q for q in self.suite.queries}

    def add(self, original: Mapping[str, Ranking], changed: Mapping[str, Ranking]) -> None:
        """The values of the queries ranked in ``original`` (by query id; ``changed``: the
        rankings of their changed instructions)."""
        if self.suite.benchmark is None:
            return
        per_query = _PER_QUERY[self.suite.benchmark.protocol]
        for query_id, ranking in original.items():
            query = self._queries.get(query_id)
            if query is not None:
                self.values[query_id] = per_query(query, ranking, changed.get(query_id))

    def scores(self, retriever: str) -> list[BenchmarkScore]:
        """The benchmark's metrics over the queries added (empty for a suite that is not a
        benchmark)."""
        if self.suite.benchmark is None:
            return []
        found = [
            (metric.name, metric.aggregate(self._column(metric)))
            for metric in METRICS[self.suite.benchmark.protocol]
        ]
        return [
            BenchmarkScore(retriever, metric, value, n)
            for metric, result in found
            if result is not None
            for value, n in [result]
        ]

    def _column(self, metric: _Metric) -> dict[str, float]:
        """The value ``metric`` aggregates of each query that has one, in the suite's order,
        then 0 for each query judged without a relevant document where the metric counts it."""
        name = metric.source or metric.name
        found = ((q.id, self.values.get(q.id, {}).get(name)) for q in self.suite.queries)
        column = {query_id: value for query_id, value in found if value is not None}
        if metric.counts_without_relevant and self.suite.benchmark is not None:
            column |= dict.fromkeys(self.suite.benchmark.without_relevant, 0.0)
        return column


def scores(
    retriever: str,
    suite: Suite,
    original: Mapping[str, Ranking],
    changed: Mapping[str, Ranking],
) -> list[BenchmarkScore]:
    """The benchmark's metrics for one retriever, from the rankings of each query's original
    and changed requests (by query id). Empty for a suite that is not a benchmark."""
    tally = Tally(suite)
    tally.add(original, changed)
    return tally.scores(retriever)


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
