"""Turn what a user typed after ``--retriever`` into a retriever.

In order: a preset name; ``preset=DIR`` (a preset's family and formats on weights in a local
folder); ``package.module:factory``; a name from the entry-point group; a local model
directory or GGUF file; a Hugging Face id. Anything else is an error that lists what would work.

A directory or hub id that is not a preset gets its family from its files: an INSTRUCTOR
checkpoint by its name, a seq2seq T5 as monoT5, a causal LM as a yes/no reranker, a
sequence classifier without sentence-transformers modules as a cross-encoder, and anything
else as a sentence-transformers bi-encoder. A GGUF file (or a folder holding one and no
config.json) is a causal LM, so a yes/no reranker; its path is the file itself.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from importlib import import_module
from pathlib import Path
from types import ModuleType

from instructprobe.core.checkpoints import Checkpoint, is_gguf
from instructprobe.core.errors import RetrieverError
from instructprobe.retrievers.base import Retriever, Template, load_model
from instructprobe.retrievers.dense import EncoderSettings
from instructprobe.retrievers.presets import PRESETS, Preset

ENTRY_POINT_GROUP = "instructprobe.retrievers"
HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
FACTORY = re.compile(r"^[\w.]+:\w+$")


def _build_bm25(
    name: str, path: str | None, preset: Preset | None, _: EncoderSettings
) -> Retriever:
    from instructprobe.retrievers.bm25 import BM25

    return BM25(name=name)


def _needs_path(name: str, path: str | None) -> str:
    if path is None:
        raise RetrieverError(f"retriever {name!r} needs a model path")
    return path


def _build_sentence_transformer(
    name: str, path: str | None, preset: Preset | None, settings: EncoderSettings
) -> Retriever:
    from instructprobe.retrievers.dense import (
        SentenceTransformerRetriever,
        prompt_template,
        saved_prompts,
    )

    folder = _needs_path(name, path)
    if preset is not None:
        template, document_prompt = preset.template, preset.document_prompt
    else:  # the prompts the model was saved with, if any
        template, document_prompt = prompt_template(saved_prompts(folder))
    retriever = SentenceTransformerRetriever(
        name,
        folder,
        settings,
        template,
        document_prompt=document_prompt,
        max_length=preset.max_length if preset else None,
        similarity=preset.similarity if preset else None,
        tokenizer_kwargs=dict(preset.tokenizer_kwargs) if preset else None,
    )
    if preset is None and (template != Template() or document_prompt):
        retriever.prompts_from = "model"
    return retriever


def _build_instructor(
    name: str, path: str | None, preset: Preset | None, settings: EncoderSettings
) -> Retriever:
    from instructprobe.retrievers.instructor import (
        DOCUMENT_INSTRUCTION,
        QUERY_INSTRUCTION,
        InstructorRetriever,
    )

    return InstructorRetriever(
        name,
        _needs_path(name, path),
        settings,
        preset.template if preset else Template(),
        query_instruction=preset.query_prompt if preset else QUERY_INSTRUCTION,
        document_instruction=preset.document_prompt if preset else DOCUMENT_INSTRUCTION,
        max_length=preset.max_length if preset else None,
    )


def _build_cross_encoder(
    name: str, path: str | None, preset: Preset | None, settings: EncoderSettings
) -> Retriever:
    from instructprobe.retrievers.rerankers import CrossEncoderRetriever

    return CrossEncoderRetriever(
        name,
        _needs_path(name, path),
        settings,
        preset.template if preset else Template(),
        max_length=preset.max_length if preset else None,
    )


def _build_monot5(
    name: str, path: str | None, preset: Preset | None, settings: EncoderSettings
) -> Retriever:
    from instructprobe.retrievers.rerankers import MONOT5_PATTERN, MonoT5Retriever

    return MonoT5Retriever(
        name,
        _needs_path(name, path),
        settings,
        preset.template if preset else Template(),
        prompt=preset.pair_prompt if preset and preset.pair_prompt else MONOT5_PATTERN,
        max_length=preset.max_length if preset else 512,
    )


def _build_yes_no(
    name: str, path: str | None, preset: Preset | None, settings: EncoderSettings
) -> Retriever:
    from instructprobe.retrievers.rerankers import FOLLOWIR_PATTERN, YesNoRetriever

    return YesNoRetriever(
        name,
        _needs_path(name, path),
        settings,
        preset.template if preset else Template(),
        prompt=preset.pair_prompt if preset and preset.pair_prompt else FOLLOWIR_PATTERN,
        max_length=preset.max_length if preset else None,
    )


Builder = Callable[[str, "str | None", "Preset | None", EncoderSettings], Retriever]

BUILDERS: dict[str, Builder] = {
    "bm25": _build_bm25,
    "sentence-transformers": _build_sentence_transformer,
    "instructor": _build_instructor,
    "cross-encoder": _build_cross_encoder,
    "monot5": _build_monot5,
    "yes-no": _build_yes_no,
}


def _preset_path(preset: Preset) -> str | None:
    if preset.bundled is not None and (path := preset.bundled()) is not None:
        return path
    if preset.model_id is None:
        return None
    from instructprobe.retrievers.hub import locate

    return locate(preset.model_id, local_hint=f"{preset.name}=DIR")


def _from_preset(preset: Preset, settings: EncoderSettings, path: str | None = None) -> Retriever:
    retriever = BUILDERS[preset.family](
        preset.name, path if path is not None else _preset_path(preset), preset, settings
    )
    retriever.source = f"preset:{preset.name}" + (f" path:{path}" if path is not None else "")
    retriever.prompts_from = "preset"
    return retriever


def _from_factory(target: str, source: str) -> Retriever:
    """The retriever ``package.module:factory`` makes. This imports and runs that code: a
    spec is trusted like a command (docs/security.md)."""
    module_name, _, attribute = target.partition(":")
    try:
        factory = getattr(_import_here_too(module_name), attribute)
    except (ImportError, AttributeError) as error:
        raise RetrieverError(f"cannot load retriever factory {target!r}: {error}") from None
    retriever = load_model("a retriever", f"factory {target}", factory)
    if not isinstance(retriever, Retriever):
        raise RetrieverError(f"{target!r} returned {type(retriever).__name__}, not a Retriever")
    if not retriever.source:
        retriever.source = source
    return retriever


def _import_here_too(module_name: str) -> ModuleType:
    """``module_name`` from ``sys.path``, else from the current folder (the ``probe`` command,
    unlike ``python script.py``, does not put it on the path). The current folder comes last,
    so it never shadows an installed module."""
    import sys

    try:
        return import_module(module_name)
    except ModuleNotFoundError as error:
        top = module_name.partition(".")[0]
        here = Path.cwd()
        found = (here / f"{top}.py").is_file() or (here / top).is_dir()
        if error.name != top or not found or str(here) in sys.path:
            raise
        sys.path.append(str(here))
        return import_module(module_name)


def _entry_point_target(name: str) -> str | None:
    from importlib.metadata import entry_points

    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name == name:
            return str(ep.value)
    return None


def resolve(
    spec: str | object, settings: EncoderSettings | None = None, name: str | None = None
) -> Retriever:
    """The retriever ``spec`` names, under ``name`` (else the name the spec gives it).

    ``spec`` is what ``--retriever`` takes (see the module docstring) or a Python object:
    a ``Retriever``, a loaded ``SentenceTransformer`` or ``CrossEncoder``, an object with
    ``encode(texts)`` or a function ``texts -> vectors`` (``retrievers.objects``).
    """
    encoder = settings or EncoderSettings()
    if not isinstance(spec, str):
        from instructprobe.retrievers.objects import adapt

        return adapt(spec, name, encoder)
    retriever = _resolve_spec(spec, encoder)
    if name is not None:
        retriever.name = name
    return retriever


def _resolve_spec(spec: str, encoder: EncoderSettings) -> Retriever:
    if spec in PRESETS:
        return _from_preset(PRESETS[spec], encoder)
    name, equals, folder = spec.partition("=")
    if equals and name in PRESETS:
        return _from_preset(PRESETS[name], encoder, _model_directory(Path(folder).expanduser()))
    if FACTORY.match(spec):
        return _from_factory(spec, f"factory:{spec}")
    if (target := _entry_point_target(spec)) is not None:
        return _from_factory(target, f"entry-point:{spec} ({target})")
    if Path(spec).expanduser().exists():
        path = _model_directory(Path(spec).expanduser())
        built = BUILDERS[detect_family(path)](Path(path).name, path, None, encoder)
        built.source = f"path:{Path(path).resolve()}"
        return built
    if HUB_ID.match(spec):
        from instructprobe.retrievers.hub import locate

        path = locate(spec)
        built = BUILDERS[detect_family(path, spec)](spec, path, None, encoder)
        built.source = f"hub:{spec}"
        return built
    known = ", ".join(PRESETS)
    raise RetrieverError(
        f"unknown retriever {spec!r}: use a preset ({known}; see `probe list retrievers`), "
        "PRESET=DIR, a local model directory, a Hugging Face id like org/name, or "
        "package.module:factory"
    )


def _model_directory(path: Path) -> str:
    if is_gguf(path):
        return str(Checkpoint.of(path, RetrieverError).path)
    if not path.is_dir() or not (path / "config.json").exists():
        raise RetrieverError(
            f"{path} is not a model directory (expected a config.json from a saved "
            "sentence-transformers or transformers model) or a .gguf file"
        )
    return str(path)


def detect_family(path: str, model_id: str | None = None) -> str:
    """Which builder suits the model in ``path`` (see the module docstring)."""
    from instructprobe.retrievers.cache import hub_revision

    folder = Path(path)
    if is_gguf(folder):
        return "yes-no"
    label = (model_id or hub_revision(folder) or folder.name).lower()
    if "instructor" in label:
        return "instructor"
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        config = {}
    if not isinstance(config, dict):
        config = {}  # the loader says what is wrong with it
    architectures = [str(a) for a in config.get("architectures") or []]
    has_modules = (folder / "modules.json").exists()
    if any(a.endswith("ForConditionalGeneration") for a in architectures) and not has_modules:
        return "monot5"
    if any(a.endswith("ForCausalLM") for a in architectures) and not has_modules:
        return "yes-no"
    if any(a.endswith("ForSequenceClassification") for a in architectures) and not has_modules:
        return "cross-encoder"
    return "sentence-transformers"
