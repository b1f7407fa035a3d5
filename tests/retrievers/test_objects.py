"""Retrievers from Python objects: loaded sentence-transformers models, encoders, functions."""

from __future__ import annotations

import copy
import hashlib
import re

import numpy as np
import pytest

from instructprobe.core.errors import RetrieverError
from instructprobe.retrievers import resolve
from instructprobe.retrievers.base import Retriever, Template
from instructprobe.retrievers.cache import DOCUMENT, QUERY
from instructprobe.retrievers.dense import EncoderSettings
from instructprobe.retrievers.objects import (
    EncoderRetriever,
    LoadedCrossEncoder,
    LoadedSentenceTransformer,
    adapt,
    object_kind,
)

DOCS = {
    "pets": "Cats and dogs are the most common household pets.",
    "stocks": "Stock markets fell sharply after the interest rate decision.",
    "bread": "Knead the dough for ten minutes and let it rise for an hour.",
}


def hashed_words(texts):
    """A bare encode function: a bag of hashed words, 64 dimensions."""
    vectors = np.zeros((len(texts), 64), dtype=np.float32)
    for row, text in enumerate(texts):
        for word in re.findall(r"\w+", text.lower()):
            vectors[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % 64] += 1.0
    return vectors


class MtebStyle:
    """MTEB's encoder protocol: ``encode(sentences, *, task_name, prompt_type=None)``."""

    def __init__(self):
        self.seen = []

    def encode(self, sentences, *, task_name, prompt_type=None, **kwargs):
        self.seen.append((task_name, str(getattr(prompt_type, "value", prompt_type))))
        return hashed_words(sentences)


def test_a_loaded_sentence_transformer_encodes_as_the_same_model_by_path(minilm):
    adapted = resolve(minilm.model)
    assert isinstance(adapted, LoadedSentenceTransformer)
    assert adapted.name == "model", "the bundled weights' folder is named model"
    texts = ["household pets", "stock markets"]
    np.testing.assert_allclose(adapted.embed(texts, QUERY), minilm.embed(texts, QUERY), atol=1e-6)
    described = adapted.describe()
    assert described["kind"] == "sentence-transformers"
    assert described["source"].startswith("object:sentence_transformers.")
    assert re.fullmatch(r"weights-sha256:[0-9a-f]{64}", described["identity"])


def test_the_weights_hash_follows_the_weights_in_memory(minilm):
    same = adapt(minilm.model, "a").identity()
    assert adapt(minilm.model, "b").identity() == same
    changed = copy.deepcopy(minilm.model)
    next(iter(changed.parameters())).data[0, 0] += 1.0
    assert adapt(changed, "c").identity() != same


def test_a_models_own_prompts_become_its_template_and_document_prompt(minilm):
    model = copy.copy(minilm.model)
    model.prompts = {"query": "query: ", "document": "passage: "}
    adapted = adapt(model, "e5ish")
    assert adapted.template.instruction_first == "query: {instruction} {query}"
    assert adapted.document_prompt == "passage: "
    assert adapted.prompts_from == "model"
    assert adapted.describe()["document_prompt"] == "passage: "


def test_a_bare_encode_function_ranks_and_is_named_by_the_function():
    retriever = resolve(hashed_words)
    assert isinstance(retriever, EncoderRetriever)
    assert retriever.name == "hashed_words"
    assert retriever.source.startswith("function:") and retriever.source.endswith(
        "test_objects.hashed_words"
    )
    (ranking,) = retriever.index(list(DOCS), list(DOCS.values())).search(["stock markets"], 3)
    assert ranking.doc_ids[0] == "stocks"
    assert "identity" not in retriever.describe(), "a function's weights have no name"
    assert retriever.cache is None, "a function's vectors are never cached"


def test_an_mteb_encoder_is_told_each_sides_prompt_type_and_a_task():
    encoder = MtebStyle()
    retriever = resolve(encoder, name="mteb")
    assert object_kind(encoder) == "mteb-encoder"
    retriever.embed(["household pets"], QUERY)
    retriever.embed(["Cats purr."], DOCUMENT)
    assert encoder.seen == [
        ("Core17InstructionRetrieval", "query"),
        ("Core17InstructionRetrieval", _document_prompt_type()),
    ]


def _document_prompt_type():
    """MTEB 2 names the document side 'document', MTEB 1 'passage'; without mteb: 'passage'."""
    try:
        from mteb.types import PromptType
    except ImportError:
        return "passage"
    return "passage" if "passage" in PromptType.__members__ else "document"


def test_an_encoder_that_returns_the_wrong_shape_is_one_line_naming_it():
    retriever = adapt(lambda texts: np.zeros((1, 4)), "broken")
    with pytest.raises(RetrieverError, match=r"broken: encode returned shape \(1, 4\) for 2"):
        retriever.embed(["a", "b"], QUERY)
    failing = adapt(lambda texts: 1 / 0, "failing")
    with pytest.raises(RetrieverError, match=r"failing: encode failed .ZeroDivisionError"):
        failing.embed(["a"], QUERY)


@pytest.mark.parametrize("given", [3, b"not an object", Retriever, object()])
def test_what_fits_nothing_is_named_in_the_error(given):
    with pytest.raises(RetrieverError, match=r"cannot use .* as a retriever: pass"):
        adapt(given)


def test_mteb_2s_dataloader_protocol_is_refused_with_what_to_pass_instead():
    class Mteb2:
        def encode(self, inputs, *, task_metadata, hf_split, hf_subset, prompt_type=None):
            raise AssertionError("never called")

    with pytest.raises(RetrieverError, match=r"follows MTEB 2's protocol .* pass the model"):
        adapt(Mteb2())


def test_a_retriever_object_is_used_as_it_is(bm25):
    assert adapt(bm25) is bm25


@pytest.mark.model
def test_a_loaded_cross_encoder_scores_as_the_same_model_by_path(cross_encoder_dir):
    import torch
    from sentence_transformers import CrossEncoder

    by_path = resolve(str(cross_encoder_dir))
    loaded = CrossEncoder(str(cross_encoder_dir), activation_fn=torch.nn.Sigmoid())
    adapted = resolve(loaded, EncoderSettings(), name="ce")
    assert isinstance(adapted, LoadedCrossEncoder)
    pairs = [("household pets", DOCS["pets"]), ("stock markets", DOCS["stocks"])]
    np.testing.assert_allclose(adapted.scores(pairs), by_path.scores(pairs), atol=1e-6)
    assert adapted.describe()["kind"] == "cross-encoder"


def test_a_template_from_one_pattern_swaps_its_placeholders_for_the_other_order():
    template = Template.from_pattern("query: {query} {instruction}")
    assert template.query_first == "query: {query} {instruction}"
    assert template.instruction_first == "query: {instruction} {query}"
    assert template.bare == "query: {query}"
    with pytest.raises(ValueError, match=re.escape("needs {query} and {instruction} once each")):
        Template.from_pattern("{query} {doc}")
