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


class Mteb2Style:
    """MTEB 2's protocol: ``encode(DataLoader[BatchedInput], *, task_metadata, hf_split,
    hf_subset, prompt_type=None, **kwargs)``; records what it was given."""

    def __init__(self):
        self.seen = []

    def encode(self, inputs, *, task_metadata, hf_split, hf_subset, prompt_type=None, **kwargs):
        batches = list(inputs)
        self.seen.append((batches, task_metadata, hf_split, hf_subset, prompt_type, kwargs))
        return hashed_words([text for batch in batches for text in batch["text"]])


def test_an_mteb_2_encoder_gets_batches_of_dicts_each_sides_prompt_type_and_the_task():
    encoder = Mteb2Style()
    retriever = resolve(encoder, EncoderSettings(batch_size=2), name="mteb2")
    assert object_kind(encoder) == "mteb2-encoder"
    assert retriever.describe()["kind"] == "mteb2-encoder"
    retriever.embed(["household pets", "stock markets", "cats"], QUERY)
    retriever.embed([" Cats purr. "], DOCUMENT)
    (queries, metadata, split, subset, kind, kwargs), (documents, *_, document_kind, _) = (
        encoder.seen
    )
    assert queries == [
        {
            "id": ["0", "1"],
            "text": ["household pets", "stock markets"],
            "query": ["household pets", "stock markets"],
        },
        {"id": ["2"], "text": ["cats"], "query": ["cats"]},
    ], "longest first, in batches of the batch size"
    assert documents == [{"id": ["0"], "text": ["Cats purr."], "body": [" Cats purr. "]}]
    assert (split, subset) == ("test", "default")
    assert kwargs == {"batch_size": 2, "show_progress_bar": False}
    assert str(getattr(kind, "value", kind)) == "query"
    assert str(getattr(document_kind, "value", document_kind)) == _document_prompt_type()
    assert getattr(metadata, "name", "Core17InstructionRetrieval") == "Core17InstructionRetrieval"


def test_mteb_2_batches_equal_mtebs_own_dataloader():
    """``mteb_dataloader`` against the DataLoader MTEB 2.26's retrieval search builds."""
    mteb = pytest.importorskip("mteb")
    from datasets import Dataset
    from mteb._create_dataloaders import create_dataloader

    from instructprobe.retrievers.objects import mteb_dataloader, mteb_task_metadata

    metadata = mteb_task_metadata("Core17InstructionRetrieval")
    assert metadata == mteb.get_task("Core17InstructionRetrieval").metadata
    texts = ["  Cats purr.  ", "Stock markets fell.", "Knead the dough. "]
    ids = [str(i) for i in range(len(texts))]
    for role, prompt_type in ((QUERY, "query"), (DOCUMENT, "document")):
        theirs = create_dataloader(
            Dataset.from_dict({"id": ids, "text": texts}),
            task_metadata=metadata,
            prompt_type=mteb.types.PromptType(prompt_type),
            batch_size=2,
        )
        assert list(mteb_dataloader(texts, role, 2)) == list(theirs), role


@pytest.mark.model
def test_mtebs_sentence_transformer_wrapper_scores_as_the_same_model_by_path(minilm):
    """mteb 2's own wrapper around MiniLM, through MTEB 2's protocol, equals the project's
    sentence-transformers path; with the model's prompts, it equals the model object with them,
    so each side was given its own prompt type."""
    wrappers = pytest.importorskip("mteb.models")
    from instructprobe.perturb import Order, Request

    wrapped = resolve(wrappers.SentenceTransformerEncoderWrapper(minilm.model))
    assert isinstance(wrapped, EncoderRetriever) and wrapped.kind == "mteb2-encoder"
    assert wrapped.name == "model", "named by the folder of the model it wraps"
    assert re.fullmatch(r"weights-sha256:[0-9a-f]{64}", wrapped.describe()["identity"])
    texts = ["household pets", "Cats and dogs are pets.", "stock markets fell"]
    for role in (QUERY, DOCUMENT):
        np.testing.assert_allclose(wrapped.embed(texts, role), minilm.embed(texts, role), atol=1e-6)
    index = wrapped.index(list(DOCS), list(DOCS.values()))
    (ranking,) = index.search(["household pets"], 3)
    (expected,) = minilm.index(list(DOCS), list(DOCS.values())).search(["household pets"], 3)
    assert ranking.doc_ids == expected.doc_ids
    np.testing.assert_allclose(ranking.scores, expected.scores, atol=1e-6)

    prompted = copy.deepcopy(minilm.model)
    prompted.prompts = {"query": "query: ", "document": "passage: "}
    by_protocol = resolve(wrappers.SentenceTransformerEncoderWrapper(prompted), name="mteb2")
    by_object = adapt(prompted, "object")
    request = Request("what do cats eat", "Only kittens.", Order.QUERY_FIRST)
    np.testing.assert_allclose(
        by_protocol.embed([by_protocol.template.render(request)], QUERY),
        by_object.embed([by_object.template.render(request)], QUERY),
        atol=1e-6,
    )
    np.testing.assert_allclose(
        by_protocol.embed(texts, DOCUMENT), by_object.embed(texts, DOCUMENT), atol=1e-6
    )
    assert not np.allclose(
        by_protocol.embed(texts, DOCUMENT), wrapped.embed(texts, DOCUMENT), atol=1e-3
    ), "the document prompt is read"


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
