import numpy as np
import pytest

from instructprobe.perturb import Order, Request
from instructprobe.retrievers.base import Ranking, Template, rank_pool, stream_top_k, top_k


def test_template_renders_both_orders_and_bare_queries():
    template = Template("{instruction} [SEP] {query}", "{query} [SEP] {instruction}")
    assert template.render(Request("q", "do x")) == "do x [SEP] q"
    assert template.render(Request("q", "do x", Order.QUERY_FIRST)) == "q [SEP] do x"
    assert template.render(Request("q", "  ")) == "q"


def test_top_k_breaks_ties_by_document_id_descending_like_trec_eval():
    ids = ["d3", "d1", "d2", "d0"]
    scores = np.array([[0.5, 0.9, 0.5, 0.5]])
    (ranking,) = top_k(scores, ids, np.argsort(np.array(ids, dtype=object)), depth=3)
    assert ranking.doc_ids == ("d1", "d3", "d2")
    assert tuple(ranking.scores) == (0.9, 0.5, 0.5)


def test_top_k_depth_beyond_corpus_returns_everything():
    ids = ["b", "a"]
    (ranking,) = top_k(np.array([[1.0, 2.0]]), ids, np.array([1, 0]), depth=10)
    assert ranking.doc_ids == ("a", "b")
    (tied,) = top_k(np.array([[1.0, 1.0]]), ids, np.array([1, 0]), depth=10)
    assert tied.doc_ids == ("b", "a")
    assert ranking.rank_of() == {"a": 1, "b": 2}


def test_bare_pattern_carries_a_model_prompt_without_an_instruction():
    template = Template(
        "query: {instruction} {query}", "query: {query} {instruction}", "query: {query}"
    )
    assert template.render(Request("q", "")) == "query: q"
    assert template.render(Request("q", "do x")) == "query: do x q"
    assert Template("Instruct: {instruction}\nQuery: {query}").describe() == (
        "Instruct: {instruction}\\nQuery: {query}"
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_streamed_top_k_equals_top_k_on_the_full_matrix_ties_included(seed):
    rng = np.random.default_rng(seed)
    ids = [f"d{i:03d}" for i in rng.permutation(300)]
    docs = rng.integers(-2, 3, size=(300, 4)).astype(np.float32)  # integer scores: many ties
    queries = rng.integers(-2, 3, size=(7, 4)).astype(np.float32)
    order = np.argsort(np.array(ids, dtype=object))
    for depth in (1, 10, 299, 300, 1000):
        expected = top_k(queries @ docs.T, ids, order, depth)
        for chunk in (1, 16, 64, 299):
            assert stream_top_k(queries, docs, ids, order, depth, doc_chunk=chunk) == expected


def test_rank_pool_orders_candidates_like_top_k():
    (ranking,) = rank_pool(np.array([0.1, 0.5, 0.5]), ["a", "c", "b"])
    assert ranking.doc_ids == ("c", "b", "a")
    assert rank_pool(np.array([]), []) == [Ranking((), ())]
