import numpy as np
import pytest
import torch

from instructprobe.perturb import Order, Request
from instructprobe.retrievers import resolve
from instructprobe.retrievers.cache import DOCUMENT, QUERY
from instructprobe.retrievers.dense import EncoderSettings
from instructprobe.retrievers.instructor import InstructorRetriever

DOCS = {
    "pets": "Cats and dogs are the most common household pets.",
    "stocks": "Stock markets fell sharply after the interest rate decision.",
    "bread": "Knead the dough for ten minutes and let it rise for an hour.",
}


@pytest.fixture(scope="module")
def instructor(instructor_dir):
    # on the CPU, in float32 as the references are: on a GPU "auto" is half precision, which
    # differs from them by about 3e-3 (seen on an H200)
    return resolve(f"instructor-xl={instructor_dir}", EncoderSettings(device="cpu"))


def reference(instructor_dir, instruction, text, skip_instruction=True):
    """INSTRUCTOR's embedding computed independently from the saved files."""
    from safetensors.torch import load_file
    from transformers import AutoTokenizer, T5EncoderModel

    tokenizer = AutoTokenizer.from_pretrained(instructor_dir)
    model = T5EncoderModel.from_pretrained(instructor_dir).eval()
    joined = tokenizer([(instruction + text.strip()).strip()], return_tensors="pt")
    n_instruction = len(tokenizer(instruction.strip())["input_ids"]) - 1  # less its </s>
    n_instruction = n_instruction if n_instruction > 1 else 0
    with torch.no_grad():
        hidden = model(**joined).last_hidden_state[0]
    start = n_instruction if skip_instruction else 0
    pooled = hidden[start:].mean(0)
    weight = load_file(str(instructor_dir / "2_Dense" / "model.safetensors"))["linear.weight"]
    projected = weight @ pooled
    return (projected / projected.norm()).numpy()


def test_preset_on_a_local_folder_is_an_instructor_with_its_instructions(instructor):
    assert isinstance(instructor, InstructorRetriever)
    assert instructor.name == "instructor-xl"
    assert instructor.pairs(["  Cats purr. "], DOCUMENT) == [
        ("Represent the document for retrieval: ", "Cats purr.")
    ]
    assert instructor.model_inputs(["Cats purr."], DOCUMENT) == [
        "Represent the document for retrieval: Cats purr."
    ]
    assert instructor.model_inputs(["skip kittens cats"], QUERY) == [
        "Represent the question for retrieving supporting documents: skip kittens cats"
    ]


def test_instruction_tokens_are_left_out_of_the_mean_pooling(instructor, instructor_dir):
    text = "cats and dogs are common pets"
    (vector,) = instructor.embed([text], DOCUMENT)
    instruction = instructor.document_instruction
    expected = reference(instructor_dir, instruction, text)
    np.testing.assert_allclose(vector, expected, atol=1e-5)
    pooled_with_instruction = reference(instructor_dir, instruction, text, skip_instruction=False)
    assert not np.allclose(vector, pooled_with_instruction, atol=1e-3)


def test_the_instruction_still_shapes_the_text_tokens(instructor):
    text = "cats and dogs"
    query, document = instructor.embed([text], QUERY)[0], instructor.embed([text], DOCUMENT)[0]
    assert query.shape == (12,), "the Dense layer projects 16 → 12"
    assert not np.allclose(query, document, atol=1e-4)
    np.testing.assert_allclose(np.linalg.norm([query, document], axis=1), 1.0, rtol=1e-5)


def test_batched_padded_encoding_matches_one_at_a_time(instructor_dir):
    texts = ["cats", "stock markets fell after the interest rate decision", "bread"]
    batched = InstructorRetriever("i", str(instructor_dir), EncoderSettings(batch_size=3))
    single = InstructorRetriever("i", str(instructor_dir), EncoderSettings(batch_size=1))
    np.testing.assert_allclose(batched.embed(texts, QUERY), single.embed(texts, QUERY), atol=1e-5)


def test_search_and_rerank_run_end_to_end_and_reorder_changes_the_input(instructor):
    index = instructor.index(list(DOCS), list(DOCS.values()))
    request = Request("household pets", "do not include documents about stocks")
    texts = [
        instructor.template.render(request),
        instructor.template.render(Request(request.query, request.instruction, Order.QUERY_FIRST)),
    ]
    assert texts[0] != texts[1]
    rankings = index.search(texts, depth=3)
    assert all(sorted(r.doc_ids) == sorted(DOCS) for r in rankings)
    assert rankings[0].scores != rankings[1].scores
    (reranked,) = index.rerank(texts[:1], [("bread", "pets")])
    assert set(reranked.doc_ids) == {"bread", "pets"}


def test_the_cache_key_covers_the_instruction(instructor_dir, tmp_path):
    settings = EncoderSettings(cache_dir=str(tmp_path))
    a = InstructorRetriever("a", str(instructor_dir), settings)
    b = InstructorRetriever(
        "b", str(instructor_dir), settings, document_instruction="Represent the passage:"
    )
    assert a.namespace(DOCUMENT).id != b.namespace(DOCUMENT).id
    assert a.namespace(QUERY).id == b.namespace(QUERY).id
    first = a.embed(["cats"], DOCUMENT)
    second = b.embed(["cats"], DOCUMENT)
    assert not np.allclose(first, second)


@pytest.mark.parametrize(
    ("config", "mean"),
    [
        ({"word_embedding_dimension": 16, "pooling_mode_mean_tokens": True}, True),
        ({"embedding_dimension": 16, "pooling_mode": "mean", "include_prompt": True}, True),
        ({"pooling_mode": ["mean"]}, True),
        ({"pooling_mode": "cls"}, False),
        ({"pooling_mode_cls_token": True, "pooling_mode_mean_tokens": False}, False),
        ({"pooling_mode_mean_tokens": True, "pooling_mode_max_tokens": True}, False),
    ],
)
def test_mean_pooling_is_read_in_old_and_current_keys(config, mean):
    from instructprobe.retrievers.instructor import pools_by_mean

    assert pools_by_mean(config) is mean


def test_a_checkpoint_that_does_not_pool_by_mean_is_refused_in_one_line(instructor_dir, tmp_path):
    import json
    import shutil

    from instructprobe.core.errors import RetrieverError

    copied = shutil.copytree(instructor_dir, tmp_path / "instructor-cls")
    (copied / "1_Pooling" / "config.json").write_text(json.dumps({"pooling_mode": "cls"}))
    with pytest.raises(RetrieverError, match=r"is not mean pooling \(\{'pooling_mode': 'cls'\}"):
        InstructorRetriever("i", str(copied)).embed(["cats"], QUERY)


def test_a_vector_does_not_depend_on_the_texts_encoded_with_it(instructor_dir):
    """Padded to a longer neighbour's length, a vector differs in its last bits, so a run
    whose cache another run filled would differ from one on an empty cache; pairs of one
    padded length are encoded together, so each vector is its own."""
    text = "stock markets fell after the interest rate decision"
    longer = text + " and the central bank said it would act again next month" * 4

    def fresh():
        return InstructorRetriever("i", str(instructor_dir), EncoderSettings(device="cpu"))

    alone = fresh().embed([text], QUERY)[0]
    beside = fresh().embed([longer, text, "bread"], QUERY)
    np.testing.assert_array_equal(beside[1], alone)
    np.testing.assert_array_equal(beside[2], fresh().embed(["bread"], QUERY)[0])
