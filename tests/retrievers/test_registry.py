import time

import pytest

from retrievers import PRESETS, Retriever, RetrieverError, resolve
from retrievers.bm25 import BM25
from retrievers.dense import SentenceTransformerRetriever


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
    assert time.monotonic() - start < 5
