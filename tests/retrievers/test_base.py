import numpy as np

from perturb import Order, Request
from retrievers.base import Template, top_k


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
    assert ranking.scores == (0.9, 0.5, 0.5)


def test_top_k_depth_beyond_corpus_returns_everything():
    ids = ["b", "a"]
    (ranking,) = top_k(np.array([[1.0, 2.0]]), ids, np.array([1, 0]), depth=10)
    assert ranking.doc_ids == ("a", "b")
    (tied,) = top_k(np.array([[1.0, 1.0]]), ids, np.array([1, 0]), depth=10)
    assert tied.doc_ids == ("b", "a")
    assert ranking.rank_of() == {"a": 1, "b": 2}
