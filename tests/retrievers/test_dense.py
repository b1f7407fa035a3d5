import numpy as np
import pytest

from retrievers.dense import EncoderSettings, encode

DOCS = {
    "pets": "Cats and dogs are the most common household pets.",
    "stocks": "Stock markets fell sharply after the interest rate decision.",
    "bread": "Knead the dough for ten minutes and let it rise for an hour.",
}


class CountingModel:
    """The real MiniLM, with a count of the texts it was asked to encode."""

    def __init__(self, model):
        self.model = model
        self.similarity_fn_name = model.similarity_fn_name
        self.encoded: list[str] = []

    def encode(self, texts, **kwargs):
        self.encoded.extend(texts)
        return self.model.encode(texts, **kwargs)


def test_encode_reads_each_distinct_text_once_and_keeps_order(minilm):
    counting = CountingModel(minilm.model)
    texts = ["b text", "a", "b text", "a", "c"]
    vectors = encode(counting, texts, EncoderSettings(batch_size=2), None, "test")
    assert sorted(counting.encoded) == ["a", "b text", "c"]
    assert vectors.shape[0] == 5
    np.testing.assert_allclose(vectors[0], vectors[2])
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)


def test_minilm_ranks_the_semantically_matching_document_first(minilm):
    index = minilm.index(list(DOCS), list(DOCS.values()))
    rankings = index.search(
        ["what animals do people keep at home", "baking bread", "finance news"], depth=3
    )
    assert [r.doc_ids[0] for r in rankings] == ["pets", "bread", "stocks"]
    assert index.search([], depth=3) == []


def test_batch_size_is_validated():
    with pytest.raises(ValueError, match="batch size"):
        EncoderSettings(batch_size=0)
