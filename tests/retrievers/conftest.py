"""Small randomly initialised models, built from configs and saved to temporary folders, so
the real loading code runs on them (no downloads)."""

from __future__ import annotations

import json

import pytest

_TEXT = (
    "the a of and to in for on is are with about do not include documents document query "
    "relevant relevance true false yes no cats dogs pets household common stock stocks markets "
    "fell interest rate decision bread dough knead rise hour minutes baking finance news "
    "animals people keep home represent question retrieving supporting retrieval : . , ? ! "
    "instruct expert google searcher whose job determine if following answer using only one "
    "word two choices output either [ ] inst / ( ) \" '"
)
WORDS = tuple(_TEXT.split())


def save_tokenizer(folder, bos: bool = False):
    """A word-level fast tokenizer over ``WORDS`` (T5-like: ``</s>`` closes every text)."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    vocab = {"<pad>": 0, "</s>": 1, "<unk>": 2, "<s>": 3}
    for word in WORDS:
        vocab.setdefault(word, len(vocab))
    tokenizer = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tokenizer.normalizer = normalizers.Lowercase()
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    single = "<s> $A </s>" if bos else "$A </s>"
    tokenizer.post_processor = processors.TemplateProcessing(
        single=single,
        pair="$A </s> $B:1 </s>:1",
        special_tokens=[("<s>", 3), ("</s>", 1)],
    )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        pad_token="<pad>",
        eos_token="</s>",
        unk_token="<unk>",
        bos_token="<s>",
    )
    fast.save_pretrained(folder)
    return len(vocab)


def _seeded():
    import torch

    torch.manual_seed(0)


@pytest.fixture(scope="session")
def instructor_dir(tmp_path_factory):
    """A tiny INSTRUCTOR checkpoint laid out as on the hub: T5 encoder, mean pooling, Dense."""
    import torch
    from safetensors.torch import save_file
    from transformers import T5Config, T5EncoderModel

    folder = tmp_path_factory.mktemp("instructor-tiny")
    size = save_tokenizer(folder)
    _seeded()
    config = T5Config(
        vocab_size=size, d_model=16, d_kv=8, d_ff=32, num_layers=2, num_heads=2, pad_token_id=0
    )
    T5EncoderModel(config).save_pretrained(folder)
    (folder / "sentence_bert_config.json").write_text(
        json.dumps({"max_seq_length": 64, "do_lower_case": False})
    )
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {
            "idx": 1,
            "name": "1",
            "path": "1_Pooling",
            "type": "sentence_transformers.models.Pooling",
        },
        {"idx": 2, "name": "2", "path": "2_Dense", "type": "sentence_transformers.models.Dense"},
        {
            "idx": 3,
            "name": "3",
            "path": "3_Normalize",
            "type": "sentence_transformers.models.Normalize",
        },
    ]
    (folder / "modules.json").write_text(json.dumps(modules))
    (folder / "1_Pooling").mkdir()
    (folder / "1_Pooling" / "config.json").write_text(
        json.dumps({"word_embedding_dimension": 16, "pooling_mode_mean_tokens": True})
    )
    (folder / "2_Dense").mkdir()
    (folder / "2_Dense" / "config.json").write_text(
        json.dumps(
            {
                "in_features": 16,
                "out_features": 12,
                "bias": False,
                "activation_function": "torch.nn.modules.linear.Identity",
            }
        )
    )
    save_file({"linear.weight": torch.randn(12, 16)}, str(folder / "2_Dense" / "model.safetensors"))
    (folder / "3_Normalize").mkdir()
    return folder


@pytest.fixture(scope="session")
def monot5_dir(tmp_path_factory):
    from transformers import T5Config, T5ForConditionalGeneration

    folder = tmp_path_factory.mktemp("monot5-tiny")
    size = save_tokenizer(folder)
    _seeded()
    config = T5Config(
        vocab_size=size,
        d_model=16,
        d_kv=8,
        d_ff=32,
        num_layers=1,
        num_decoder_layers=1,
        num_heads=2,
        pad_token_id=0,
        eos_token_id=1,
        decoder_start_token_id=0,
    )
    T5ForConditionalGeneration(config).save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def cross_encoder_dir(tmp_path_factory):
    from transformers import BertConfig, BertForSequenceClassification

    folder = tmp_path_factory.mktemp("cross-encoder-tiny")
    size = save_tokenizer(folder)
    _seeded()
    config = BertConfig(
        vocab_size=size,
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        num_labels=1,
        pad_token_id=0,
    )
    BertForSequenceClassification(config).save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def causal_dir(tmp_path_factory):
    """A tiny Mistral-architecture causal LM (FollowIR-7B's family)."""
    from transformers import MistralConfig, MistralForCausalLM

    folder = tmp_path_factory.mktemp("causal-tiny")
    size = save_tokenizer(folder, bos=True)
    _seeded()
    config = MistralConfig(
        vocab_size=size,
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=1,
        max_position_embeddings=256,
        pad_token_id=0,
        bos_token_id=3,
        eos_token_id=1,
    )
    MistralForCausalLM(config).save_pretrained(folder)
    return folder


class Counting:
    """Wraps a model object and records the texts handed to one of its methods."""

    def __init__(self, model, method: str = "encode"):
        self._model = model
        self._method = method
        self.calls: list[list] = []

    def __getattr__(self, name):
        attribute = getattr(self._model, name)
        if name != self._method:
            return attribute

        def counted(inputs, *args, **kwargs):
            self.calls.append(list(inputs))
            return attribute(inputs, *args, **kwargs)

        return counted

    @property
    def seen(self) -> list:
        return [text for call in self.calls for text in call]


@pytest.fixture
def counting():
    return Counting
