import pytest

from instructprobe.retrievers import RetrieverError
from instructprobe.retrievers.bm25 import BM25, BM25Parameters

DOCS = {
    "pets": "Cats and dogs are the most common household pets.",
    "dogs": "Dogs need daily walks; dogs also enjoy chasing balls.",
    "stocks": "Stock markets fell sharply after the interest rate decision.",
}


@pytest.fixture(scope="module")
def index():
    return BM25().index(list(DOCS), list(DOCS.values()))


def test_ranks_by_term_matches_with_stemming(index):
    (ranking,) = index.search(["dog walking"], depth=3)
    assert ranking.doc_ids[0] == "dogs"
    assert ranking.scores[0] > ranking.scores[-1]


def test_queries_without_known_terms_rank_everything_at_zero_by_id(index):
    rankings = index.search(["", "zzzz qqqq", "the and of"], depth=3)
    for ranking in rankings:
        assert ranking.doc_ids == ("stocks", "pets", "dogs")
        assert set(ranking.scores) == {0.0}


def test_search_keeps_the_order_of_the_texts(index):
    rankings = index.search(["interest rates", "cats"], depth=1)
    assert [r.doc_ids[0] for r in rankings] == ["stocks", "pets"]


def test_parameters_are_validated():
    with pytest.raises(ValueError, match="b must be"):
        BM25Parameters(b=1.5)


def test_starter_suite_queries_find_their_relevant_documents(starter, bm25):
    index = bm25.index([d.id for d in starter.documents], [d.text for d in starter.documents])
    queries = starter.queries
    rankings = index.search([q.text for q in queries], depth=10)
    found = [set(r.doc_ids) & set(q.relevant) for q, r in zip(queries, rankings, strict=True)]
    hits = sum(map(bool, found))
    assert hits >= 0.9 * len(queries)


def test_rerank_scores_only_the_candidates_in_the_full_rankings_order(index):
    texts = ["dog walking", "interest rates"]
    pools = [("stocks", "pets", "dogs"), ("pets", "stocks")]
    full = index.search(texts, depth=3)
    for ranking, whole, pool in zip(index.rerank(texts, pools), full, pools, strict=True):
        assert ranking.doc_ids == tuple(d for d in whole.doc_ids if d in pool)
        scores = dict(zip(whole.doc_ids, whole.scores, strict=True))
        assert tuple(ranking.scores) == tuple(scores[d] for d in ranking.doc_ids)


def test_rerank_refuses_a_candidate_outside_the_corpus(index):
    with pytest.raises(RetrieverError, match="'nope' is not in the corpus"):
        index.rerank(["dogs"], [("dogs", "nope")])
    assert index.rerank([], []) == []


def test_rerank_on_the_starter_suite_keeps_exactly_each_pool(starter, bm25):
    docs = starter.documents
    index = bm25.index([d.id for d in docs], [d.text for d in docs])
    queries = starter.queries[:10]
    pools = [tuple(d.id for d in docs[i : i + 20]) for i in range(10)]
    rankings = index.rerank([q.text for q in queries], pools)
    assert [set(r.doc_ids) for r in rankings] == [set(p) for p in pools]
    assert all(list(r.scores) == sorted(r.scores, reverse=True) for r in rankings)
