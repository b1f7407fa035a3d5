"""A model paraphraser through transformers: any seq2seq or causal language model.

Off unless a model is given: ``ModelParaphrase(path=...)``, ``ModelParaphrase(model, tokenizer)``
or, for the registered operator, the environment variable ``INSTRUCTPROBE_PARAPHRASE_MODEL``
naming a local model directory. Decoding is beam search (no sampling), so the output depends on
the model and the instruction only; the seed plays no part. Every output still has to pass the
meaning filter, which is what makes a free rewrite usable as an invariant edit.
"""

from __future__ import annotations

import os
import random
from typing import Any

from instructprobe.perturb.base import CorpusStats, Operator
from instructprobe.perturb.model import Case, Edit, Expectation, Family, Request, Variant
from instructprobe.perturb.text import content_words, words

ENVIRONMENT_VARIABLE = "INSTRUCTPROBE_PARAPHRASE_MODEL"
PROMPT = (
    "Rewrite the following search instruction in different words. Keep its meaning, every "
    "condition and every name. Reply with the rewritten instruction only.\n\n{instruction}"
)
SEQ2SEQ_PREFIX = "paraphrase: "


class ModelParaphrase(Operator):
    name = "model-paraphrase"
    family = Family.PARAPHRASE
    summary = f"LM rewrite; set ${ENVIRONMENT_VARIABLE}"

    def __init__(
        self,
        model: Any = None,
        tokenizer: Any = None,
        path: str | None = None,
        outputs: int = 2,
        max_input_tokens: int = 256,
        max_new_tokens: int = 128,
    ) -> None:
        self._model = model
        self._tokenizer = tokenizer
        self.path = path if path is not None else os.environ.get(ENVIRONMENT_VARIABLE) or None
        self.outputs = outputs
        self.max_input_tokens = max_input_tokens
        self.max_new_tokens = max_new_tokens

    @property
    def enabled(self) -> bool:
        return self._model is not None or self.path is not None

    def _load(self) -> tuple[Any, Any]:
        if self._model is None:
            if self.path is None:
                raise ValueError("model-paraphrase needs a model or a path")
            from transformers import (
                AutoConfig,
                AutoModelForCausalLM,
                AutoModelForSeq2SeqLM,
                AutoTokenizer,
            )

            config = AutoConfig.from_pretrained(self.path, local_files_only=True)
            loader = (
                AutoModelForSeq2SeqLM
                if getattr(config, "is_encoder_decoder", False)
                else AutoModelForCausalLM
            )
            self._model = loader.from_pretrained(self.path, local_files_only=True).eval()
            self._tokenizer = AutoTokenizer.from_pretrained(self.path, local_files_only=True)
        return self._model, self._tokenizer

    def _prompt(self, tokenizer: Any, instruction: str, seq2seq: bool) -> str:
        if seq2seq:
            return SEQ2SEQ_PREFIX + instruction
        message = PROMPT.format(instruction=instruction)
        if getattr(tokenizer, "chat_template", None):
            return str(
                tokenizer.apply_chat_template(
                    [{"role": "user", "content": message}],
                    tokenize=False,
                    add_generation_prompt=True,
                )
            )
        return message + "\n\nRewritten instruction:"

    def generate(self, instruction: str) -> list[str]:
        """Up to ``outputs`` distinct rewrites (beam search), cleaned to their first line."""
        import torch

        model, tokenizer = self._load()
        seq2seq = bool(getattr(model.config, "is_encoder_decoder", False))
        prompt = self._prompt(tokenizer, instruction, seq2seq)
        encoded = tokenizer(prompt, return_tensors="pt", add_special_tokens=seq2seq)
        encoded = {k: v for k, v in encoded.items() if k in ("input_ids", "attention_mask")}
        if encoded["input_ids"].shape[1] > self.max_input_tokens:
            return []
        pad = tokenizer.pad_token_id
        eos = (
            tokenizer.eos_token_id if tokenizer.eos_token_id is not None else tokenizer.sep_token_id
        )
        with torch.no_grad():
            out = model.generate(
                **encoded,
                do_sample=False,
                num_beams=max(2, self.outputs),
                num_return_sequences=self.outputs,
                max_new_tokens=self.max_new_tokens,
                pad_token_id=pad if pad is not None else eos,
                eos_token_id=eos,
            )
        if not seq2seq:
            out = out[:, encoded["input_ids"].shape[1] :]
        texts = tokenizer.batch_decode(out, skip_special_tokens=True)
        cleaned = []
        for text in texts:
            lines = [line.strip() for line in str(text).strip().splitlines() if line.strip()]
            if lines:
                cleaned.append(lines[0].strip("\"'“” "))
        return list(dict.fromkeys(t for t in cleaned if t))

    def variants(self, case: Case, rng: random.Random, stats: CorpusStats) -> tuple[Variant, ...]:
        if not self.enabled or not words(case.instruction):
            return ()
        original = set(content_words(case.instruction))
        variants = []
        for rank, text in enumerate(self.generate(case.instruction)):
            if text == case.instruction.strip():
                continue
            kept = len(original & set(content_words(text)))
            variants.append(
                Variant(
                    case_id=case.id,
                    family=self.family,
                    operator=self.name,
                    form="model",
                    request=Request(case.query, text, case.request.order),
                    expectation=Expectation.invariant(),
                    strength=1 - kept / max(1, len(original)),
                    edits=(Edit(0, case.instruction, text),),
                    params=(
                        ("model", str(self.path or type(self._model).__name__)),
                        ("beam", str(rank)),
                    ),
                )
            )
        return tuple(variants)
