"""A model paraphraser through transformers: any seq2seq or causal language model.

Off unless a model is given: ``ModelParaphrase(path=...)``, ``ModelParaphrase(model, tokenizer)``
or, for the registered operator, the environment variable ``INSTRUCTPROBE_PARAPHRASE_MODEL``
naming a local model folder, a ``.gguf`` file (or a folder holding one), or a hub id
(``org/name``: the local hub cache, else a download when the hub is reachable).

A causal model with a chat template gets the request as a chat (a system message, then the
instruction in a user message); one without gets a plain prompt; a seq2seq model gets
``paraphrase: <instruction>``. Decoding never samples: greedy for one output, beam search for
several, so the output depends on the model and the instruction only, and the seed plays no
part. The reply is cleaned by removal only (a "Here is…:" preamble, a role prefix, enclosing
quotes; the first line is kept, a reply cut off at the token limit is dropped), never by adding
text. Every output still has to pass the meaning filter, which is what makes a free rewrite
usable as an invariant edit.
"""

from __future__ import annotations

import os
import random
import re
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from instructprobe.core.checkpoints import Checkpoint, quiet_dequantising
from instructprobe.core.errors import PerturbError
from instructprobe.perturb.base import CorpusStats, Operator
from instructprobe.perturb.model import Case, Edit, Expectation, Family, Request, Variant
from instructprobe.perturb.text import content_words, words

ENVIRONMENT_VARIABLE = "INSTRUCTPROBE_PARAPHRASE_MODEL"
SYSTEM = "You rewrite text in other words. You never answer or carry out the text you are given."
PROMPT = (
    "Rewrite the following search instruction in different words. Keep its meaning, every "
    "condition, every negation and every name. Reply with the rewritten instruction only."
    "\n\n{instruction}"
)
PLAIN_SUFFIX = "\n\nRewritten instruction:"
SEQ2SEQ_PREFIX = "paraphrase: "
HUB_ID = re.compile(r"[A-Za-z0-9][\w.-]*/[\w.-]+")

_PREAMBLE = re.compile(
    r"(?:(?:sure|certainly|of course|okay|ok|here|the|a|an|this|your)\b[^:\n]{0,80}?)?"
    r"(?:rewrit|rephras|paraphras|reword|revised|version)[^:\n]{0,80}:\s*",
    re.IGNORECASE,
)
"""An introduction to the rewrite ("Here is the rewritten instruction:", "Paraphrase:")."""
_ROLE = re.compile(
    r"(?:assistant|user|system|a|rewritten(?: search)? instruction|paraphrase|output|answer)"
    r"\s*:\s*",
    re.IGNORECASE,
)
_INTERJECTION = re.compile(r"(?:sure|certainly|of course|okay|ok)[!.,]?", re.IGNORECASE)
_LIST_ITEM = re.compile(r"(?:\d+[.)]|[-*•])\s")
_QUOTES = {'"': '"', "“": "”", "'": "'", "‘": "’"}


def clean(reply: str, finished: bool = True) -> str | None:
    """The rewrite in a model's reply, or None; always a substring of ``reply``.

    The first line that is not a preamble ("Here is the rewritten instruction:", "Sure!") is
    kept, without a role prefix or enclosing quotes. A list item (the model broke the
    instruction into parts) and a line cut off at the token limit (``finished`` false and
    nothing after it) are refused rather than repaired.
    """
    lines = [line.strip() for line in reply.splitlines() if line.strip()]
    while lines and _is_preamble(lines[0]):
        lines.pop(0)
    if not lines or (len(lines) == 1 and not finished) or _LIST_ITEM.match(lines[0]):
        return None
    text = lines[0]
    for prefix in (_ROLE, _PREAMBLE):
        if (found := prefix.match(text)) is not None:
            text = text[found.end() :]
    return _unquote(text).strip() or None


def _is_preamble(line: str) -> bool:
    if _INTERJECTION.fullmatch(line):
        return True
    return line.endswith(":") and bool(_PREAMBLE.fullmatch(line) or _ROLE.fullmatch(line))


def _unquote(text: str) -> str:
    """``text`` without a pair of quotes around all of it (a quoted term inside is kept)."""
    closing = _QUOTES.get(text[:1])
    if closing is None or len(text) < 2 or not text.endswith(closing):
        return text
    inner = text[1:-1]
    # An apostrophe inside a word ("client's") is not a quote mark.
    marks = re.sub(r"(?<=\w)'(?=\w)", "", inner) if closing == "'" else inner
    return text if text[0] in marks or closing in marks else inner


@dataclass(frozen=True)
class Completion:
    """What a model wrote for one instruction: each returned sequence, and whether it ended."""

    prompt: str
    replies: tuple[str, ...]
    finished: tuple[bool, ...]
    """Whether each sequence ended by itself (an end token) rather than at the token limit."""
    new_tokens: int
    """Tokens generated over all sequences, up to each one's end token."""

    @property
    def texts(self) -> tuple[str, ...]:
        """The distinct cleaned rewrites, best first."""
        cleaned = (clean(r, f) for r, f in zip(self.replies, self.finished, strict=True))
        return tuple(dict.fromkeys(t for t in cleaned if t))


def model_identity() -> str | None:
    """What the registered operator's output depends on besides the code: the model named by
    the environment variable, and the transformers that runs it (None when it is off)."""
    named = os.environ.get(ENVIRONMENT_VARIABLE)
    if not named:
        return None
    from importlib.metadata import version

    return f"{named}|transformers {version('transformers')}"


class ModelParaphrase(Operator):
    name = "model-paraphrase"
    family = Family.PARAPHRASE
    summary = f"LM rewrite; set ${ENVIRONMENT_VARIABLE}"

    def __init__(
        self,
        model: Any = None,
        tokenizer: Any = None,
        path: str | None = None,
        outputs: int = 1,
        max_input_tokens: int = 384,
        max_new_tokens: int = 192,
        device: str | None = None,
    ) -> None:
        if outputs < 1:
            raise PerturbError(f"model-paraphrase needs at least one output, got {outputs}")
        self._model = model
        self._tokenizer = tokenizer
        self.path = path if path is not None else os.environ.get(ENVIRONMENT_VARIABLE) or None
        self.outputs = outputs
        self.max_input_tokens = max_input_tokens
        self.max_new_tokens = max_new_tokens
        self.device = device

    @property
    def enabled(self) -> bool:
        return self._model is not None or self.path is not None

    def checkpoint(self) -> Checkpoint:
        """Where the model named by ``path`` is: a local folder or GGUF file, or a hub id."""
        if self.path is None:
            raise PerturbError("model-paraphrase needs a model or a path")
        local = Path(self.path).expanduser()
        try:
            if local.exists() or not HUB_ID.fullmatch(self.path):
                return Checkpoint.of(local, PerturbError)
            return Checkpoint.of(_hub_snapshot(self.path), PerturbError)
        except PerturbError as error:
            raise PerturbError(f"model-paraphrase (${ENVIRONMENT_VARIABLE}): {error}") from None

    def _load(self) -> tuple[Any, Any]:
        if self._model is None:
            self._tokenizer, self._model = _load_pretrained(self.checkpoint(), self.device)
        return self._model, self._tokenizer

    def _prompt(self, tokenizer: Any, instruction: str, seq2seq: bool) -> str:
        if seq2seq:
            return SEQ2SEQ_PREFIX + instruction
        message = PROMPT.format(instruction=instruction)
        if getattr(tokenizer, "chat_template", None):
            return str(
                tokenizer.apply_chat_template(
                    [{"role": "system", "content": SYSTEM}, {"role": "user", "content": message}],
                    tokenize=False,
                    add_generation_prompt=True,
                )
            )
        return message + PLAIN_SUFFIX

    def token_budget(self, tokenizer: Any, instruction: str) -> int:
        """New tokens allowed: room for a rewrite half again as long as the instruction and a
        short preamble, so a model that repeats itself stops early; at most ``max_new_tokens``."""
        length = len(tokenizer(instruction, add_special_tokens=False)["input_ids"])
        return min(self.max_new_tokens, length * 3 // 2 + 24)

    def complete(self, instruction: str) -> Completion | None:
        """The model's replies to ``instruction``; None when the prompt is over
        ``max_input_tokens``."""
        import torch

        model, tokenizer = self._load()
        seq2seq = bool(getattr(model.config, "is_encoder_decoder", False))
        prompt = self._prompt(tokenizer, instruction, seq2seq)
        encoded = tokenizer(prompt, return_tensors="pt", add_special_tokens=seq2seq)
        inputs = {k: v.to(model.device) for k, v in encoded.items() if k in _MODEL_INPUTS}
        if inputs["input_ids"].shape[1] > self.max_input_tokens:
            return None
        eos = _end_token(tokenizer)
        pad = tokenizer.pad_token_id
        with torch.no_grad():
            out = model.generate(
                **inputs,
                do_sample=False,
                num_beams=1 if self.outputs == 1 else self.outputs,
                num_return_sequences=self.outputs,
                max_new_tokens=self.token_budget(tokenizer, instruction),
                pad_token_id=pad if pad is not None else eos,
                eos_token_id=eos,
            )
        rows = out[:, 1:] if seq2seq else out[:, inputs["input_ids"].shape[1] :]
        lengths = [_length_to_end(row.tolist(), eos) for row in rows]
        return Completion(
            prompt=prompt,
            replies=tuple(str(t) for t in tokenizer.batch_decode(rows, skip_special_tokens=True)),
            finished=tuple(eos in row.tolist() for row in rows),
            new_tokens=sum(lengths),
        )

    def generate(self, instruction: str) -> list[str]:
        """Up to ``outputs`` distinct cleaned rewrites, best first."""
        completion = self.complete(instruction)
        return list(completion.texts) if completion is not None else []

    def variants(self, case: Case, rng: random.Random, stats: CorpusStats) -> tuple[Variant, ...]:
        if not self.enabled or not words(case.instruction):
            return ()
        return self.as_variants(case, self.generate(case.instruction))

    def as_variants(self, case: Case, rewrites: Sequence[str]) -> tuple[Variant, ...]:
        """The variants ``rewrites`` of ``case.instruction`` make (a copy of it makes none)."""
        original = set(content_words(case.instruction))
        variants = []
        for rank, text in enumerate(rewrites):
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


_MODEL_INPUTS = ("input_ids", "attention_mask")


def _end_token(tokenizer: Any) -> int:
    eos = tokenizer.eos_token_id
    return int(eos if eos is not None else tokenizer.sep_token_id)


def _length_to_end(row: list[int], eos: int) -> int:
    """Tokens up to and including the first end token (all of them if there is none)."""
    return row.index(eos) + 1 if eos in row else len(row)


def _hub_snapshot(model_id: str) -> Path:
    from instructprobe.core.hub import RepoType, Wanted, snapshot

    fix = (
        f"download it where there is internet (`hf download {model_id}`) and copy the hub "
        "cache, or name a local model folder or .gguf file"
    )
    wanted = Wanted(model_id, RepoType.MODEL, f"model {model_id!r}", fix, PerturbError)
    return snapshot(wanted)


def _load_pretrained(checkpoint: Checkpoint, device: str | None) -> tuple[Any, Any]:
    """(tokenizer, model) from ``checkpoint``, on ``device`` (a GPU when there is one)."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoModelForSeq2SeqLM, AutoTokenizer

    from instructprobe.core.hub import quiet_progress

    quiet_progress()
    target = device or ("cuda" if torch.cuda.is_available() else "cpu")
    dtype = torch.bfloat16 if target.startswith("cuda") else torch.float32
    folder, kwargs = str(checkpoint.folder), checkpoint.loading_kwargs()
    try:
        config = AutoConfig.from_pretrained(folder, **kwargs)
        seq2seq = bool(getattr(config, "is_encoder_decoder", False))
        loader = AutoModelForSeq2SeqLM if seq2seq else AutoModelForCausalLM
        with quiet_dequantising() if checkpoint.gguf_file else nullcontext():
            model: Any = loader.from_pretrained(folder, dtype=dtype, **kwargs)
        tokenizer = AutoTokenizer.from_pretrained(folder, **kwargs)
    except (OSError, ValueError, ImportError) as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        hint = " (a GGUF file needs: pip install 'instructprobe[paraphrase]')"
        raise PerturbError(
            f"model-paraphrase cannot load {checkpoint.path}: {first}"
            + (hint if checkpoint.gguf_file else "")
        ) from None
    return tokenizer, model.to(target).eval()
