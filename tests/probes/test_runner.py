import json
import math

import pytest

from instructprobe.perturb import Family, Order, Request
from instructprobe.probes.results import RunResult
from instructprobe.probes.runner import RunConfig, Runner
from instructprobe.probes.stats import Summary
from instructprobe.probes.verdicts import Evidence, SensitivityRule, Thresholds, Verdict
from instructprobe.retrievers.bm25 import BM25
from instructprobe.retrievers.dense import SentenceTransformerRetriever

FAMILIES = {f.value for f in Family}


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
    assert perturbed >= {"paraphrase", "negation", "reorder", "strip", "keywords"}
    assert {family for _, family in verdicts} == perturbed
    assert {retriever for retriever, _ in verdicts} == {"bm25", "minilm"}
    for cell in verdicts.values():
        assert cell.verdict in {"holds", "breaks", "inconclusive"}
        assert cell.rule and cell.n >= 40


def test_directional_cells_carry_pmrr_and_invariant_cells_ndcg(starter_result):
    metrics = {(c.family, c.metric) for c in starter_result.cells}
    assert ("negation", "p-MRR") in metrics
    assert ("paraphrase", "nDCG@10") in metrics and ("paraphrase", "rank-shift@10") in metrics
    deciding = {c.family: c.metric for c in starter_result.cells if c.decides}
    for family in Family:
        if family.value in deciding:
            kind = family.expectation_kind.value
            assert deciding[family.value] == ("p-MRR" if kind == "directional" else "nDCG@10")


def test_bm25_reads_instructions_as_bags_of_words(starter_result):
    verdicts = starter_result.verdicts()
    reorder = verdicts[("bm25", "reorder")]
    assert reorder.delta == 0 and reorder.verdict == "holds", "word order cannot move BM25"
    negation = verdicts[("bm25", "negation")]
    assert negation.delta < 0 and negation.verdict == "breaks", (
        "naming the excluded topic pulls its documents up"
    )


def test_a_keywords_run_is_decided_by_the_sensitivity_rule(starter, bm25):
    config = RunConfig(("bm25",), families=(Family.KEYWORDS,), limit=15, resamples=500)
    result = Runner(config, starter).run([bm25])
    assert {v.family for v in result.variants} == {"keywords"}
    assert {v.operator for v in result.variants} == {"keywords-only"}
    assert {v.expectation for v in result.variants} == {"sensitive"}
    assert result.settings.families == ("keywords",)
    (cell,) = result.verdicts().values()
    assert (cell.family, cell.expectation, cell.metric) == ("keywords", "sensitive", "nDCG@10")
    rule = SensitivityRule(config.thresholds)
    assert cell.rule == rule.describe()
    assert cell.tost_p is not None and cell.tost_p_adjusted is not None, "TOST decides breaks"
    summary = Summary(cell.delta, cell.ci_low, cell.ci_high, cell.p_value, cell.n, sd=cell.sd)
    evidence = Evidence(summary, cell.p_adjusted, cell.tost_p_adjusted)
    assert cell.verdict == rule.decide(evidence).value
    # BM25 scores a bag of words: dropping the instruction's stopwords leaves its ranking put,
    # which is the bag-of-keywords reading.
    assert abs(cell.delta) < Thresholds().margin and cell.verdict == Verdict.BREAKS.value


def test_cell_values_are_the_mean_of_per_query_values(starter_result):
    for cell in starter_result.cells:
        deltas = [q.delta for q in cell.per_query]
        assert cell.n == len(deltas)
        assert cell.delta == pytest.approx(sum(deltas) / len(deltas))
        assert cell.ci_low <= cell.delta + 1e-12 and cell.delta <= cell.ci_high + 1e-12


def test_corpus_is_indexed_once_per_run(starter):
    retriever = CountingBM25()
    Runner(RunConfig(("bm25",), resamples=200), starter).run([retriever])
    assert retriever.indexed == 1


def test_dense_retriever_encodes_each_text_once(starter, minilm):
    counting = SentenceTransformerRetriever("minilm", minilm.model_path)
    counting._model = CountingModel(minilm.model)
    result = Runner(RunConfig(("minilm",), limit=4, resamples=200), starter).run([counting])
    encoded = counting._model.encoded
    assert len(encoded) == len(set(encoded)), "no text is encoded twice"
    documents = {d.text for d in starter.documents}
    originals = [Request(q.text, q.instruction) for q in starter.queries[:4]]
    variants = [Request(v.query, v.instruction, Order(v.order)) for v in result.variants]
    queries = {counting.template.render(r) for r in originals + variants}
    assert set(encoded) == documents | queries


def test_same_seed_same_results_different_seed_different_variants(starter, bm25):
    def run(seed):
        config = RunConfig(
            ("bm25",), families=(Family.PARAPHRASE,), seed=seed, limit=10, resamples=500
        )
        return Runner(config, starter).run([bm25]).to_dict()

    assert run(3) == run(3)
    assert run(3)["variants"] != run(4)["variants"]


def test_results_round_trip_through_json(tmp_path, starter_result):
    path = tmp_path / "results.json"
    starter_result.write_json(path)
    data = json.loads(path.read_text())
    assert data["schema_version"] == 1
    assert data["settings"]["suite"]["name"] == "starter"
    assert {"torch", "sentence-transformers", "bm25s"} <= set(data["settings"]["versions"])
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
        "per_query",
    } <= set(record)
    again = RunResult.read_json(path)
    assert again.verdicts().keys() == starter_result.verdicts().keys()
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


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"seed": -1}, "seed"),
        ({"limit": 0}, "limit"),
        ({"retrievers": ()}, "retriever"),
        ({"depth": 5}, "cutoff"),
    ],
)
def test_config_is_validated(kwargs, message):
    with pytest.raises(ValueError, match=message):
        RunConfig(**{"retrievers": ("bm25",), **kwargs})


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
    result = Runner(RunConfig(("bm25",), resamples=200), suite).run([bm25])
    assert result.cells
    from instructprobe.probes.runner import rank_requests

    (case,) = Runner(RunConfig(("bm25",)), suite).plan().cases
    ranking = rank_requests(bm25, suite, [(case.id, case.request)], depth=10)[case.id, case.request]
    assert sorted(ranking.doc_ids) == ["d0", "d1", "d3", "d4"]


def test_baseline_reports_effectiveness_under_the_original_instructions(starter_result):
    baseline = {(b.retriever, b.metric): b for b in starter_result.baseline}
    for retriever in ("bm25", "minilm"):
        ndcg = baseline[retriever, "nDCG@10"]
        assert 0 < ndcg.value <= 1 and ndcg.n == 45
        assert {(retriever, m) for m in ("AP@10", "RR@10", "R@10")} <= set(baseline)
    paraphrase = next(
        c
        for c in starter_result.cells
        if c.retriever == "bm25" and c.metric == "nDCG@10" and c.family == "paraphrase"
    )
    assert paraphrase.original == pytest.approx(baseline["bm25", "nDCG@10"].value)


def test_stratified_results_are_adjusted_and_flagged(starter_result):
    assert starter_result.strata
    for s in starter_result.strata:
        assert s.dimension in {"strength", "form", "length", "overlap"}
        if s.significant:
            assert s.p_adjusted < starter_result.settings.alpha
        assert math.isnan(s.p_value) or s.p_adjusted >= s.p_value - 1e-12
    forms = {
        s.level for s in starter_result.strata if s.family == "negation" and s.dimension == "form"
    }
    assert {"changed", "negated", "exclusion-clause"} <= forms


def test_suite_paraphrases_become_curated_invariant_variants(starter):
    from dataclasses import replace

    from instructprobe.probes.plan import plan

    query = replace(starter.queries[0], paraphrases=("Retrieve adult ibuprofen dosing.",))
    suite = replace(starter, queries=(query,))
    planned = plan(suite, (Family.PARAPHRASE,), seed=0, meaning=None)
    curated = [v for v in planned.variants if v.operator == "curated-paraphrase"]
    assert [v.request.instruction for v in curated] == ["Retrieve adult ibuprofen dosing."]
    assert curated[0].expectation.kind.value == "invariant"


def test_a_cached_run_loads_minilm_once_for_the_filter_and_the_retriever(starter, tmp_path):
    from instructprobe.retrievers.dense import EncoderSettings
    from instructprobe.retrievers.registry import resolve

    minilm = resolve("minilm", EncoderSettings(cache_dir=str(tmp_path)))
    config = RunConfig(
        ("minilm",), families=(Family.PARAPHRASE,), limit=3, resamples=200, cache_dir=str(tmp_path)
    )
    runner = Runner(config, starter)
    planned = runner.plan([minilm])
    assert any(dict(v.params).get("meaning_filter") for v in planned.variants)
    assert minilm._model is not None, "the filter loaded the retriever's model"
    loaded = minilm._model
    runner.run([minilm])
    assert minilm._model is loaded
