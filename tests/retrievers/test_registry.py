import time

import numpy as np
import pytest

from instructprobe.retrievers import PRESETS, Retriever, RetrieverError, Template, resolve
from instructprobe.retrievers.bm25 import BM25
from instructprobe.retrievers.dense import SentenceTransformerRetriever


def make_bm25() -> BM25:
    return BM25(name="plugin-bm25")


def not_a_retriever() -> object:
    return object()


def test_presets_resolve_to_their_back_ends():
    assert isinstance(resolve("bm25"), BM25)
    minilm = resolve("minilm")
    assert isinstance(minilm, SentenceTransformerRetriever)
    assert minilm.model_path.endswith("model")
    assert set(PRESETS) >= {"bm25", "minilm"}


def test_module_factory_plugins():
    retriever = resolve(f"{__name__}:make_bm25")
    assert isinstance(retriever, Retriever) and retriever.name == "plugin-bm25"
    with pytest.raises(RetrieverError, match="not a Retriever"):
        resolve(f"{__name__}:not_a_retriever")
    with pytest.raises(RetrieverError, match="cannot load"):
        resolve("no_such_module_xyz:factory")


def test_local_model_directory(minilm):
    retriever = resolve(minilm.model_path)
    assert isinstance(retriever, SentenceTransformerRetriever)


def test_a_directory_that_is_not_a_model_is_refused(tmp_path):
    with pytest.raises(RetrieverError, match="not a model directory"):
        resolve(str(tmp_path))


def test_unknown_name_lists_the_presets():
    with pytest.raises(RetrieverError, match="bm25, minilm"):
        resolve("no-such-retriever")


@pytest.mark.parametrize("offline", ["1", ""])
def test_hub_id_not_available_offline_fails_fast_with_the_fix(monkeypatch, offline):
    monkeypatch.setenv("HF_HUB_OFFLINE", offline)
    start = time.monotonic()
    with pytest.raises(RetrieverError, match="not in the local Hugging Face cache"):
        resolve("hkunlp/instructor-xl-not-cached")
    assert time.monotonic() - start < 30  # no hub retries (about 70 s), on a loaded machine too


REQUIRED = {
    "bm25",
    "minilm",
    "instructor-base",
    "instructor-large",
    "instructor-xl",
    "e5-mistral-7b-instruct",
    "e5-base-v2",
    "bge-base-en-v1.5",
    "gtr-t5-base",
    "contriever-msmarco",
    "monot5-base",
    "followir-7b",
}


def test_the_fields_presets_are_all_there_with_a_builder_each():
    from instructprobe.retrievers.registry import BUILDERS

    assert set(PRESETS) >= REQUIRED
    for preset in PRESETS.values():
        assert preset.family in BUILDERS, preset.name
        assert preset.size and preset.summary


def fake_hub_snapshot(cache, repo_id, source, commit="c" * 40):
    """Lay ``source`` out as the Hugging Face hub cache holds a downloaded model."""
    import shutil

    repo = cache / ("models--" + repo_id.replace("/", "--"))
    shutil.copytree(source, repo / "snapshots" / commit)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)
    return repo / "snapshots" / commit


def test_instructor_xl_by_name_works_where_its_weights_are_in_the_hub_cache(
    instructor_dir, tmp_path, monkeypatch
):
    import huggingface_hub.constants

    from instructprobe.retrievers.instructor import InstructorRetriever

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    snapshot = fake_hub_snapshot(tmp_path, "hkunlp/instructor-xl", instructor_dir)
    retriever = resolve("instructor-xl")
    assert isinstance(retriever, InstructorRetriever)
    assert retriever.model_path == str(snapshot)
    assert retriever.describe()["revision"] == "hkunlp/instructor-xl@" + "c" * 40
    assert retriever.identity() == "hub:hkunlp/instructor-xl@" + "c" * 40
    index = retriever.index(["a", "b"], ["cats and dogs", "stock markets"])
    (ranking,) = index.search(["household pets"], depth=2)
    assert sorted(ranking.doc_ids) == ["a", "b"]


def test_instructor_xl_without_weights_fails_fast_naming_both_fixes(tmp_path, monkeypatch):
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    start = time.monotonic()
    with pytest.raises(RetrieverError) as raised:
        resolve("instructor-xl")
    assert time.monotonic() - start < 30  # no hub retries (about 70 s), on a loaded machine too
    message = str(raised.value)
    assert "\n" not in message
    assert "hf download hkunlp/instructor-xl" in message
    assert "--retriever instructor-xl=DIR" in message


def test_a_preset_bound_to_a_folder_that_is_not_a_model_is_refused(tmp_path):
    with pytest.raises(RetrieverError, match="not a model directory"):
        resolve(f"instructor-xl={tmp_path}")


def test_local_folders_get_their_family_from_their_files(
    instructor_dir, monot5_dir, cross_encoder_dir, causal_dir, tmp_path, minilm
):
    import shutil

    from instructprobe.retrievers.instructor import InstructorRetriever
    from instructprobe.retrievers.registry import detect_family
    from instructprobe.retrievers.rerankers import (
        CrossEncoderRetriever,
        MonoT5Retriever,
        YesNoRetriever,
    )

    named = tmp_path / "my-instructor-large"
    shutil.copytree(instructor_dir, named)
    assert isinstance(resolve(str(named)), InstructorRetriever)
    assert isinstance(resolve(str(monot5_dir)), MonoT5Retriever)
    assert isinstance(resolve(str(cross_encoder_dir)), CrossEncoderRetriever)
    assert isinstance(resolve(str(causal_dir)), YesNoRetriever)
    assert detect_family(minilm.model_path) == "sentence-transformers"
    assert detect_family(str(instructor_dir), "hkunlp/instructor-base") == "instructor"


def test_a_module_factory_is_found_in_the_current_folder(tmp_path, monkeypatch):
    import sys

    (tmp_path / "my_local_retriever.py").write_text(
        "from instructprobe.retrievers.bm25 import BM25\n\n"
        "def make():\n    return BM25(name='local')\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in ("", str(tmp_path))])
    try:
        assert resolve("my_local_retriever:make").name == "local"
    finally:
        sys.modules.pop("my_local_retriever", None)
    with pytest.raises(RetrieverError, match="cannot load"):
        resolve("my_local_missing:make")


def test_a_model_folder_saved_with_prompts_is_encoded_with_them(minilm, tmp_path):
    import json
    from pathlib import Path

    from instructprobe.retrievers.cache import DOCUMENT

    folder = tmp_path / "e5-style"
    folder.mkdir()
    for item in Path(minilm.model_path).iterdir():
        if item.name != "config_sentence_transformers.json":
            (folder / item.name).symlink_to(item)
    config = json.loads((Path(minilm.model_path) / "config_sentence_transformers.json").read_text())
    config["prompts"] = {"query": "query: ", "document": "passage: "}
    (folder / "config_sentence_transformers.json").write_text(json.dumps(config))
    retriever = resolve(str(folder))
    assert retriever.template.instruction_first == "query: {instruction} {query}"
    assert retriever.template.bare == "query: {query}"
    assert retriever.model_inputs(["Cats purr."], DOCUMENT) == ["passage: Cats purr."]
    described = retriever.describe()
    assert described["prompts_from"] == "model" and described["document_prompt"] == "passage: "
    expected = minilm.model.encode(["passage: Cats purr."], normalize_embeddings=True)
    np.testing.assert_allclose(retriever.embed(["Cats purr."], DOCUMENT), expected, atol=1e-6)
    plain = resolve(minilm.model_path)
    assert plain.template == Template() and "prompts_from" not in plain.describe()
