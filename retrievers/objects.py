"""Retrievers from Python objects: what a user already holds in a notebook or a training script.

``adapt(obj)`` accepts, in this order:

* a ``Retriever`` (used as it is; a copy when the run names it otherwise);
* a loaded sentence-transformers ``SentenceTransformer`` (its prompts, similarity and maximum
  length are read from the object; the cache keys it by a sha256 of its weights in memory, so a
  model changed in place is never answered with another's vectors);
* a loaded sentence-transformers ``CrossEncoder`` (a reranker of BM25's top documents, raw logit);
* an object whose ``encode(texts, **kwargs)`` returns one vector per text: MTEB's encoder
  protocol (``encode(sentences, *, task_name, prompt_type=None)``) is given the prompt type of
  each side (``query`` or ``passage``) and a task name;
* an object with MTEB 2's ``encode(DataLoader[BatchedInput], *, task_metadata, hf_split,
  hf_subset, prompt_type=None, **kwargs)``: given each batch of texts as MTEB's retrieval
  evaluation gives it (``mteb_dataloader``), the prompt type of each side and a task's metadata;
* a function ``texts -> vectors``.

Anything else is one ``RetrieverError`` naming what was passed. The sentence-transformers
classes are recognised by name, so nothing here imports sentence-transformers.
"""

from __future__ import annotations

import copy
import hashlib
import inspect
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from instructprobe.core.errors import RetrieverError
from instructprobe.retrievers.base import Retriever, Template
from instructprobe.retrievers.cache import DOCUMENT, EmbeddingCache
from instructprobe.retrievers.dense import (
    EmbeddingRetriever,
    EncoderSettings,
    SentenceTransformerRetriever,
    prompt_template,
)
from instructprobe.retrievers.rerankers import CrossEncoderRetriever

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

MTEB_TASK = "Core17InstructionRetrieval"
"""The task name an MTEB-style encoder is given: FollowIR's Core17, an MTEB instruction
retrieval task, so wrappers that look their prompts up by task find retrieval prompts."""
MTEB_SPLIT = "test"
MTEB_SUBSET = "default"
"""The split and subset MTEB 2 evaluates ``MTEB_TASK`` on (its ``eval_splits``, ``hf_subsets``)."""
MTEB_PLACEHOLDER_NAME = "no_model_name/available"
"""The name MTEB 2's wrappers give a model object whose card names none: not a name."""


def _is_instance_of(obj: object, module: str, name: str) -> bool:
    return any(
        kind.__name__ == name and kind.__module__.startswith(module) for kind in type(obj).__mro__
    )


def is_sentence_transformer(obj: object) -> bool:
    return _is_instance_of(obj, "sentence_transformers", "SentenceTransformer")


def is_cross_encoder(obj: object) -> bool:
    return _is_instance_of(obj, "sentence_transformers", "CrossEncoder")


def object_kind(obj: object) -> str | None:
    """What ``adapt`` would make of ``obj`` (``None``: nothing fits)."""
    if isinstance(obj, Retriever):
        return "retriever"
    if is_sentence_transformer(obj):
        return "sentence-transformers"
    if is_cross_encoder(obj):
        return "cross-encoder"
    if isinstance(obj, type | str | bytes):
        return None  # a class's encode would need self; text is a spec, not an encoder
    encode = getattr(obj, "encode", None)
    if callable(encode):
        if "task_metadata" in _parameters(encode):
            return "mteb2-encoder"
        return "mteb-encoder" if _mteb_style(encode) else "encoder"
    if callable(obj):
        return "encode-function"
    return None


def unusable(obj: object) -> str:
    """The one-line reason ``obj`` cannot be a retriever."""
    shown = repr(obj)
    shown = shown if len(shown) <= 80 else shown[:77] + "..."
    what = "a class" if isinstance(obj, type) else f"a {type(obj).__module__}.{type(obj).__name__}"
    return (
        f"cannot use {shown} ({what}) as a retriever: pass a retriever name or spec, a Retriever, "
        "a loaded SentenceTransformer or CrossEncoder, an object with encode(texts) -> vectors "
        "(MTEB's encoder protocols included), or a function texts -> vectors"
    )


def adapt(
    obj: object, name: str | None = None, settings: EncoderSettings | None = None
) -> Retriever:
    """A retriever for ``obj`` under ``name`` (derived from the object when None)."""
    kind = object_kind(obj)
    encoder = settings or EncoderSettings()
    if kind is None:
        raise RetrieverError(unusable(obj))
    if isinstance(obj, Retriever):
        if name is None or name == obj.name:
            return obj
        renamed = copy.copy(obj)  # the caller's object keeps its own name for its next run
        renamed.name = name
        return renamed
    if kind == "sentence-transformers":
        return LoadedSentenceTransformer(obj, name, encoder)
    if kind == "cross-encoder":
        return LoadedCrossEncoder(obj, name, encoder)
    encode = getattr(obj, "encode", None) if kind != "encode-function" else obj
    if not callable(encode):  # object_kind found it callable; say so to the type checker
        raise RetrieverError(unusable(obj))
    if kind == "mteb2-encoder":
        return Mteb2EncoderRetriever(name or derived_name(obj), encode, encoder)
    return EncoderRetriever(name or derived_name(obj), encode, encoder, kind=kind)


def derived_name(obj: object) -> str:
    """A column name for ``obj``: its model folder's name, MTEB's model name, its ``name``,
    the function's name, or its class's name."""
    import re

    wrapped = getattr(obj, "model", None)  # MTEB's wrappers hold the model they wrap
    found = source_path(obj) or (source_path(wrapped) if is_sentence_transformer(wrapped) else None)
    meta = getattr(obj, "mteb_model_meta", None)
    meta_name = getattr(meta, "name", None)
    candidates = [
        found.rstrip("/").rsplit("/", 1)[-1] if found else None,
        meta_name if meta_name != MTEB_PLACEHOLDER_NAME else None,
        getattr(obj, "name", None),
        getattr(obj, "__name__", None),
        type(obj).__name__,
    ]
    for candidate in candidates:
        if isinstance(candidate, str) and candidate and candidate != "<lambda>":
            cleaned = re.sub(r"[^\w.+-]+", "-", candidate).strip("-.")
            if cleaned:
                return cleaned
    return "encoder"


def source_path(obj: object) -> str | None:
    """The folder or hub id a loaded sentence-transformers model was read from, if it says."""
    modules = list(obj) if is_sentence_transformer(obj) else []  # type: ignore[call-overload]
    configs = [getattr(getattr(m, "auto_model", None), "config", None) for m in modules[:1]]
    configs.append(getattr(getattr(obj, "model", None), "config", None))
    for config in configs:
        found = getattr(config, "_name_or_path", None)
        if isinstance(found, str) and found:
            return found
    return None


def weights_sha256(module: Any) -> str:
    """A sha256 of a torch module's state (names, dtypes, shapes and bytes), in name order."""
    import torch

    digest = hashlib.sha256()
    state = module.state_dict()
    for key in sorted(state):
        tensor = state[key].detach().cpu().contiguous()
        digest.update(f"{key}\0{tensor.dtype}\0{tuple(tensor.shape)}\n".encode())
        if tensor.numel():
            digest.update(tensor.reshape(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


class _InMemoryIdentity:
    """Identity by a hash of the weights in memory (memoised), for models given as objects."""

    _weights_hash: str | None = None

    def _weights_identity(self, module: Any) -> str:
        if self._weights_hash is None:
            self._weights_hash = weights_sha256(module)
        return f"weights-sha256:{self._weights_hash}"


class LoadedSentenceTransformer(_InMemoryIdentity, SentenceTransformerRetriever):
    """A ``SentenceTransformer`` the caller loaded: its own device, prompts and settings."""

    kind = "sentence-transformers"

    def __init__(self, model: Any, name: str | None, settings: EncoderSettings) -> None:
        prompts = dict(getattr(model, "prompts", None) or {})
        template, document_prompt = prompt_template(prompts)
        super().__init__(
            name or derived_name(model),
            source_path(model) or "",
            settings,
            template,
            document_prompt=document_prompt,
            model=model,
        )
        self.prompts_from = "model" if template != Template() or document_prompt else ""
        self.source = "object:" + _class_path(model)

    def identity(self) -> str:
        return self._weights_identity(self.model)

    @property
    def normalize(self) -> bool:
        return getattr(self.model, "similarity_fn_name", None) in (None, "cosine")

    def max_length(self) -> int | None:
        found = getattr(self.model, "max_seq_length", None)
        return int(found) if isinstance(found, int) else None

    def namespace_settings(self) -> dict[str, str]:
        parameter = next(iter(self.model.parameters()), None)
        dtype = str(parameter.dtype).removeprefix("torch.") if parameter is not None else "-"
        return {
            "backend": "SentenceTransformerRetriever",
            "normalize": str(self.normalize),
            "precision": dtype,
        }


class LoadedCrossEncoder(_InMemoryIdentity, CrossEncoderRetriever):
    """A ``CrossEncoder`` the caller loaded; scored by its raw logit, as the preset is."""

    kind = "cross-encoder"

    def __init__(self, model: Any, name: str | None, settings: EncoderSettings) -> None:
        name_now = "max_seq_length" if hasattr(type(model), "max_seq_length") else "max_length"
        limit = getattr(model, name_now, None)  # renamed in sentence-transformers 6
        super().__init__(
            name or derived_name(model),
            source_path(model) or "",
            settings,
            max_length=limit if isinstance(limit, int) else None,
        )
        self._model = model
        self.source = "object:" + _class_path(model)

    def identity(self) -> str:
        return self._weights_identity(self._model.model)

    def precision(self) -> str:
        parameter = next(iter(self._model.model.parameters()), None)
        return str(parameter.dtype).removeprefix("torch.") if parameter is not None else "-"

    def predict_kwargs(self) -> dict[str, Any]:
        import torch

        accepted = inspect.signature(self._model.predict).parameters
        return {"activation_fn": torch.nn.Identity()} if "activation_fn" in accepted else {}


class EncoderRetriever(EmbeddingRetriever):
    """Any ``encode(texts, **kwargs)`` or ``texts -> vectors`` function, scored by cosine.

    The query prompt is part of the template; ``document_prompt`` goes before each document.
    Its vectors are not cached: a function's behaviour has no name the cache could key it by.
    """

    def __init__(
        self,
        name: str,
        encode: Callable[..., Any],
        settings: EncoderSettings | None = None,
        template: Template | None = None,
        document_prompt: str = "",
        kind: str = "encoder",
        task_name: str = MTEB_TASK,
    ) -> None:
        super().__init__(name, "", settings, template)
        self._encode = encode
        self.document_prompt = document_prompt
        self.kind = kind
        self.task_name = task_name
        owner = getattr(encode, "__self__", encode)
        self._owner = owner
        self.source = (
            "object:" + _class_path(owner)
            if kind != "encode-function"
            else ("function:" + _function_path(encode))
        )

    @property
    def cache(self) -> EmbeddingCache | None:
        return None

    def identity(self) -> str:
        return self.source

    def prompt(self, role: str) -> str:
        return self.document_prompt if role == DOCUMENT else ""

    def encode_kwargs(self, role: str) -> dict[str, Any]:
        try:
            accepted = inspect.signature(self._encode).parameters
        except (TypeError, ValueError):
            return {}
        kwargs: dict[str, Any] = {}
        if "prompt_type" in accepted:
            kwargs["prompt_type"] = _prompt_type(role)
        if "task_name" in accepted:
            kwargs["task_name"] = self.task_name
        if "batch_size" in accepted:
            kwargs["batch_size"] = self.settings.batch_size
        return kwargs

    def call_encoder(self, inputs: list[str], role: str) -> Any:
        """What the user's encode returns for ``inputs`` of ``role``."""
        return self._encode(inputs, **self.encode_kwargs(role))

    def encode_batch(self, texts: list[str], role: str) -> npt.NDArray[np.float32]:
        import numpy as np

        inputs = [self.document_prompt + t for t in texts] if role == DOCUMENT else texts
        try:
            vectors = _as_array(self.call_encoder(inputs, role))
        except RetrieverError:
            raise
        except Exception as error:  # the user's code: one line, naming the retriever
            raise RetrieverError(
                f"{self.name}: encode failed ({type(error).__name__}: {error})"
            ) from None
        if vectors.ndim != 2 or vectors.shape[0] != len(inputs):
            raise RetrieverError(
                f"{self.name}: encode returned shape {vectors.shape} for {len(inputs)} texts "
                "(expected one vector per text)"
            )
        if not np.isfinite(vectors).all():
            raise RetrieverError(f"{self.name}: encode returned a NaN or infinite value")
        if self.normalize:
            norms = np.linalg.norm(vectors, axis=1, keepdims=True)
            vectors = vectors / np.clip(norms, 1e-12, None)
        return vectors.astype(np.float32)

    def model_inputs(self, texts: Sequence[str], role: str) -> list[str]:
        return [self.document_prompt + t for t in texts] if role == DOCUMENT else list(texts)

    def describe(self) -> dict[str, str]:
        """The identity is a sha256 of the weights of the torch module the encoder holds (the
        object itself or its ``model``), where it holds one; else none is recorded."""
        described = super().describe()
        module = next(
            (
                m
                for m in (self._owner, getattr(self._owner, "model", None))
                if hasattr(m, "state_dict")
            ),
            None,
        )
        if module is not None:
            described["identity"] = f"weights-sha256:{weights_sha256(module)}"
        else:
            described.pop("identity", None)
        return described


class Mteb2EncoderRetriever(EncoderRetriever):
    """An encoder of MTEB 2's protocol, ``encode(inputs: DataLoader[BatchedInput], *,
    task_metadata, hf_split, hf_subset, prompt_type=None, **kwargs)`` (mteb's own wrappers, such
    as ``SentenceTransformerEncoderWrapper``, and models written to them).

    Each batch of texts reaches it as MTEB 2's retrieval evaluation hands a model queries and a
    corpus (``mteb_dataloader``), with ``prompt_type`` ``query`` or ``document``, the metadata of
    ``MTEB_TASK`` (where mteb is installed; None otherwise), its split and subset, and
    ``batch_size``. A query's text is the whole rendered request, instruction included, as MTEB
    joins ``text`` and ``instruction`` before a model reads them, so the perturbations reach it.
    """

    def __init__(
        self, name: str, encode: Callable[..., Any], settings: EncoderSettings | None = None
    ) -> None:
        super().__init__(name, encode, settings, kind="mteb2-encoder")
        self._task_metadata: Any = None

    def task_metadata(self) -> Any:
        if self._task_metadata is None:
            self._task_metadata = mteb_task_metadata(self.task_name)
        return self._task_metadata

    def call_encoder(self, inputs: list[str], role: str) -> Any:
        return self._encode(
            mteb_dataloader(inputs, role, self.settings.batch_size),
            task_metadata=self.task_metadata(),
            hf_split=MTEB_SPLIT,
            hf_subset=MTEB_SUBSET,
            prompt_type=_prompt_type(role),
            batch_size=self.settings.batch_size,
            show_progress_bar=False,
        )


def mteb_dataloader(texts: Sequence[str], role: str, batch_size: int) -> Any:
    """A DataLoader of ``texts`` as MTEB 2.26's ``create_dataloader`` makes one for a text
    retrieval task: over a ``datasets.Dataset`` (mteb's wrappers read its ``features``), batches
    of ``{"id", "text", "body"}`` for a corpus (the text stripped, as MTEB joins a title-less
    document) and ``{"id", "text", "query"}`` for queries, each field a list. Built here, so
    mteb's private module is not imported (a test compares the two); over a plain list where
    the datasets package (mteb's dependency) is absent."""
    from torch.utils.data import DataLoader

    rows = [_mteb_row(str(i), text, role) for i, text in enumerate(texts)]
    return DataLoader(_dataset(rows), batch_size=batch_size, shuffle=False, collate_fn=_collate)


def _dataset(rows: list[dict[str, str]]) -> Any:
    try:
        from datasets import Dataset
    except ImportError:
        return rows
    return Dataset.from_list(rows)


def _mteb_row(row_id: str, text: str, role: str) -> dict[str, str]:
    if role == DOCUMENT:
        return {"id": row_id, "text": text.strip(), "body": text}
    return {"id": row_id, "text": text, "query": text}


def _collate(rows: list[dict[str, str]]) -> dict[str, list[str]]:
    return {key: [row[key] for row in rows] for key in rows[0]}


def mteb_task_metadata(task_name: str) -> Any:
    """The ``TaskMetadata`` of MTEB's task ``task_name`` (built offline: a task's metadata is
    code, its data is not loaded), or None where mteb is not installed."""
    try:
        import mteb
    except ImportError:
        return None
    return mteb.get_task(task_name).metadata


def _prompt_type(role: str) -> Any:
    """MTEB's ``PromptType`` member for ``role`` where mteb is installed, else its value."""
    wanted = ("query",) if role != DOCUMENT else ("passage", "document")
    for module in ("mteb.types", "mteb.encoder_interface"):
        try:
            kind = __import__(module, fromlist=["PromptType"]).PromptType
        except (ImportError, AttributeError):
            continue
        for value in wanted:
            if value in getattr(kind, "__members__", {}):
                return kind[value]
    return wanted[0]


def _parameters(function: Callable[..., Any]) -> tuple[str, ...]:
    try:
        return tuple(inspect.signature(function).parameters)
    except (TypeError, ValueError):
        return ()


def _mteb_style(encode: Callable[..., Any]) -> bool:
    accepted = _parameters(encode)
    return "prompt_type" in accepted or "task_name" in accepted


def _as_array(value: Any) -> npt.NDArray[np.float32]:
    import numpy as np

    if hasattr(value, "detach"):  # a torch tensor
        value = value.detach().float().cpu().numpy()
    try:
        return np.asarray(value, dtype=np.float32)
    except (TypeError, ValueError) as error:
        raise RetrieverError(
            f"encode returned {type(value).__name__}, not vectors ({error})"
        ) from None


def _class_path(obj: object) -> str:
    kind = type(obj)
    return f"{kind.__module__}.{kind.__qualname__}"


def _function_path(function: object) -> str:
    module = getattr(function, "__module__", None) or "?"
    name = getattr(function, "__qualname__", None) or type(function).__qualname__
    return f"{module}.{name}"
