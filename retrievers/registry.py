"""Turn what a user typed after ``--retriever`` into a retriever.

In order: a preset name; ``package.module:factory``; a name from the entry-point group; a local
model directory; a Hugging Face id. Anything else is an error that lists what would work.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from importlib import import_module
from pathlib import Path

from retrievers.base import Retriever
from retrievers.dense import EncoderSettings
from retrievers.errors import RetrieverError
from retrievers.presets import PRESETS, Preset

ENTRY_POINT_GROUP = "instructprobe.retrievers"
HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


def _build_bm25(
    name: str, path: str | None, preset: Preset | None, _: EncoderSettings
) -> Retriever:
    from retrievers.bm25 import BM25

    return BM25(name=name)


def _build_sentence_transformer(
    name: str, path: str | None, preset: Preset | None, settings: EncoderSettings
) -> Retriever:
    from retrievers.base import Template
    from retrievers.dense import SentenceTransformerRetriever

    if path is None:
        raise RetrieverError(f"retriever {name!r} needs a model path")
    template = preset.template if preset else Template()
    return SentenceTransformerRetriever(name, path, settings, template)


Builder = Callable[[str, "str | None", "Preset | None", EncoderSettings], Retriever]

BUILDERS: dict[str, Builder] = {
    "bm25": _build_bm25,
    "sentence-transformers": _build_sentence_transformer,
}


def _preset_path(preset: Preset) -> str | None:
    if preset.bundled is not None and (path := preset.bundled()) is not None:
        return path
    if preset.model_id is None:
        return None
    from retrievers.hub import locate

    return locate(preset.model_id)


def _from_preset(preset: Preset, settings: EncoderSettings) -> Retriever:
    return BUILDERS[preset.family](preset.name, _preset_path(preset), preset, settings)


def _from_factory(target: str) -> Retriever:
    module_name, _, attribute = target.partition(":")
    try:
        factory = getattr(import_module(module_name), attribute)
    except (ImportError, AttributeError) as error:
        raise RetrieverError(f"cannot load retriever factory {target!r}: {error}") from None
    retriever = factory()
    if not isinstance(retriever, Retriever):
        raise RetrieverError(f"{target!r} returned {type(retriever).__name__}, not a Retriever")
    return retriever


def _entry_point_target(name: str) -> str | None:
    from importlib.metadata import entry_points

    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name == name:
            return str(ep.value)
    return None


def resolve(spec: str, settings: EncoderSettings | None = None) -> Retriever:
    encoder = settings or EncoderSettings()
    if spec in PRESETS:
        return _from_preset(PRESETS[spec], encoder)
    if re.fullmatch(r"[\w.]+:\w+", spec):
        return _from_factory(spec)
    if (target := _entry_point_target(spec)) is not None:
        return _from_factory(target)
    if Path(spec).exists():
        return _from_local_path(Path(spec), encoder)
    if HUB_ID.match(spec):
        from retrievers.hub import locate

        return _build_sentence_transformer(spec, locate(spec), None, encoder)
    known = ", ".join(PRESETS)
    raise RetrieverError(
        f"unknown retriever {spec!r}: use a preset ({known}; see `probe list retrievers`), "
        "a local model directory, a Hugging Face id like org/name, or package.module:factory"
    )


def _from_local_path(path: Path, settings: EncoderSettings) -> Retriever:
    if not path.is_dir() or not (path / "config.json").exists():
        raise RetrieverError(
            f"{path} is not a model directory (expected a config.json from a saved "
            "sentence-transformers or transformers model)"
        )
    return _build_sentence_transformer(path.name, str(path), None, settings)
