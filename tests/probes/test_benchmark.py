"""The benchmark section of a run on a benchmark's suite, beside the probes it keeps apart."""

from __future__ import annotations

from pathlib import Path

import pytest

from instructprobe.perturb import Family, Order, Request
from instructprobe.probes.benchmark import changed_requests
from instructprobe.probes.measures import PMRR
from instructprobe.probes.plan import plan
from instructprobe.probes.request import RunRequest
from instructprobe.probes.runner import Runner
from instructprobe.retrievers.bm25 import BM25
from instructprobe.suites import load_suite

FIXTURES = Path(__file__).parents[1] / "suites" / "fixtures"

pytestmark = pytest.mark.model  # BM25 ranks the fixtures


def run(spec: str, families: tuple[Family, ...], **settings):
    bm25 = BM25()
    request = RunRequest(
        retrievers=[bm25], families=families, cache=False, resamples=200, **settings
    )
    return Runner(request, load_suite(spec), [bm25]).run()


def deciding(result, family):
    (cell,) = [c for c in result.cells if c.family is family and c.decides]
    return cell


def test_followir_s_own_changes_and_generated_negations_are_decided_apart():
    result = run(
        f"followir:{FIXTURES / 'followir'}",
        (Family.CURATED, Family.NEGATION),
        operators=("predicate-negation", "preference-flip"),  # opt-in; the clause is a default
    )
    curated, generated = deciding(result, Family.CURATED), deciding(result, Family.NEGATION)
    assert curated.metric == PMRR() == generated.metric
    curated_ops = {v.operator for v in result.variants if v.family is Family.CURATED}
    generated_ops = {v.operator for v in result.variants if v.family is Family.NEGATION}
    assert curated_ops == {"curated"} and "curated" not in generated_ops
    assert result.benchmark is not None
    own = {s.metric: s.value for s in result.benchmark.scores}
    # one curated change per query, scored on the same documents: the curated cell's mean is
    # the benchmark's p-MRR (cells hold p-MRR on [-1, 1], as the section does)
    assert curated.delta == pytest.approx(own["p-MRR"], abs=1e-12)
    assert result.benchmark.departures == ()


def test_a_changed_instruction_is_asked_in_its_originals_order():
    """FollowIR is asked query first (as MTEB asks it): the benchmark's changed requests too,
    so the change of instruction is all that differs from the original ranking."""
    suite = load_suite(f"followir:{FIXTURES / 'followir'}")
    cases = plan(suite, (Family.CURATED,), 0, meaning=None).cases
    originals = {c.id: c.request for c in cases}
    changes = changed_requests(suite, originals)
    assert changes and {r.order for _, r in changes} == {Order.QUERY_FIRST}
    assert all(r.query == originals[case].query for case, r in changes)
    curated = {(v.case_id, v.request) for v in plan(suite, (Family.CURATED,), 0).variants}
    assert set(changes) <= curated, "ranked once: the curated family asks the same requests"


def test_nevir_pairs_are_scored_on_the_question_alone():
    suite = load_suite(f"nevir:{FIXTURES / 'nevir'}")
    bm25 = BM25()
    for query in suite.queries:
        assert bm25.template.render(Request(query.text, query.instruction)) == query.instruction
    result = run(f"nevir:{FIXTURES / 'nevir'}", (Family.CURATED,))
    assert result.benchmark is not None
    (score,) = result.benchmark.scores
    assert score.metric == "paired accuracy" and score.n == len(suite.queries)
    assert result.benchmark.benchmark.startswith("NevIR")


def test_a_limited_run_says_it_departs_from_the_protocol():
    result = run(f"followir:{FIXTURES / 'followir'}", (Family.CURATED,), limit=1)
    assert result.benchmark is not None
    assert any("--limit 1" in d for d in result.benchmark.departures)
