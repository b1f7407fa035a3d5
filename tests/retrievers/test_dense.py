import numpy as np
import pytest

from instructprobe.retrievers.cache import DOCUMENT, QUERY
from instructprobe.retrievers.dense import (
    EncoderSettings,
    SentenceTransformerRetriever,
    same_length_groups,
)

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


def test_a_vector_does_not_depend_on_the_texts_encoded_with_it(minilm):
    """Padded to a longer neighbour's length, MiniLM's vector of a text differs in its last
    bits; a run whose cache another run (``--limit``) filled then differed from a run on an
    empty cache. Texts of one token length are encoded together, so each vector is its own."""
    text = (
        "I'm a primary school teacher and one of my pupils has a severe peanut allergy. I need "
        "passages that tell me what to do with an epinephrine auto-injector during anaphylaxis: "
        "how to give it and what to do afterwards."
    )
    longer = text + " Leave out anything written for parents, nurses or doctors." * 3

    def fresh():
        return SentenceTransformerRetriever("minilm", minilm.model_path, model=minilm.model)

    alone = fresh().embed([text], QUERY)[0]
    beside = fresh().embed([longer, text, "EpiPen"], QUERY)
    np.testing.assert_array_equal(beside[1], alone)
    np.testing.assert_array_equal(beside[2], fresh().embed(["EpiPen"], QUERY)[0])


def test_same_length_groups_keep_each_lengths_positions_in_order():
    assert same_length_groups([5, 3, 5, 4, 3]) == [[0, 2], [1, 4], [3]]
    assert same_length_groups([]) == []


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


def _e5_mistral_like(folder):
    """A tiny last-token-pooling Mistral saved as e5-mistral-7b-instruct's files are: its
    tokenizer_config.json asks for <s> and </s>, its tokenizer.json's post-processor adds
    only <s> (the model's published configuration, as MTEB's wrapper for it describes)."""
    import json

    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import MistralConfig, MistralModel, PreTrainedTokenizerFast

    vocab = {"<unk>": 0, "<s>": 1, "</s>": 2}
    for word in [
        "what",
        "do",
        "cats",
        "eat",
        "instruct",
        "query",
        ":",
        "given",
        "a",
        "web",
        "search",
        "kittens",
    ]:
        vocab.setdefault(word, len(vocab))
    tokenizer = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A", pair="<s> $A <s> $B", special_tokens=[("<s>", 1)]
    )
    PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        bos_token="<s>",
        eos_token="</s>",
        unk_token="<unk>",
        pad_token="</s>",
    ).save_pretrained(folder)
    config_path = folder / "tokenizer_config.json"
    config = json.loads(config_path.read_text())
    config.update(
        {"add_bos_token": True, "add_eos_token": True, "tokenizer_class": "LlamaTokenizer"}
    )
    config_path.write_text(json.dumps(config))
    torch.manual_seed(0)
    small = MistralConfig(
        vocab_size=len(vocab),
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=1,
        pad_token_id=2,
    )
    MistralModel(small).save_pretrained(folder)
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {
            "idx": 1,
            "name": "1",
            "path": "1_Pooling",
            "type": "sentence_transformers.models.Pooling",
        },
        {
            "idx": 2,
            "name": "2",
            "path": "2_Normalize",
            "type": "sentence_transformers.models.Normalize",
        },
    ]
    (folder / "modules.json").write_text(json.dumps(modules))
    (folder / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": 64}))
    (folder / "1_Pooling").mkdir()
    (folder / "1_Pooling" / "config.json").write_text(
        json.dumps({"word_embedding_dimension": 16, "pooling_mode_lasttoken": True})
    )
    (folder / "2_Normalize").mkdir()
    return folder


@pytest.mark.model
def test_e5_mistral_reads_its_closing_eos_token_and_pools_it(tmp_path):
    import torch
    from transformers import AutoTokenizer, MistralModel

    from instructprobe.retrievers import resolve

    folder = _e5_mistral_like(tmp_path / "e5-mistral")
    plain = AutoTokenizer.from_pretrained(folder)
    words = plain("what do cats eat", add_special_tokens=False)["input_ids"]
    # on the CPU in float32, as the reference is (a GPU's half precision differs by ~3e-4)
    retriever = resolve(f"e5-mistral-7b-instruct={folder}", EncoderSettings(device="cpu"))
    model = retriever.model
    tokenize = getattr(model, "preprocess", None) or model.tokenize  # preprocess: ST >= 6
    ids = tokenize(["what do cats eat"])["input_ids"][0].tolist()
    assert ids == [plain.bos_token_id, *words, plain.eos_token_id]
    with torch.no_grad():
        hidden = MistralModel.from_pretrained(folder)(torch.tensor([ids])).last_hidden_state
    expected = torch.nn.functional.normalize(hidden[0, -1], dim=0).numpy()
    (vector,) = retriever.embed(["what do cats eat"], QUERY)
    np.testing.assert_allclose(vector, expected, atol=1e-5)


@pytest.mark.model
def test_a_half_precision_checkpoint_runs_in_the_precision_the_cache_records(tmp_path):
    import torch
    from transformers import MistralModel

    from instructprobe.retrievers import resolve

    folder = _e5_mistral_like(tmp_path / "e5-mistral")
    MistralModel.from_pretrained(folder).to(torch.bfloat16).save_pretrained(folder)
    retriever = resolve(f"e5-mistral-7b-instruct={folder}", EncoderSettings(device="cpu"))
    assert retriever.namespace_settings()["precision"] == "float32"
    assert {p.dtype for p in retriever.model.parameters()} == {torch.float32}
