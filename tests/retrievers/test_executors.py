"""Executors of the encode/score step: the local one, and one process per device (two CPU
processes here). The driver keeps the cache; a worker's rows equal the local rows, bytes and
all; a worker killed mid-chunk is started again."""

from __future__ import annotations

import pytest

from instructprobe.core.interrupts import INJECT_VARIABLE, ONCE_VARIABLE
from instructprobe.retrievers.cache import DOCUMENT, QUERY, EmbeddingCache
from instructprobe.retrievers.dense import EncoderSettings, SentenceTransformerRetriever
from instructprobe.retrievers.executors import LOCAL, DevicePool, ExecutorError
from instructprobe.retrievers.rerankers import CrossEncoderRetriever

TEXTS = [
    f"text number {n} about {word}"
    for n, word in enumerate(("cats dogs bread stocks " * 9).split())
]
"""36 distinct texts: 5 chunks at batch size 2 (8 batches a chunk), so both workers get work."""


def minilm_on(minilm, executor, cache_dir=None):
    settings = EncoderSettings(batch_size=2, cache_dir=cache_dir, executor=executor)
    return SentenceTransformerRetriever("minilm", minilm.model_path, settings)


def test_a_replica_has_no_cache_no_model_and_the_drivers_precision(minilm, tmp_path):
    driver = minilm_on(minilm, LOCAL, str(tmp_path))
    driver.embed(["load the model"], QUERY)
    replica = driver.replica("cpu")
    assert replica.cache is None and replica._model is None
    assert replica.settings.device == "cpu" and replica.settings.executor is LOCAL
    assert replica.settings.precision == driver.precision() == "float32"
    assert replica.namespace(QUERY).id == driver.namespace(QUERY).id


@pytest.mark.slow
def test_two_cpu_processes_give_the_local_vectors_byte_for_byte(minilm, tmp_path):
    local = minilm_on(minilm, LOCAL).embed(TEXTS, DOCUMENT)
    with DevicePool(("cpu", "cpu")) as pool:
        spread = minilm_on(minilm, pool, str(tmp_path)).embed(TEXTS, DOCUMENT)
    assert spread.tobytes() == local.tobytes()
    stored = EmbeddingCache(tmp_path).get(minilm_on(minilm, LOCAL).namespace(DOCUMENT), TEXTS)
    assert len(stored) == len(TEXTS), "the driver stored every chunk the workers computed"
    assert all(stored[t].tobytes() == row.tobytes() for t, row in zip(TEXTS, local, strict=True))


@pytest.mark.slow
def test_a_device_worker_killed_mid_chunk_is_started_again(minilm, tmp_path, monkeypatch):
    local = minilm_on(minilm, LOCAL).embed(TEXTS, QUERY)
    monkeypatch.setenv(INJECT_VARIABLE, "compute:SIGKILL")
    monkeypatch.setenv(ONCE_VARIABLE, str(tmp_path / "killed"))
    with DevicePool(("cpu", "cpu")) as pool:
        spread = minilm_on(minilm, pool).embed(TEXTS, QUERY)
    assert (tmp_path / "killed").exists(), "a worker was killed"
    assert spread.tobytes() == local.tobytes()


@pytest.mark.slow
def test_a_worker_that_keeps_dying_stops_the_run_with_one_line(minilm, monkeypatch):
    monkeypatch.setenv(INJECT_VARIABLE, "compute:SIGKILL")
    with DevicePool(("cpu",)) as pool, pytest.raises(ExecutorError) as error:
        minilm_on(minilm, pool).embed(TEXTS[:3], QUERY)
    assert "minilm: the worker on cpu died 3 times" in str(error.value)
    assert "\n" not in str(error.value)


@pytest.mark.slow
def test_a_reranker_scores_pairs_in_two_processes_as_in_one(cross_encoder_dir, tmp_path):
    pairs = [
        (f"query {n}", f"document about {w}")
        for n, w in enumerate(("cats dogs bread " * 8).split())
    ]

    def scores(executor, cache_dir=None):
        settings = EncoderSettings(batch_size=2, cache_dir=cache_dir, executor=executor)
        return CrossEncoderRetriever("ce", str(cross_encoder_dir), settings).scores(pairs)

    local = scores(LOCAL)
    with DevicePool(("cpu", "cpu")) as pool:
        spread = scores(pool, str(tmp_path))
    assert spread.tobytes() == local.tobytes()
    assert scores(LOCAL, str(tmp_path)).tobytes() == local.tobytes(), "read from the cache"


def test_a_device_pool_needs_devices():
    with pytest.raises(ExecutorError, match="needs devices"):
        DevicePool(())
