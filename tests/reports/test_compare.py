import dataclasses
import math

import numpy as np
import pytest

from instructprobe.core.errors import ProbeError
from instructprobe.reports.compare import (
    BETTER,
    UNCLEAR,
    WORSE,
    compare,
    headline,
    render_text,
    to_dict,
)


def test_a_run_against_itself_changes_nothing(starter_result):
    comparison = compare(starter_result, starter_result, all_metrics=True)
    assert len(comparison.changes) == len(starter_result.cells)
    assert all(c.change == 0 and c.call == UNCLEAR for c in comparison.changes)
    assert comparison.shared_queries == starter_result.settings.suite["queries"]


def test_minilm_against_bm25_is_better_on_negation(bm25_only, minilm_only):
    comparison = compare(bm25_only, minilm_only)
    by_family = {c.family: c for c in comparison.changes}
    assert set(by_family) == {c.family for c in minilm_only.cells}
    negation = by_family["negation"]
    assert (negation.base_retriever, negation.retriever) == ("bm25", "minilm")
    assert negation.call == BETTER and negation.ci_low > 0
    # and the reverse direction is worse, by the same amount
    reverse = {c.family: c for c in compare(minilm_only, bm25_only).changes}["negation"]
    assert reverse.call == WORSE
    assert reverse.change == pytest.approx(-negation.change)


def _dropped(result, families, by=0.2):
    """The run with every per-query change in ``families`` lowered by about ``by``."""
    cells = tuple(
        dataclasses.replace(
            c,
            per_query=tuple(
                dataclasses.replace(v, delta=v.delta - by - 0.01 * (i % 3))
                for i, v in enumerate(c.per_query)
            ),
        )
        if c.family in families
        else c
        for c in result.cells
    )
    return dataclasses.replace(result, cells=cells)


def test_a_larger_drop_is_better_in_the_keywords_family_and_worse_in_strip(bm25_only):
    candidate = _dropped(bm25_only, {"keywords", "strip"})
    calls = {c.family: c.call for c in compare(bm25_only, candidate).changes}
    assert calls["keywords"] == BETTER, "a reader of the instruction drops without its structure"
    assert calls["strip"] == WORSE, "a collapse without the overlapping keywords is reliance"
    assert calls["paraphrase"] == UNCLEAR


def test_the_change_is_paired_over_the_shared_queries(bm25_only, minilm_only):
    comparison = compare(bm25_only, minilm_only)
    for change in comparison.changes:
        base = next(
            c for c in bm25_only.cells if (c.family, c.metric) == (change.family, change.metric)
        )
        cand = next(
            c for c in minilm_only.cells if (c.family, c.metric) == (change.family, change.metric)
        )
        old = {v.query_id: v.delta for v in base.per_query}
        new = {v.query_id: v.delta for v in cand.per_query}
        shared = sorted(set(old) & set(new))
        assert change.n == len(shared)
        assert change.change == pytest.approx(np.mean([new[q] - old[q] for q in shared]))
        assert change.ci_low <= change.change <= change.ci_high


def test_p_values_are_adjusted_over_the_compared_cells(bm25_only, minilm_only):
    from instructprobe.probes.stats import Correction, adjust

    for correction in ("holm", "bh"):
        comparison = compare(bm25_only, minilm_only, all_metrics=True, correction=correction)
        assert len(comparison.changes) == len(minilm_only.cells)
        expected = adjust([c.p_value for c in comparison.changes], Correction(correction))
        got = [c.p_adjusted for c in comparison.changes]
        assert got == pytest.approx(expected, nan_ok=True)
        assert all(
            p >= c.p_value for p, c in zip(got, comparison.changes, strict=True) if math.isfinite(p)
        )


def test_fewer_shared_queries_pair_only_those(bm25_only, minilm_only):
    half = {q.query_id for q in next(iter(minilm_only.cells)).per_query[:20]}
    cells = tuple(
        dataclasses.replace(c, per_query=tuple(v for v in c.per_query if v.query_id in half))
        for c in minilm_only.cells
    )
    comparison = compare(bm25_only, dataclasses.replace(minilm_only, cells=cells))
    assert comparison.shared_queries == 20
    assert comparison.base_only == 25
    assert all(c.n <= 20 for c in comparison.changes)


def test_runs_of_different_suites_are_refused(starter_result):
    suite = {**starter_result.settings.suite, "sha256": "0" * 64}
    other = dataclasses.replace(
        starter_result, settings=dataclasses.replace(starter_result.settings, suite=suite)
    )
    with pytest.raises(ProbeError, match=r"^not comparable: the runs used different suites"):
        compare(starter_result, other)


def test_runs_without_shared_queries_are_refused(starter_result):
    cells = tuple(
        dataclasses.replace(
            c,
            per_query=tuple(dataclasses.replace(v, query_id="x" + v.query_id) for v in c.per_query),
        )
        for c in starter_result.cells
    )
    with pytest.raises(ProbeError, match="share no query"):
        compare(starter_result, dataclasses.replace(starter_result, cells=cells))


def test_retrievers_are_paired_by_name_or_as_told(starter_result, minilm_only):
    assert {c.retriever for c in compare(starter_result, minilm_only).changes} == {"minilm"}
    told = compare(starter_result, minilm_only, pairs=(("bm25", "minilm"),))
    assert {(c.base_retriever, c.retriever) for c in told.changes} == {("bm25", "minilm")}
    with pytest.raises(ProbeError, match="no retriever 'colbert'"):
        compare(starter_result, minilm_only, pairs=(("colbert", "minilm"),))


def test_report_says_what_got_better_and_worse(bm25_only, minilm_only):
    comparison = compare(bm25_only, minilm_only)
    lines = headline(comparison)
    assert lines[0].startswith("Better: ") and "negation p-MRR" in lines[0]
    assert lines[1] == "Worse: nothing"
    text = render_text(comparison, "bm25.json", "minilm.json")
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "better" in text and "bm25 → minilm" in text
    data = to_dict(comparison)
    assert data["changes"][0]["call"] in (BETTER, WORSE, UNCLEAR)
