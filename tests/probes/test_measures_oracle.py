"""Ranking measures equal trec_eval (through pytrec_eval) to 1e-9 on random runs with ties."""

import numpy as np
import pytest

from instructprobe.probes.measures import AP, NDCG, RR, Recall, ranking_from_scores

pytrec_eval = pytest.importorskip("pytrec_eval")

CUTOFFS = (1, 5, 10, 100)


def random_case(rng: np.random.Generator):
    docs = [f"d{i:03d}" for i in range(rng.integers(5, 60))]
    judged = rng.choice(docs, size=rng.integers(1, len(docs)), replace=False)
    qrels = {d: int(rng.integers(0, 4)) for d in judged}
    if not any(qrels.values()):
        qrels[str(judged[0])] = 1
    retrieved = rng.choice(docs, size=rng.integers(1, len(docs)), replace=False)
    # coarse scores make many ties, which is where implementations disagree
    run = {str(d): float(rng.integers(0, 6)) for d in retrieved}
    return qrels, run


def trec(qrels, run, measures):
    evaluator = pytrec_eval.RelevanceEvaluator({"q": qrels}, measures)
    return evaluator.evaluate({"q": run})["q"]


@pytest.mark.parametrize("seed", range(40))
def test_ndcg_ap_recall_match_trec_eval(seed):
    qrels, run = random_case(np.random.default_rng(seed))
    ranking = ranking_from_scores(run)
    cut = ",".join(map(str, CUTOFFS))
    expected = trec(qrels, run, {f"ndcg_cut.{cut}", f"map_cut.{cut}", f"recall.{cut}"})
    for k in CUTOFFS:
        assert NDCG(k).score(ranking, qrels) == pytest.approx(expected[f"ndcg_cut_{k}"], abs=1e-9)
        assert AP(k).score(ranking, qrels) == pytest.approx(expected[f"map_cut_{k}"], abs=1e-9)
        assert Recall(k).score(ranking, qrels) == pytest.approx(expected[f"recall_{k}"], abs=1e-9)


@pytest.mark.parametrize("seed", range(40))
def test_rr_at_k_matches_trec_eval_on_the_truncated_run(seed):
    qrels, run = random_case(np.random.default_rng(seed))
    ranking = ranking_from_scores(run)
    for k in CUTOFFS:
        truncated = {d: run[d] for d in ranking[:k]}
        expected = trec(qrels, truncated, {"recip_rank"})["recip_rank"]
        assert RR(k).score(ranking, qrels) == pytest.approx(expected, abs=1e-9)


def test_ties_are_broken_by_document_id_descending():
    assert ranking_from_scores({"a": 1.0, "c": 1.0, "b": 2.0, "d": 0.5}) == ["b", "c", "a", "d"]
