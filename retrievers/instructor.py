"""The INSTRUCTOR family (hkunlp/instructor-base, -large, -xl) on transformers directly.

INSTRUCTOR embeds an ``[instruction, text]`` pair as the released InstructorEmbedding package
(1.0.1, the one on PyPI) does: the text is stripped, the instruction is kept as it is, the two
are joined with nothing between them and the joined string is stripped (so the model card's
``"Represent the … documents: "`` reads ``"…documents: where is…"``); the T5 encoder reads the
whole string, and the mean pooling leaves out the instruction's tokens (the stripped
instruction tokenised alone, less its closing ``</s>``; an instruction of one token leaves out
nothing, as the package's ``<= 1`` rule does). Then come the checkpoint's ``2_Dense``
projection and L2 normalisation. That package does not load with current sentence-transformers,
so the same steps are written here on ``T5EncoderModel``; ``tests/retrievers/
test_instructor_reference.py`` compares them with the package itself, in its own environment.
InstructIR's published numbers were made with that package; FollowIR's with a copy that also
strips the instruction (docs/retrievers.md).

In instructprobe the pair's instruction is the model's own retrieval instruction (one for
queries, one for documents); the user's instruction travels in the text, joined to the query
by the template, which is what the perturbation families edit.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from instructprobe.core.errors import RetrieverError
from instructprobe.retrievers.base import Template, load_model
from instructprobe.retrievers.cache import DOCUMENT
from instructprobe.retrievers.dense import (
    PAD_MULTIPLE,
    EmbeddingRetriever,
    EncoderSettings,
    padded_groups,
    scattered,
)

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

QUERY_INSTRUCTION = "Represent the question for retrieving supporting documents: "
DOCUMENT_INSTRUCTION = "Represent the document for retrieval: "
DEFAULT_MAX_LENGTH = 512


class InstructorRetriever(EmbeddingRetriever):
    kind = "instructor"

    def __init__(
        self,
        name: str,
        model_path: str,
        settings: EncoderSettings | None = None,
        template: Template | None = None,
        query_instruction: str = QUERY_INSTRUCTION,
        document_instruction: str = DOCUMENT_INSTRUCTION,
        max_length: int | None = None,
    ) -> None:
        super().__init__(name, model_path, settings, template)
        self.query_instruction = query_instruction
        self.document_instruction = document_instruction
        self._max_length = max_length
        self._loaded: _Instructor | None = None

    def instruction(self, role: str) -> str:
        return self.document_instruction if role == DOCUMENT else self.query_instruction

    def prompt(self, role: str) -> str:
        return self.instruction(role)

    def max_length(self) -> int:
        if self._max_length is not None:
            return self._max_length
        config = _read_json(Path(self.model_path) / "sentence_bert_config.json")
        found = config.get("max_seq_length")
        return int(found) if isinstance(found, int) else DEFAULT_MAX_LENGTH

    def lower_case(self) -> bool:
        config = _read_json(Path(self.model_path) / "sentence_bert_config.json")
        return bool(config.get("do_lower_case", False))

    def precision(self) -> str:
        from instructprobe.retrievers.devices import run_precision

        return run_precision(self.settings.device, self.settings.precision, True)

    def namespace_settings(self) -> dict[str, str]:
        return {
            **super().namespace_settings(),
            "precision": self.precision(),
            "pooling": "mean without instruction tokens",
        }

    def pairs(self, texts: Sequence[str], role: str) -> list[tuple[str, str]]:
        """The ``[instruction, text]`` pairs INSTRUCTOR is given (the text stripped, as its
        package strips it; lower-cased where the checkpoint says ``do_lower_case``)."""
        instruction = self.instruction(role)
        lower = self.lower_case()
        pairs = [(instruction, t.strip()) for t in texts]
        return [(i.lower(), t.lower()) for i, t in pairs] if lower else pairs

    def model_inputs(self, texts: Sequence[str], role: str) -> list[str]:
        """The exact strings the encoder reads: instruction and text joined, then stripped."""
        return [joined(pair) for pair in self.pairs(texts, role)]

    def load(self) -> None:
        self.loaded  # noqa: B018 (the property loads it)

    @property
    def loaded(self) -> _Instructor:
        if self._loaded is None:
            self._loaded = _Instructor.load(self.model_path, self.settings)
        return self._loaded

    def encode_batch(self, texts: list[str], role: str) -> npt.NDArray[np.float32]:
        """Each pair padded to its own multiple of ``PAD_MULTIPLE`` tokens and encoded with the
        pairs of that length only: padded to a longer neighbour's length, its vector would
        differ in its last bits, and so depend on what else the cache lacked."""
        pairs, limit = self.pairs(texts, role), self.max_length()
        batches = padded_groups(self.loaded.token_counts(pairs, limit), self.settings.batch_size)
        parts = [self.loaded.encode([pairs[i] for i in batch], limit) for batch in batches]
        return scattered(batches, parts, len(pairs))


class _Instructor:
    """Tokenizer, T5 encoder and the optional Dense projection of one checkpoint."""

    def __init__(self, tokenizer: Any, encoder: Any, dense: Any, device: str) -> None:
        self.tokenizer = tokenizer
        self.encoder = encoder
        self.dense = dense
        self.device = device

    @classmethod
    def load(cls, path: str, settings: EncoderSettings) -> _Instructor:
        from instructprobe.core.hub import quiet_progress
        from instructprobe.retrievers.devices import resolve_device, resolve_dtype

        quiet_progress()
        device = resolve_device(settings.device)
        dtype = resolve_dtype(settings.precision, device, prefer_bfloat16=True)
        return load_model("INSTRUCTOR model", path, lambda: cls._load(path, device, dtype))

    @classmethod
    def _load(cls, path: str, device: str, dtype: Any) -> _Instructor:
        from transformers import AutoTokenizer, T5EncoderModel

        from instructprobe.retrievers.devices import dtype_kwargs

        _check_pooling(Path(path))
        tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        encoder: Any = T5EncoderModel.from_pretrained(
            path, local_files_only=True, **dtype_kwargs(dtype)
        )
        encoder.to(device).eval()
        dense = _load_dense(Path(path), dtype, device)
        return cls(tokenizer, encoder, dense, device)

    def token_counts(self, pairs: list[tuple[str, str]], max_length: int) -> list[int]:
        """The tokens the encoder reads of each pair, truncated as ``encode`` truncates."""
        found = self.tokenizer(
            [joined(pair) for pair in pairs], truncation=True, max_length=max_length
        )
        return [len(ids) for ids in found["input_ids"]]

    def encode(self, pairs: list[tuple[str, str]], max_length: int) -> npt.NDArray[np.float32]:
        import torch

        features = self.tokenizer(
            [joined(pair) for pair in pairs],
            padding=True,
            pad_to_multiple_of=PAD_MULTIPLE,
            truncation=True,
            max_length=max_length,
            return_tensors="pt",
        )
        instructions = self.tokenizer(
            [i.strip() for i, _ in pairs], truncation=True, max_length=max_length, padding=True
        )
        skip = [instruction_tokens(sum(mask)) for mask in instructions["attention_mask"]]
        attention = features["attention_mask"]
        pooled_mask = attention.clone()
        for row, n in enumerate(skip):
            pooled_mask[row, :n] = 0
        with torch.inference_mode():
            hidden = self.encoder(
                input_ids=features["input_ids"].to(self.device),
                attention_mask=attention.to(self.device),
            ).last_hidden_state
            weights = pooled_mask.to(self.device, hidden.dtype).unsqueeze(-1)
            pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
            if self.dense is not None:
                pooled = self.dense(pooled)
            pooled = torch.nn.functional.normalize(pooled.float(), dim=-1)
        return pooled.cpu().numpy()


def joined(pair: tuple[str, str]) -> str:
    """What the encoder reads for one pair: ``(instruction + text).strip()``."""
    return "".join(pair).strip()


def instruction_tokens(length: int) -> int:
    """The tokens at the start of the joined input that the pooling leaves out, for an
    instruction that tokenises to ``length`` tokens with its ``</s>``: all but the ``</s>``,
    and none when that leaves one or none (the package's rule)."""
    return length - 1 if length - 1 > 1 else 0


def _read_json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    loaded = json.loads(path.read_text(encoding="utf-8"))
    return loaded if isinstance(loaded, dict) else {}


def _modules(path: Path) -> list[dict[str, Any]]:
    modules = path / "modules.json"
    if not modules.is_file():
        return []
    loaded = json.loads(modules.read_text(encoding="utf-8"))
    return [m for m in loaded if isinstance(m, dict)] if isinstance(loaded, list) else []


def pools_by_mean(config: dict[str, Any]) -> bool:
    """Whether a saved sentence-transformers ``Pooling`` config is mean pooling, in the old
    keys (``pooling_mode_mean_tokens: true``) or the current one (``pooling_mode: "mean"``)."""
    mode = config.get("pooling_mode")
    if isinstance(mode, str):
        return mode in ("mean", "mean_tokens")
    if isinstance(mode, list):
        return mode in (["mean"], ["mean_tokens"])
    others = [k for k, v in config.items() if k.startswith("pooling_mode_") and v is True]
    return others == ["pooling_mode_mean_tokens"]


def _check_pooling(path: Path) -> None:
    for module in _modules(path):
        if module.get("type", "").endswith("Pooling"):
            folder = path / module.get("path", "")
            config = _read_json(folder / "config.json")
            if config and not pools_by_mean(config):
                raise RetrieverError(
                    f"{folder}: INSTRUCTOR pools by the mean of the text's tokens, and this "
                    f"checkpoint's pooling config is not mean pooling ({config})"
                )


def _load_dense(path: Path, dtype: Any, device: str) -> Any:
    """The checkpoint's ``Dense`` module (a linear map, no activation), if it has one."""
    import torch

    for module in _modules(path):
        if not module.get("type", "").endswith("Dense"):
            continue
        folder = path / module.get("path", "")
        config = _read_json(folder / "config.json")
        activation = str(config.get("activation_function", "torch.nn.modules.linear.Identity"))
        if not activation.endswith("Identity"):
            raise RetrieverError(f"{folder}: unsupported Dense activation {activation}")
        linear = torch.nn.Linear(
            int(config["in_features"]), int(config["out_features"]), bias=config.get("bias", True)
        )
        state = _load_state(folder)
        state = {k.removeprefix("linear."): v for k, v in state.items()}
        linear.load_state_dict(state)
        return linear.to(device=device, dtype=dtype).eval()
    return None


def _load_state(folder: Path) -> dict[str, Any]:
    import torch

    safetensors = folder / "model.safetensors"
    if safetensors.is_file():
        from safetensors.torch import load_file

        return dict(load_file(str(safetensors)))
    binary = folder / "pytorch_model.bin"
    if binary.is_file():
        loaded = torch.load(binary, map_location="cpu", weights_only=True)
        return dict(loaded)
    raise RetrieverError(f"{folder}: no model.safetensors or pytorch_model.bin for the Dense layer")
