"""Two runs side by side: for each cell both runs have, the candidate's change against the base,
paired over the queries both runs measured, with a bootstrap CI and a corrected p-value. What
got better, what got worse, and is it real.

The statistics are the ones that made each run's cells (``analysis.adjusted_summaries``): a
Wilcoxon signed-rank p and a BCa bootstrap CI of the paired differences. A comparison flags
changes; a release gate built on it (``not-worse``) fails on a significant regression, so it
wants the power of the rank test, not the caution of the bounded-mean tests the verdicts use.
``reports.compare`` renders a comparison."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from textwrap import shorten

from instructprobe.core.enums import ValueEnum
from instructprobe.core.errors import ProbeError
from instructprobe.perturb.model import Family
from instructprobe.probes.analysis import Group, adjusted_summaries
from instructprobe.probes.measures import Measure
from instructprobe.probes.request import Correction
from instructprobe.probes.results import Cell, RunResult, Verdict, to_json_value
from instructprobe.probes.verdicts import rise_is_better


class Call(ValueEnum):
    """What a change amounts to, by its adjusted p and the direction its measure counts."""

    BETTER = "better"
    WORSE = "worse"
    UNCLEAR = "no clear change"


@dataclass(frozen=True)
class Change:
    """One cell's change from the base run to the candidate, over their shared queries."""

    base_retriever: str
    retriever: str
    family: Family
    metric: Measure
    decides: bool
    base: float
    """The base run's mean delta over the shared queries."""
    candidate: float
    change: float
    """Mean of the per-query differences (candidate delta − base delta)."""
    ci_low: float
    ci_high: float
    p_value: float
    p_adjusted: float
    n: int
    base_verdict: Verdict | None
    verdict: Verdict | None
    call: Call


@dataclass(frozen=True)
class Comparison:
    suite: str
    sha256: str
    alpha: float
    correction: Correction
    resamples: int
    shared_queries: int
    base_only: int
    candidate_only: int
    changes: tuple[Change, ...]
    notes: tuple[str, ...] = ()

    def of(self, call: Call) -> list[Change]:
        return [c for c in self.changes if c.call == call]


def pairs_of(
    base: RunResult, candidate: RunResult, pairs: Sequence[tuple[str, str]] = ()
) -> list[tuple[str, str]]:
    """Which base retriever each candidate retriever is compared with: as given, else the
    retrievers both runs have, else the only one of each."""
    base_names, names = base.retriever_names(), candidate.retriever_names()
    if pairs:
        for b, c in pairs:
            if b not in base_names:
                raise ProbeError(
                    f"the base run has no retriever {b!r} (it has {', '.join(base_names)})"
                )
            if c not in names:
                raise ProbeError(
                    f"the candidate run has no retriever {c!r} (it has {', '.join(names)})"
                )
        return list(pairs)
    shared = [(n, n) for n in names if n in base_names]
    if shared:
        return shared
    if len(base_names) == 1 and len(names) == 1:
        return [(base_names[0], names[0])]
    raise ProbeError(
        f"no retriever to compare: the base run has {', '.join(base_names) or 'none'}, the "
        f"candidate {', '.join(names) or 'none'}; pair them with --pair BASE=CANDIDATE"
    )


def check_comparable(base: RunResult, candidate: RunResult) -> None:
    """Refuse, in one line, runs whose numbers do not measure the same thing."""
    a, b = base.suite, candidate.suite
    if (a.sha256 or "") != (b.sha256 or ""):
        raise ProbeError(
            f"not comparable: the runs used different suites (base {a.name} sha256 "
            f"{_short(a.sha256)}, candidate {b.name} sha256 {_short(b.sha256)})"
        )
    if base.request.instruction != candidate.request.instruction:
        raise ProbeError(
            "not comparable: the runs gave the queries without one different instructions "
            f"(--instruction {_given(base.request.instruction)} in the base, "
            f"{_given(candidate.request.instruction)} in the candidate)"
        )
    if base.request.cutoff != candidate.request.cutoff:
        raise ProbeError(
            f"not comparable: cutoff {base.request.cutoff} in the base, "
            f"{candidate.request.cutoff} in the candidate"
        )


def _given(instruction: str | None) -> str:
    return "none" if instruction is None else repr(shorten(instruction, 40, placeholder="…"))


def _short(sha256: str | None) -> str:
    return sha256[:12] if sha256 else "–"


def _queries(result: RunResult) -> set[str]:
    return {v.query_id for c in result.cells for v in c.per_query}


def _cells(
    result: RunResult, retriever: str, all_metrics: bool
) -> dict[tuple[Family, Measure], Cell]:
    return {
        (c.family, c.metric): c
        for c in result.cells
        if c.retriever == retriever and (c.decides or all_metrics)
    }


def _call(change: float, p_adjusted: float, cell: Cell, alpha: float) -> Call:
    if not (math.isfinite(p_adjusted) and p_adjusted < alpha) or change == 0:
        return Call.UNCLEAR
    better = (change > 0) == rise_is_better(cell.metric, cell.expectation)
    return Call.BETTER if better else Call.WORSE


def compare(
    base: RunResult,
    candidate: RunResult,
    pairs: Sequence[tuple[str, str]] = (),
    all_metrics: bool = False,
    alpha: float | None = None,
    correction: Correction | str | None = None,
    resamples: int | None = None,
) -> Comparison:
    """The candidate against the base, cell by cell (the deciding cells unless
    ``all_metrics``); p-values adjusted over every compared cell."""
    import numpy as np

    check_comparable(base, candidate)
    matched = pairs_of(base, candidate, pairs)
    shared = _queries(base) & _queries(candidate)
    if not shared:
        raise ProbeError("not comparable: the runs share no query")
    r = candidate.request
    alpha = r.alpha if alpha is None else alpha
    method = r.correction if correction is None else Correction(correction)
    resamples = resamples or r.resamples
    groups = []
    for base_name, name in matched:
        before = _cells(base, base_name, all_metrics)
        for key, cell in _cells(candidate, name, all_metrics).items():
            old = before.get(key)
            if old is None:
                continue
            olds = {v.query_id: v.delta for v in old.per_query if math.isfinite(v.delta)}
            news = {v.query_id: v.delta for v in cell.per_query if math.isfinite(v.delta)}
            ids = sorted(set(olds) & set(news) & shared)
            stream = ("compare", base_name, name, cell.family.value, str(cell.metric))
            paired = _Paired(base_name, old, cell, ids, olds, news)
            groups.append(Group(paired, [news[q] - olds[q] for q in ids], stream))
    if not groups:
        raise ProbeError("not comparable: the runs have no (family, metric) cell in common")
    changes = []
    for tested in adjusted_summaries(groups, r.seed, resamples, method):
        base_name, old, cell, ids, olds, news = tested.key.fields()
        mean = tested.summary.mean
        changes.append(
            Change(
                base_retriever=base_name,
                retriever=cell.retriever,
                family=cell.family,
                metric=cell.metric,
                decides=cell.decides,
                base=float(np.mean([olds[q] for q in ids])) if ids else math.nan,
                candidate=float(np.mean([news[q] for q in ids])) if ids else math.nan,
                change=mean,
                ci_low=tested.summary.ci_low,
                ci_high=tested.summary.ci_high,
                p_value=tested.summary.p_value,
                p_adjusted=tested.p_adjusted,
                n=tested.summary.n,
                base_verdict=old.verdict,
                verdict=cell.verdict,
                call=_call(mean, tested.p_adjusted, cell, alpha),
            )
        )
    notes = []
    if base.request.seed != r.seed:
        notes.append(
            f"the runs used different seeds ({base.request.seed}, {r.seed}), so their variants "
            "differ; each query's variants are averaged before pairing"
        )
    base_queries, queries = _queries(base), _queries(candidate)
    return Comparison(
        suite=candidate.suite.name,
        sha256=candidate.suite.sha256 or "",
        alpha=alpha,
        correction=method,
        resamples=resamples,
        shared_queries=len(shared),
        base_only=len(base_queries - shared),
        candidate_only=len(queries - shared),
        changes=tuple(changes),
        notes=tuple(notes),
    )


@dataclass(frozen=True)
class _Paired:
    """One candidate cell, the base cell it is paired with, and their shared queries' deltas."""

    base_name: str
    old: Cell
    cell: Cell
    ids: list[str]
    olds: dict[str, float]
    news: dict[str, float]

    def fields(self) -> tuple[str, Cell, Cell, list[str], dict[str, float], dict[str, float]]:
        return self.base_name, self.old, self.cell, self.ids, self.olds, self.news


def to_dict(comparison: Comparison) -> dict[str, object]:
    """The comparison as JSON values (enums and measures by value, no NaN)."""
    data = to_json_value(comparison)
    assert isinstance(data, dict)
    return data
