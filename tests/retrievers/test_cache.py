import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from instructprobe.perturb import Order, Request
from instructprobe.retrievers.cache import (
    DOCUMENT,
    FILENAME,
    QUERY,
    EmbeddingCache,
    Namespace,
    cache_dir_for,
    default_cache_dir,
    hub_revision,
    model_identity,
)
from instructprobe.retrievers.dense import EncoderSettings, SentenceTransformerRetriever

NS = Namespace(model="sha256:abc", role=DOCUMENT, prompt="passage: ", max_length=512)


def test_vectors_round_trip_exactly_and_only_for_their_namespace(tmp_path):
    cache = EmbeddingCache(tmp_path)
    vectors = np.random.default_rng(0).standard_normal((3, 5)).astype(np.float32)
    cache.put(NS, ["a", "b", "é"], vectors)
    found = cache.get(NS, ["b", "é", "missing"])
    assert set(found) == {"b", "é"}
    np.testing.assert_array_equal(found["b"], vectors[1])
    np.testing.assert_array_equal(found["é"], vectors[2])
    for other in (
        Namespace("sha256:other", DOCUMENT, "passage: ", 512),
        Namespace("sha256:abc", QUERY, "passage: ", 512),
        Namespace("sha256:abc", DOCUMENT, "", 512),
        Namespace("sha256:abc", DOCUMENT, "passage: ", 256),
        Namespace("sha256:abc", DOCUMENT, "passage: ", 512, {"precision": "float16"}),
    ):
        assert cache.get(other, ["a", "b"]) == {}, other
    labelled = Namespace("sha256:abc", DOCUMENT, "passage: ", 512, label="e5")
    assert labelled.id == NS.id, "the label names a namespace, it is not part of the key"
    reopened = EmbeddingCache(tmp_path)
    np.testing.assert_array_equal(reopened.get(NS, ["a"])["a"], vectors[0])


def test_info_reports_size_and_entries_and_clear_removes_everything(tmp_path):
    cache = EmbeddingCache(tmp_path)
    assert cache.info().size_bytes == 0 and cache.info().entries == 0
    cache.put(NS, [f"text {i}" for i in range(100)], np.ones((100, 8), np.float32))
    info = cache.info()
    assert info.entries == 100
    assert info.size_bytes == sum(p.stat().st_size for p in tmp_path.iterdir())
    (usage,) = info.namespaces
    assert usage.entries == 100 and usage.bytes == 100 * 8 * 4
    assert usage.description["model"] == "sha256:abc" and usage.description["role"] == DOCUMENT
    freed = cache.clear()
    assert freed == info.size_bytes
    assert list(tmp_path.iterdir()) == []
    assert cache.get(NS, ["text 1"]) == {}


def test_location_comes_from_the_variable_then_xdg_then_home(monkeypatch, tmp_path):
    monkeypatch.setenv("INSTRUCTPROBE_CACHE_DIR", str(tmp_path / "explicit"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "explicit"
    monkeypatch.delenv("INSTRUCTPROBE_CACHE_DIR")
    assert default_cache_dir() == tmp_path / "xdg" / "instructprobe"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert default_cache_dir() == Path.home() / ".cache" / "instructprobe"
    assert cache_dir_for(str(tmp_path / "cli"), disabled=False) == str(tmp_path / "cli")
    assert cache_dir_for(None, disabled=True) is None


def test_a_corrupt_cache_file_is_one_error_with_the_fix(tmp_path):
    from instructprobe.retrievers import RetrieverError

    (tmp_path / FILENAME).write_bytes(b"this is not a database" * 100)
    with pytest.raises(RetrieverError, match="probe cache clear"):
        EmbeddingCache(tmp_path).put(NS, ["a"], np.ones((1, 2), np.float32))


def test_a_killed_writer_leaves_a_valid_cache_of_whole_chunks(tmp_path):
    """SIGKILL in the middle of writing: every committed chunk is whole, nothing is torn."""
    script = textwrap.dedent(
        f"""
        import sys, numpy as np
        from instructprobe.retrievers.cache import EmbeddingCache, Namespace
        cache = EmbeddingCache({str(tmp_path)!r})
        ns = Namespace("m", "document")
        chunk = 0
        while True:
            texts = [f"{{chunk}}-{{i}}" for i in range(2000)]
            cache.put(ns, texts, np.full((2000, 64), chunk, np.float32))
            chunk += 1
            if chunk == 1:
                print("committed", flush=True)
        """
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=os.getcwd()
    )
    assert child.stdout.readline().strip() == "committed"
    time.sleep(0.3)
    child.send_signal(signal.SIGKILL)
    child.wait()
    connection = sqlite3.connect(tmp_path / FILENAME)
    assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    connection.close()
    cache = EmbeddingCache(tmp_path)
    count = cache.info().entries
    assert count >= 2000 and count % 2000 == 0, "only whole chunks are committed"
    ns = Namespace("m", "document")
    chunks = count // 2000
    found = cache.get(ns, [f"{c}-{i}" for c in range(chunks) for i in (0, 1999)])
    assert len(found) == 2 * chunks
    assert all(v.shape == (64,) and (v == float(k.split("-")[0])).all() for k, v in found.items())


def test_hub_snapshots_are_named_by_revision_and_folders_by_content(tmp_path):
    snapshot = tmp_path / "models--hkunlp--instructor-xl" / "snapshots" / ("a" * 40)
    assert hub_revision(snapshot) == "hkunlp/instructor-xl@" + "a" * 40
    assert hub_revision(tmp_path) is None
    folder = tmp_path / "model"
    (folder / "1_Pooling").mkdir(parents=True)
    (folder / "config.json").write_text("{}")
    (folder / "1_Pooling" / "config.json").write_text('{"mean": true}')
    cache = EmbeddingCache(tmp_path / "cache")
    first = model_identity(folder, cache)
    assert first.startswith("sha256:") and first == model_identity(folder)
    (folder / "README.md").write_text("notes do not change the weights")
    assert model_identity(folder, cache) == first
    (folder / "1_Pooling" / "config.json").write_text('{"mean": false}')
    assert model_identity(folder, cache) != first
    assert model_identity(snapshot, cache) == "hub:hkunlp/instructor-xl@" + "a" * 40


def test_a_warm_rerun_encodes_only_new_texts_on_the_real_minilm(
    minilm, counting, starter, tmp_path
):
    """A second run (a new retriever object, as in a new process) reuses the corpus and the
    queries it has seen; only the new query text reaches the model."""
    docs = starter.documents[:60]
    queries = [Request(q.text, q.instruction) for q in starter.queries[:5]]

    def run(requests):
        model = counting(minilm.model)
        settings = EncoderSettings(cache_dir=str(tmp_path))
        retriever = SentenceTransformerRetriever("minilm", minilm.model_path, settings, model=model)
        index = retriever.index([d.id for d in docs], [d.text for d in docs])
        texts = [retriever.template.render(r) for r in requests]
        return index.search(texts, depth=10), model

    cold, cold_model = run(queries)
    assert len(cold_model.seen) == len({d.text for d in docs}) + len(queries)
    new = Request(starter.queries[0].text, starter.queries[0].instruction, Order.QUERY_FIRST)
    warm, warm_model = run([*queries, new])
    assert warm_model.seen == [SentenceTransformerRetriever("x", "x").template.render(new)]
    for a, b in zip(cold, warm, strict=False):
        assert a.doc_ids == b.doc_ids
        assert a.scores == pytest.approx(b.scores, abs=1e-6)
    again, again_model = run([*queries, new])
    assert again_model.calls == []
    assert [r.doc_ids for r in again] == [r.doc_ids for r in warm]


def test_an_interrupted_encode_keeps_the_chunks_it_finished(minilm, tmp_path):
    class Interrupting:
        def __init__(self, model):
            self.model, self.calls = model, 0

        def encode(self, texts, **kwargs):
            self.calls += 1
            if self.calls == 2:
                raise KeyboardInterrupt
            return self.model.encode(texts, **kwargs)

    texts = [f"sentence number {i}" for i in range(10)]
    settings = EncoderSettings(batch_size=1, cache_dir=str(tmp_path))  # chunks of 8 texts
    interrupted = SentenceTransformerRetriever(
        "minilm", minilm.model_path, settings, model=Interrupting(minilm.model)
    )
    with pytest.raises(KeyboardInterrupt):
        interrupted.embed(texts, DOCUMENT)
    assert EmbeddingCache(tmp_path).info().entries == 8
    resumed = SentenceTransformerRetriever(
        "minilm", minilm.model_path, settings, model=Interrupting(minilm.model)
    )
    resumed.model.calls = 5  # a third call would not raise either
    vectors = resumed.embed(texts, DOCUMENT)
    assert resumed.model.calls == 6, "only the two unfinished texts were encoded"
    assert vectors.shape == (10, 384)


def small_suite(path):
    """Two starter queries over 40 documents, written in the suite format."""
    import json

    source = Path(__file__).parents[2] / "suites" / "data" / "starter.jsonl"
    records = [json.loads(line) for line in source.read_text().splitlines() if line.strip()]
    queries = [r for r in records if r["kind"] == "query"][:2]
    wanted = {d for q in queries for d in q["qrels"]}
    for q in queries:
        for key in ("changed", "negated"):
            wanted |= set((q.get(key) or {}).get("qrels", {}))
    documents = [r for r in records if r["kind"] == "document"]
    others = [d["id"] for d in documents if d["id"] not in wanted]
    wanted |= set(others[: max(0, 40 - len(wanted))])
    kept = [d for d in documents if d["id"] in wanted]
    header = {"kind": "suite", "name": "small", "description": "two starter queries"}
    lines = [header, *kept, *queries]
    path.write_text("".join(json.dumps(r) + "\n" for r in lines))
    return len(kept)


@pytest.mark.model
def test_probe_run_fills_the_cache_and_probe_cache_reports_and_clears_it(tmp_path, capsys):
    from instructprobe.app.cli import main
    from instructprobe.probes.plancache import PlanCache

    suite = tmp_path / "small.jsonl"
    documents = small_suite(suite)
    cache_dir = tmp_path / "cache"
    args = ["run", "-r", "minilm", "--suite", str(suite), "--resamples", "200", "--quiet"]
    assert main([*args, "--no-cache"]) == 0
    assert not cache_dir.exists()
    assert main([*args, "--cache-dir", str(cache_dir)]) == 0
    entries = EmbeddingCache(cache_dir).info().entries
    assert entries > documents
    capsys.readouterr()
    assert main(["cache", "info", "--cache-dir", str(cache_dir)]) == 0
    out = capsys.readouterr().out
    assert f"{entries} entries" in out and "document" in out and "query" in out
    assert "minilm" in out, "each namespace is labelled with the retriever's name"
    assert "plans: 1 stored" in out
    assert main([*args, "--cache-dir", str(cache_dir)]) == 0
    assert EmbeddingCache(cache_dir).info().entries == entries, "a rerun adds nothing"
    assert len(PlanCache(cache_dir).files()) == 1, "a rerun reads its plan back"
    assert main(["cache", "clear", "--cache-dir", str(cache_dir)]) == 0
    assert "cleared" in capsys.readouterr().out
    assert EmbeddingCache(cache_dir).info().entries == 0
    assert PlanCache(cache_dir).files() == []
