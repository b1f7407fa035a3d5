import numpy as np
import pytest

from instructprobe.retrievers.cache import DOCUMENT, QUERY
from instructprobe.retrievers.dense import EncoderSettings, SentenceTransformerRetriever

DOCS = {
    "pets": "Cats and dogs are the most common household pets.",
    "stocks": "Stock markets fell sharply after the interest rate decision.",
    "bread": "Knead the dough for ten minutes and let it rise for an hour.",
}


def counted_minilm(minilm, counting, **settings):
    """A MiniLM retriever on the session's loaded model, counting what it encodes."""
    model = counting(minilm.model)
    retriever = SentenceTransformerRetriever(
        "minilm", minilm.model_path, EncoderSettings(**settings), model=model
    )
    return retriever, model


def test_each_distinct_text_is_encoded_once_longest_first_and_order_is_kept(minilm, counting):
    retriever, model = counted_minilm(minilm, counting, batch_size=2)
    texts = ["b text", "a", "b text", "a", "c"]
    vectors = retriever.embed(texts, QUERY)
    assert model.seen == ["b text", "a", "c"], "distinct texts, longest first"
    assert vectors.shape == (5, 384)
    np.testing.assert_array_equal(vectors[0], vectors[2])
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    direct = minilm.model.encode(["c"], normalize_embeddings=True)
    np.testing.assert_allclose(vectors[4], direct[0], atol=1e-5)


def test_minilm_ranks_the_semantically_matching_document_first(minilm):
    index = minilm.index(list(DOCS), list(DOCS.values()))
    rankings = index.search(
        ["what animals do people keep at home", "baking bread", "finance news"], depth=3
    )
    assert [r.doc_ids[0] for r in rankings] == ["pets", "bread", "stocks"]
    assert index.search([], depth=3) == []


def test_rerank_scores_only_the_candidates_with_the_full_rankings_order(minilm):
    index = minilm.index(list(DOCS), list(DOCS.values()))
    texts = ["what animals do people keep at home", "finance news"]
    pools = [("stocks", "pets"), ("bread", "stocks")]
    full = index.search(texts, depth=3)
    reranked = index.rerank(texts, pools)
    for ranking, whole, pool in zip(reranked, full, pools, strict=True):
        assert set(ranking.doc_ids) == set(pool)
        assert list(ranking.doc_ids) == [d for d in whole.doc_ids if d in pool]
        expected = {d: s for d, s in zip(whole.doc_ids, whole.scores, strict=True)}
        assert ranking.scores == pytest.approx([expected[d] for d in ranking.doc_ids], abs=1e-6)


def test_document_prompt_is_prepended_to_documents_only(minilm, counting):
    model = counting(minilm.model)
    retriever = SentenceTransformerRetriever(
        "e5-like", minilm.model_path, document_prompt="passage: ", model=model
    )
    retriever.index(["d"], ["Cats purr."])
    retriever.index(["d"], ["Cats purr."]).search(["query: cats"], depth=1)
    assert model.seen == ["passage: Cats purr.", "passage: Cats purr.", "query: cats"]
    assert retriever.model_inputs(["x"], DOCUMENT) == ["passage: x"]
    assert retriever.model_inputs(["x"], QUERY) == ["x"]


def test_dot_similarity_leaves_vectors_unnormalised(minilm, tmp_path):
    retriever = SentenceTransformerRetriever(
        "dot", minilm.model_path, similarity="dot", model=minilm.model
    )
    assert not retriever.normalize
    assert minilm.normalize
    # MiniLM ends in a Normalize module, so only the flag, not the norm, can differ here.
    assert retriever.namespace_settings()["normalize"] == "False"


def test_settings_are_validated():
    with pytest.raises(ValueError, match="batch size"):
        EncoderSettings(batch_size=0)
    with pytest.raises(ValueError, match="pool depth"):
        EncoderSettings(pool_depth=0)
