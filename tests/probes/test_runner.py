import json
import math

import numpy as np
import pytest

from instructprobe.perturb import ExpectationKind, Family, Request
from instructprobe.probes.measures import NDCG, PMRR, RankShift
from instructprobe.probes.request import RunRequest
from instructprobe.probes.results import RunResult, Verdict
from instructprobe.probes.runner import Runner
from instructprobe.probes.verdicts import SensitivityRule, Thresholds
from instructprobe.retrievers.bm25 import BM25
from instructprobe.retrievers.dense import SentenceTransformerRetriever

FAMILIES = set(Family)


def run_with(suite, retrievers, **settings):
    """One run of ``retrievers`` (objects) over ``suite``, with request ``settings``."""
    request = RunRequest(retrievers=retrievers, **settings)
    return Runner(request, suite, retrievers).run()


class CountingBM25(BM25):
    def __init__(self):
        super().__init__(name="bm25")
        self.indexed = 0

    def index(self, doc_ids, doc_texts, progress=None):
        self.indexed += 1
        return super().index(doc_ids, doc_texts, progress)


class CountingModel:
    """The real MiniLM, recording every text it encodes."""

    def __init__(self, model):
        self.model = model
        self.similarity_fn_name = model.similarity_fn_name
        self.encoded = []

    def encode(self, texts, **kwargs):
        self.encoded.extend(texts)
        return self.model.encode(texts, **kwargs)


def test_every_family_gets_a_verdict_for_every_retriever(starter_result):
    verdicts = starter_result.verdicts()
    perturbed = {v.family for v in starter_result.variants}
    assert perturbed >= {
        Family.PARAPHRASE,
        Family.CURATED,
        Family.REORDER,
        Family.STRIP,
        Family.KEYWORDS,
    }
    assert {family for _, family in verdicts} == perturbed
    assert {retriever for retriever, _ in verdicts} == {"bm25", "minilm"}
    for cell in verdicts.values():
        assert isinstance(cell.verdict, Verdict)
        # the exclusion clause names something on 25 of the 45 queries
        assert cell.rule and cell.n >= (20 if cell.family is Family.NEGATION else 40)


def test_directional_cells_carry_pmrr_and_invariant_cells_ndcg(starter_result):
    metrics = {(c.family, c.metric) for c in starter_result.cells}
    assert (Family.CURATED, PMRR()) in metrics
    assert (Family.PARAPHRASE, NDCG(10)) in metrics
    assert (Family.PARAPHRASE, RankShift(10)) in metrics
    deciding = {c.family: c.metric for c in starter_result.cells if c.decides}
    for family in Family:
        if family in deciding:
            directional = family.expectation_kind is ExpectationKind.DIRECTIONAL
            assert deciding[family] == (PMRR() if directional else NDCG(10))


def test_bm25_reads_instructions_as_bags_of_words(starter_result):
    verdicts = starter_result.verdicts()
    reorder = verdicts[("bm25", Family.REORDER)]
    assert reorder.delta == 0 and reorder.claim == "|ΔnDCG@10| < 0.05", "order cannot move BM25"
    assert reorder.verdict is Verdict.INCONCLUSIVE, "but 45 queries cannot show it"
    assert reorder.reason is not None and "it takes at least" in reorder.reason
    negated = verdicts[("bm25", Family.CURATED)]
    assert negated.delta < 0 and negated.verdict is Verdict.BREAKS, (
        "naming what is excluded pulls its documents up"
    )


def test_a_keywords_run_is_decided_by_the_sensitivity_rule(starter, bm25):
    result = run_with(starter, [bm25], families="keywords", limit=15, resamples=500)
    assert {v.family for v in result.variants} == {Family.KEYWORDS}
    assert {v.operator for v in result.variants} == {"keywords-only"}
    assert {v.expectation for v in result.variants} == {ExpectationKind.SENSITIVE}
    assert result.request.families == (Family.KEYWORDS,)
    (cell,) = result.verdicts().values()
    assert (cell.family, cell.expectation, cell.metric) == (
        Family.KEYWORDS,
        ExpectationKind.SENSITIVE,
        NDCG(10),
    )
    rule = SensitivityRule(Thresholds.of(result.request), NDCG(10))
    assert cell.rule == rule.describe()
    deltas = np.array([v.delta for v in cell.per_query])
    assert cell.p_holds == rule.holds.p(deltas, rule.bounds)
    assert cell.p_breaks == rule.breaks.p(deltas, rule.bounds)
    # one deciding cell: nothing to adjust for
    assert (cell.p_holds_adjusted, cell.p_breaks_adjusted) == (cell.p_holds, cell.p_breaks)
    assert cell.verdict is rule.decide(cell.p_holds, cell.p_breaks)
    # BM25 scores a bag of words, so the change stays inside the margin, which is the
    # bag-of-keywords reading; but 15 queries cannot show it.
    assert abs(cell.delta) < result.request.margin and cell.verdict is Verdict.INCONCLUSIVE
    assert cell.claim == "|ΔnDCG@10| < 0.05" and cell.reason.startswith("15 queries cannot")


@pytest.mark.slow
def test_enough_queries_show_that_word_order_cannot_move_bm25(bm25):
    """On 200 InstructIR instances BM25's reorder family holds: every change is 0, and 200
    queries are enough for the bounded test to show |ΔnDCG@10| < 0.05."""
    from instructprobe.core.errors import SuiteError
    from instructprobe.suites import load_suite

    try:
        suite = load_suite("instructir-lite")
    except SuiteError:
        pytest.skip("InstructIR's files are not beside the checkout (../shared/data/instructir)")
    result = run_with(suite, [bm25], families="reorder", limit=200, resamples=200)
    (cell,) = result.verdicts().values()
    assert cell.delta == 0 and cell.n == 200
    assert cell.verdict is Verdict.HOLDS and cell.claim == "|ΔnDCG@10| < 0.05"
    assert cell.claim_p is not None and cell.claim_p < 0.001


def test_cell_values_are_the_mean_of_per_query_values(starter_result):
    for cell in starter_result.cells:
        deltas = [q.delta for q in cell.per_query]
        assert cell.n == len(deltas)
        assert cell.delta == pytest.approx(sum(deltas) / len(deltas))
        if cell.interval != "none":
            assert cell.ci_low <= cell.delta + 1e-12 and cell.delta <= cell.ci_high + 1e-12


@pytest.mark.model
def test_corpus_is_indexed_once_per_run(starter):
    retriever = CountingBM25()
    run_with(starter, [retriever], resamples=200)
    assert retriever.indexed == 1


def test_dense_retriever_encodes_each_text_once(starter, minilm):
    counting = SentenceTransformerRetriever("minilm", minilm.model_path)
    counting._model = CountingModel(minilm.model)
    result = run_with(starter, [counting], limit=4, resamples=200, cache=False)
    encoded = counting._model.encoded
    assert len(encoded) == len(set(encoded)), "no text is encoded twice"
    documents = {d.text for d in starter.documents}
    originals = [Request(q.text, q.instruction) for q in starter.queries[:4]]
    variants = [Request(v.query, v.instruction, v.order) for v in result.variants]
    queries = {counting.template.render(r) for r in originals + variants}
    assert set(encoded) == documents | queries


def test_same_seed_same_results_different_seed_different_variants(starter, bm25):
    def run(seed):
        result = run_with(starter, [bm25], families="paraphrase", seed=seed, limit=10)
        return result.to_dict()

    assert run(3) == run(3)
    assert run(3)["variants"] != run(4)["variants"]


def test_results_round_trip_through_json(tmp_path, starter_result):
    path = tmp_path / "results.json"
    starter_result.write_json(path)
    data = json.loads(path.read_text())
    assert data["schema_version"] == 4 and "variants" not in data and "outcomes" not in data
    assert data["outcomes_file"]["name"] == "results.outcomes.parquet"
    assert (tmp_path / "results.outcomes.parquet").is_file()
    assert data["per_query_file"]["name"] == "results.per-query.parquet"
    assert (tmp_path / "results.per-query.parquet").is_file()
    assert data["suite"]["name"] == "starter"
    assert data["request"]["retrievers"] == [
        "bm25=object:instructprobe.retrievers.bm25.BM25",
        "minilm=object:instructprobe.retrievers.dense.SentenceTransformerRetriever",
    ]
    assert {"torch", "sentence-transformers", "bm25s"} <= set(data["versions"])
    record = data["cells"][0]
    assert {
        "retriever",
        "family",
        "metric",
        "original",
        "perturbed",
        "delta",
        "ci_low",
        "ci_high",
        "p_value",
        "n",
        "verdict",
    } <= set(record)
    assert "per_query" not in record
    again = RunResult.read_json(path)
    assert again.verdicts().keys() == starter_result.verdicts().keys()
    assert [list(c.per_query) for c in again.cells] == [
        list(c.per_query) for c in starter_result.cells
    ]
    assert [c.delta for c in again.cells] == pytest.approx(
        [c.delta for c in starter_result.cells], nan_ok=True
    )


def test_interrupted_write_leaves_the_previous_file(tmp_path, starter_result, monkeypatch):
    path = tmp_path / "results.json"
    path.write_text("previous")

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(json, "dumps", interrupt)
    with pytest.raises(KeyboardInterrupt):
        starter_result.write_json(path)
    assert path.read_text() == "previous"
    assert list(tmp_path.iterdir()) == [path]


def test_no_nan_in_json(tmp_path, starter_result):
    text = json.dumps(starter_result.to_dict(), allow_nan=False)
    assert not math.isnan(json.loads(text)["cells"][0]["delta"])


def test_results_file_gets_ordinary_permissions(tmp_path, starter_result):
    import os

    path = tmp_path / "results.json"
    starter_result.write_json(path)
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


def test_reranking_mode_ranks_only_each_querys_candidates(tmp_path, bm25):
    import json

    from instructprobe.suites import read_suite

    docs = [
        {"kind": "document", "id": f"d{i}", "text": text}
        for i, text in enumerate(
            [
                "ibuprofen dose for adults",
                "ibuprofen dose for children",
                "paracetamol dose",
                "stock markets",
                "ibuprofen with food",
            ]
        )
    ]
    query = {
        "kind": "query",
        "id": "q1",
        "text": "ibuprofen dose",
        "instruction": "Adult doses. Do not mention food.",
        "qrels": {"d0": 2, "d4": 1},
        "candidates": ["d0", "d1", "d3", "d4"],
    }
    path = tmp_path / "pooled.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in [*docs, query]) + "\n")
    suite = read_suite(path)
    result = run_with(suite, [bm25], resamples=200)
    assert result.cells
    from instructprobe.probes.runner import rank_requests

    (case,) = Runner(RunRequest(retrievers=[bm25], cache=False), suite, [bm25]).plan().each_case()
    ranking = rank_requests(bm25, suite, [(case.id, case.request)], depth=10)[case.id, case.request]
    assert sorted(ranking.doc_ids) == ["d0", "d1", "d3", "d4"]


def test_baseline_reports_effectiveness_under_the_original_instructions(starter_result):
    baseline = {(b.retriever, b.metric): b for b in starter_result.baseline}
    for retriever in ("bm25", "minilm"):
        ndcg = baseline[retriever, NDCG(10)]
        assert 0 < ndcg.value <= 1 and ndcg.n == 45
        named = {(r, str(m)) for r, m in baseline}
        assert {(retriever, m) for m in ("AP@10", "RR@10", "R@10", "Robustness@10")} <= named
    paraphrase = next(
        c
        for c in starter_result.cells
        if c.retriever == "bm25" and c.metric == NDCG(10) and c.family is Family.PARAPHRASE
    )
    assert paraphrase.original == pytest.approx(baseline["bm25", NDCG(10)].value)


def test_stratified_results_are_adjusted_and_flagged(starter_result):
    assert starter_result.strata
    for s in starter_result.strata:
        assert s.dimension in {"strength", "form", "length", "overlap"}
        if s.significant:
            assert s.p_adjusted < starter_result.request.alpha
        assert math.isnan(s.p_value) or s.p_adjusted >= s.p_value - 1e-12
    forms = {
        s.level
        for s in starter_result.strata
        if s.family is Family.CURATED and s.dimension == "form"
    }
    assert {"changed", "negated"} <= forms  # the suite's own changes, apart from generated ones


def test_suite_paraphrases_become_curated_invariant_variants(starter):
    from dataclasses import replace

    from instructprobe.probes.plan import plan

    query = replace(starter.queries[0], paraphrases=("Retrieve adult ibuprofen dosing.",))
    suite = replace(starter, queries=(query,))
    generated = plan(suite, (Family.PARAPHRASE,), seed=0, meaning=None)
    assert all(v.operator != "curated-paraphrase" for v in generated.variants)
    planned = plan(suite, (Family.CURATED_PARAPHRASE,), seed=0, meaning=None)
    curated = [v for v in planned.variants if v.operator == "curated-paraphrase"]
    assert len(curated) == len(planned.variants)
    assert [v.request.instruction for v in curated] == ["Retrieve adult ibuprofen dosing."]
    assert curated[0].expectation.kind.value == "invariant"


@pytest.mark.model
def test_a_cached_run_loads_minilm_once_for_the_filter_and_the_retriever(starter, tmp_path):
    from instructprobe.retrievers.dense import EncoderSettings
    from instructprobe.retrievers.registry import resolve

    minilm = resolve("minilm", EncoderSettings(cache_dir=str(tmp_path)))
    request = RunRequest(
        retrievers=[minilm], families="paraphrase", limit=3, resamples=200, cache_dir=str(tmp_path)
    )
    runner = Runner(request, starter, [minilm])
    planned = runner.plan()
    assert any(dict(v.params).get("meaning_filter") for v in planned.each_variant())
    assert minilm._model is not None, "the filter loaded the retriever's model"
    loaded = minilm._model
    runner.run()
    assert minilm._model is loaded


def test_one_query_never_decides(starter, bm25):
    """A single query's p-MRR is one number: no verdict, and the reason says so."""
    result = run_with(starter, [bm25], families="curated", limit=1, resamples=200)
    (cell,) = result.verdicts().values()
    assert cell.n == 1 and cell.verdict is Verdict.INCONCLUSIVE
    assert cell.reason.startswith("1 query cannot show p-MRR ")  # either claim, by the sign
    assert cell.queries_needed is not None and cell.queries_needed > 1
    assert cell.ci_low < cell.delta < cell.ci_high, "an interval, not the point"


def test_templates_and_document_prompts_reach_each_named_retriever():
    from instructprobe.core.errors import RequestError
    from instructprobe.probes.runner import resolve_retrievers

    request = RunRequest(
        retrievers="a=bm25,b=bm25",
        templates=["a=query: {query} {instruction}", "{instruction} || {query}"],
    )
    a, b = resolve_retrievers(request)
    assert a.template.render(Request("q", "i")) == "query: i q"
    assert b.template.render(Request("q", "i")) == "i || q"
    assert a.describe()["prompts_from"] == "user"
    with pytest.raises(RequestError, match=r"templates: no retriever is named 'c'"):
        resolve_retrievers(RunRequest(retrievers="bm25", templates="c={query} {instruction}"))
    with pytest.raises(RequestError, match=r"bm25 .bm25. takes no document prompt"):
        resolve_retrievers(RunRequest(retrievers="bm25", document_prompts="bm25=passage: x"))
    (plain,) = resolve_retrievers(RunRequest(retrievers="bm25", document_prompts="passage: x"))
    assert plain.name == "bm25", "a prompt for every retriever skips those that take none"


def test_a_retriever_object_keeps_its_own_name_template_and_prompt(bm25, minilm):
    """A run's template, document prompt and name go on a copy: the caller's object is used
    again by its next run, which must not rank with this run's template."""
    from instructprobe.probes.runner import resolve_retrievers

    given = {"mine": bm25, "dense": minilm}
    before = [(r.name, r.template, r.prompts_from) for r in (bm25, minilm)]
    mine, dense = resolve_retrievers(
        RunRequest(
            retrievers=given,
            templates="Task: {instruction} Question: {query}",
            document_prompts="passage:",
        )
    )
    assert (mine.name, dense.name) == ("mine", "dense")
    assert mine.template.render(Request("q", "i")) == "Task: i Question: q"
    assert dense.document_prompt == "passage:" and dense.prompts_from == "user"
    assert [(r.name, r.template, r.prompts_from) for r in (bm25, minilm)] == before
    assert minilm.document_prompt == ""
    plain, again = resolve_retrievers(RunRequest(retrievers=[bm25, minilm]))
    assert plain is bm25 and again is minilm, "an object nothing changes is used as it is"


def test_two_model_folders_of_one_name_are_an_error_until_each_is_named(tmp_path, minilm):
    from instructprobe.core.errors import RequestError
    from instructprobe.probes.runner import resolve_retrievers

    first, second = tmp_path / "ck1" / "model", tmp_path / "ck2" / "model"
    for folder in (first, second):
        folder.parent.mkdir()
        folder.symlink_to(minilm.model_path, target_is_directory=True)
    with pytest.raises(RequestError, match="two retrievers are both named 'model'"):
        resolve_retrievers(RunRequest(retrievers=f"{first},{second}"))
    a, b = resolve_retrievers(RunRequest(retrievers=f"a={first},b={second}"))
    assert (a.name, b.name) == ("a", "b")
    assert a.describe()["source"] == f"path:{first.resolve()}"
