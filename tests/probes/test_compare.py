import dataclasses
import math

import numpy as np
import pytest

from instructprobe.core.errors import ProbeError
from instructprobe.perturb import Family
from instructprobe.probes.compare import Call, compare, to_dict
from instructprobe.probes.request import Correction
from instructprobe.probes.stats import adjust

CURATED, KEYWORDS, STRIP, PARAPHRASE = (
    Family.CURATED,
    Family.KEYWORDS,
    Family.STRIP,
    Family.PARAPHRASE,
)


def test_a_run_against_itself_changes_nothing(small_result):
    comparison = compare(small_result, small_result, all_metrics=True)
    assert len(comparison.changes) == len(small_result.cells)
    assert all(c.change == 0 and c.call is Call.UNCLEAR for c in comparison.changes)
    assert comparison.shared_queries == small_result.suite.queries == 45


def test_minilm_against_bm25_is_better_on_negation(bm25_only, minilm_only):
    comparison = compare(bm25_only, minilm_only)
    by_family = {c.family: c for c in comparison.changes}
    assert set(by_family) == {c.family for c in minilm_only.cells}
    curated = by_family[CURATED]
    assert (curated.base_retriever, curated.retriever) == ("bm25", "minilm")
    assert curated.call is Call.BETTER and curated.ci_low > 0
    # and the reverse direction is worse, by the same amount
    reverse = {c.family: c for c in compare(minilm_only, bm25_only).changes}[CURATED]
    assert reverse.call is Call.WORSE
    assert reverse.change == pytest.approx(-curated.change)


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
    candidate = _dropped(bm25_only, {KEYWORDS, STRIP})
    calls = {c.family: c.call for c in compare(bm25_only, candidate).changes}
    assert calls[KEYWORDS] is Call.BETTER, "a reader of the instruction drops without it"
    assert calls[STRIP] is Call.WORSE, "a collapse without the overlapping keywords is reliance"
    assert calls[PARAPHRASE] is Call.UNCLEAR


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


@pytest.mark.parametrize("correction", list(Correction))
def test_p_values_are_adjusted_over_the_compared_cells(bm25_only, minilm_only, correction):
    comparison = compare(bm25_only, minilm_only, all_metrics=True, correction=correction)
    assert comparison.correction is correction
    assert len(comparison.changes) == len(minilm_only.cells)
    expected = adjust([c.p_value for c in comparison.changes], correction)
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


def test_runs_of_different_suites_are_refused(small_result):
    other = dataclasses.replace(
        small_result, suite=dataclasses.replace(small_result.suite, sha256="0" * 64)
    )
    with pytest.raises(ProbeError, match=r"^not comparable: the runs used different suites"):
        compare(small_result, other)


def test_runs_with_different_cutoffs_are_refused(small_result):
    other = dataclasses.replace(small_result, request=small_result.request.replace(cutoff=5))
    with pytest.raises(ProbeError, match=r"^not comparable: cutoff 10 in the base, 5"):
        compare(small_result, other)


def test_runs_with_different_task_wide_instructions_are_refused(small_result):
    other = dataclasses.replace(
        small_result, request=small_result.request.replace(instruction="Find passages.")
    )
    with pytest.raises(
        ProbeError, match=r"^not comparable: .* different instructions \(--instruction none in"
    ):
        compare(small_result, other)


def test_runs_without_shared_queries_are_refused(small_result):
    cells = tuple(
        dataclasses.replace(
            c,
            per_query=tuple(dataclasses.replace(v, query_id="x" + v.query_id) for v in c.per_query),
        )
        for c in small_result.cells
    )
    with pytest.raises(ProbeError, match="share no query"):
        compare(small_result, dataclasses.replace(small_result, cells=cells))


def test_retrievers_are_paired_by_name_or_as_told(small_result, minilm_only):
    assert {c.retriever for c in compare(small_result, minilm_only).changes} == {"minilm"}
    told = compare(small_result, minilm_only, pairs=(("bm25", "minilm"),))
    assert {(c.base_retriever, c.retriever) for c in told.changes} == {("bm25", "minilm")}
    with pytest.raises(ProbeError, match="no retriever 'colbert'"):
        compare(small_result, minilm_only, pairs=(("colbert", "minilm"),))


def test_a_comparison_is_written_with_enums_and_measures_by_value(bm25_only, minilm_only):
    data = to_dict(compare(bm25_only, minilm_only))
    assert data["correction"] == "holm"
    first = data["changes"][0]
    assert first["call"] in {c.value for c in Call}
    assert first["family"] == "paraphrase" and first["metric"] == "nDCG@10"
