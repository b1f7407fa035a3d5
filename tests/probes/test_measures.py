import math
import random

import pytest

from instructprobe.probes.measures import NDCG, PMRR, RankShift, parse
from instructprobe.probes.measures.pmrr import rank_change_score


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


def test_kendall_tau_on_the_union_top_k():
    from instructprobe.probes.measures import KendallTau

    assert KendallTau(3).score_pair(list("abcd"), list("abcd"), {}, {}) == pytest.approx(1.0)
    assert KendallTau(4).score_pair(list("abcd"), list("dcba"), {}, {}) == pytest.approx(-1.0)
    partial = KendallTau(2).score_pair(list("abcd"), list("bxac"), {}, {})
    assert -1 < partial < 1


def test_rbo_is_one_for_identical_and_zero_for_disjoint_rankings():
    from instructprobe.probes.measures import RBO

    assert RBO(10).score_pair(list("abcdef"), list("abcdef"), {}, {}) == pytest.approx(1.0)
    assert RBO(10).score_pair(list("abc"), list("xyz"), {}, {}) == pytest.approx(0.0)
    swapped_top = RBO(10, p=0.9).score_pair(list("abcdef"), list("bacdef"), {}, {})
    swapped_tail = RBO(10, p=0.9).score_pair(list("abcdef"), list("abcdfe"), {}, {})
    assert swapped_top < swapped_tail < 1, "disagreement at the top weighs more"
    with pytest.raises(ValueError, match="persistence"):
        RBO(10, p=1.0)


def test_rbo_hand_computed_for_two_ranks():
    from instructprobe.probes.measures import RBO

    # S = (a, b), T = (b, a): X1 = 0, X2 = 2; RBO_ext = (1-p)/p * (0 + 2/2 p^2) + 2/2 p^2
    p = 0.5
    expected = (1 - p) / p * (p**2) + p**2
    assert RBO(2, p=p).score_pair(["a", "b"], ["b", "a"], {}, {}) == pytest.approx(expected)


def test_overlap_and_expected_move():
    from instructprobe.probes.measures import ExpectedMove, Overlap

    assert Overlap(2).score_pair(list("abc"), list("bca"), {}, {}) == pytest.approx(0.5)
    # a lost relevance and moved from 1 to 3: +2 (the instructed direction)
    assert ExpectedMove().score_pair(list("abc"), list("bca"), {"a": 1}, {"a": 0}) == 2
    assert ExpectedMove().score_pair(list("abc"), list("abc"), {"a": 1}, {"a": 1}) is None


def test_aliases_parse_to_the_same_measures():
    from instructprobe.probes.measures import AP, RR, Recall

    assert parse("MAP@100") == AP(100)
    assert parse("MRR@10") == RR(10)
    assert parse("Recall@5") == parse("R@5") == Recall(5)


def test_pmrr_with_tied_scores_ranks_by_document_id_descending():
    from instructprobe.probes.measures import ranking_from_scores

    # og run: c=2, a=b=1 -> c, b, a. changed run: a=3, b=c=1 -> a, c, b.
    before = ranking_from_scores({"a": 1.0, "b": 1.0, "c": 2.0})
    after = ranking_from_scores({"a": 3.0, "b": 1.0, "c": 1.0})
    assert before == ["c", "b", "a"] and after == ["a", "c", "b"]
    # b lost relevance: rank 2 -> 3 gives 1 - 2/3; c lost relevance: 1 -> 2 gives 1 - 1/2
    score = PMRR().score_pair(before, after, {"b": 1, "c": 1, "a": 1}, {"a": 1})
    assert score == pytest.approx(((1 - 2 / 3) + (1 - 1 / 2)) / 2)


def test_pair_accuracy_needs_both_tops_right():
    from instructprobe.probes.measures import PairAccuracy

    # NevIR: q1 wants d1, q2 wants d2
    assert PairAccuracy().score_pair(["d1", "d2"], ["d2", "d1"], {"d1": 1}, {"d2": 1}) == 1.0
    assert PairAccuracy().score_pair(["d1", "d2"], ["d1", "d2"], {"d1": 1}, {"d2": 1}) == 0.0
    assert PairAccuracy().score_pair(["d2", "d1"], ["d2", "d1"], {"d1": 1}, {"d2": 1}) == 0.0


def test_robustness_groups_by_query_not_instance():
    from instructprobe.probes.measures import robustness

    scores = {"q1_1": 0.9, "q1_2": 0.4, "q2_1": 1.0, "q2_2": 0.8, "q2_3": 0.6}
    query_of = {instance: instance.split("_")[0] for instance in scores}
    assert robustness(scores, query_of) == pytest.approx((0.4 + 0.6) / 2)
    assert robustness({}, {}) is None


def test_tau_b_equals_scipys_statistic_with_ties():
    from scipy.stats import kendalltau

    from instructprobe.probes.measures.kendall import tau_b

    rng = random.Random(11)
    for _ in range(300):
        n = rng.randint(2, 30)
        x = [rng.randint(1, max(2, n // 2)) for _ in range(n)]
        y = [rng.randint(1, max(2, n // 2)) for _ in range(n)]
        if len(set(x)) < 2 or len(set(y)) < 2:
            continue
        assert tau_b(x, y) == pytest.approx(kendalltau(x, y).statistic, abs=1e-12)


def test_tau_at_one_counts_an_unchanged_top_document_as_unchanged():
    """At k = 1 the union of two equal top-1 lists is one document: the orders agree, so the
    change is 0 (an unchanged query is not dropped from the cell), as tau@2 of a ranking
    whose top two did not move."""
    from instructprobe.probes.measures import KendallTau

    tau = KendallTau(1)
    assert tau.score_pair(list("abc"), list("acb"), {}, {}) == 1.0
    assert tau.score_pair(list("abc"), list("acb"), {}, {}) == KendallTau(2).score_pair(
        list("abc"), list("abd"), {}, {}
    )
    # the top document moved: the union (a, b) is ranked (1, 2) before and (2, 1) after
    assert tau.score_pair(list("abc"), list("bac"), {}, {}) == pytest.approx(-1.0)
    assert tau.score_pair([], [], {}, {}) is None
    assert tau.score_pair(["a"], [], {}, {}) is None


def test_rbo_of_an_unchanged_ranking_is_exactly_one_at_every_cutoff():
    """An unchanged ranking's change is exactly 0 (the identity), not rounding noise: a change
    of -1.1e-16 counts as a change for the sign-flip test, makes d_z infinite (an undefined
    value in the results file) and is not 0 in the per-query values."""
    from instructprobe.probes.measures import RBO

    ranking = [f"d{i}" for i in range(200)]
    for k in (4, 11, 20, 50, 100, 176):
        assert RBO(k).score_pair(ranking, list(ranking), {}, {}) == 1.0, k
    assert RBO(20, p=0.98).score_pair(ranking[:20], ranking[:30], {}, {}) == 1.0
    # one swap at the bottom of the top 20 is still below 1, by (1-p)/p p^19 / 19 + ...
    swapped = [*ranking[:18], ranking[19], ranking[18]]
    assert RBO(20).score_pair(ranking[:20], swapped, {}, {}) < 1.0
