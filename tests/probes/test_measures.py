import math

import pytest

from probes.measures import NDCG, PMRR, RankShift, parse
from probes.measures.pmrr import rank_change_score


def test_measures_parse_from_names_and_are_hashable_values():
    assert parse("nDCG@10") == NDCG(10) == parse("ndcg@10")
    assert hash(parse("nDCG@10")) == hash(NDCG(10))
    assert str(parse("p-MRR")) == "p-MRR"
    assert str(parse("rank-shift@5")) == "rank-shift@5"
    with pytest.raises(ValueError, match="unknown measure"):
        parse("MAP@x")
    with pytest.raises(ValueError, match="cutoff"):
        NDCG(0)


def test_ndcg_uses_linear_gains_and_log2_discounts():
    qrels = {"a": 2, "b": 1, "x": 0}
    dcg = 2 / math.log2(3) + 1 / math.log2(4)
    ideal = 2 / math.log2(2) + 1 / math.log2(3)
    assert NDCG(10).score(["x", "a", "b"], qrels) == pytest.approx(dcg / ideal, abs=1e-12)
    assert NDCG(10).score(["a", "b"], qrels) == pytest.approx(1.0)
    assert NDCG(1).score(["b", "a"], qrels) == pytest.approx(0.5)


def test_ndcg_is_undefined_without_relevant_documents():
    assert NDCG(10).score(["a"], {"a": 0}) is None


def test_rank_change_score_follows_followir():
    assert rank_change_score(1, 4) == pytest.approx(1 - 1 / 4)  # moved down: positive
    assert rank_change_score(4, 1) == pytest.approx(1 / 4 - 1)  # moved up: negative
    assert rank_change_score(3, 3) == 0.0


def test_pmrr_hand_computed_with_a_missing_document():
    before = ["a", "b", "c", "d"]
    after = ["b", "c", "d"]  # a fell out: ranked at len(after) + 1 = 4
    qrels_before = {"a": 1, "b": 1, "c": 1}
    qrels_after = {"b": 1, "c": 0}  # a and c lost relevance; b did not change
    score_a = 1 - 1 / 4
    score_c = 2 / 3 - 1  # c moved up from 3 to 2
    assert PMRR().score_pair(before, after, qrels_before, qrels_after) == pytest.approx(
        (score_a + score_c) / 2
    )


def test_pmrr_flips_the_sign_for_documents_that_became_relevant():
    score = PMRR().score_pair(["a", "b"], ["b", "a"], {"a": 1}, {"a": 1, "b": 1})
    # a lost nothing; b became relevant and moved up from 2 to 1: the instruction was followed
    assert score == pytest.approx(-(1 / 2 - 1))


def test_pmrr_is_undefined_when_no_judgment_changed():
    assert PMRR().score_pair(["a"], ["a"], {"a": 2}, {"a": 1}) is None


def test_rank_shift_counts_displacement_of_the_top_k():
    assert RankShift(2).score_pair(["a", "b", "c"], ["a", "b", "c"], {}, {}) == 0
    assert RankShift(2).score_pair(["a", "b", "c"], ["b", "a", "c"], {}, {}) == 1
    assert RankShift(2).score_pair(["a", "b"], ["b"], {}, {}) == pytest.approx((1 + 1) / 2)
