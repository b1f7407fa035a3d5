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

from instructprobe.core.errors import CacheError
from instructprobe.core.notices import CacheWarning
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


def filled(folder, entries=400, width=64):
    """A cache of ``entries`` vectors over several pages; the texts and vectors put in it."""
    cache = EmbeddingCache(folder)
    texts = [f"text {i}" for i in range(entries)]
    vectors = np.random.default_rng(1).standard_normal((entries, width)).astype(np.float32)
    cache.put(NS, texts, vectors)
    cache.close()
    return texts, vectors


def rewrite_rows(folder, damage, *parameters):
    """Change the cache file with SQL (or a function of the connection), behind its back."""
    connection = sqlite3.connect(folder / FILENAME)
    with connection:
        if callable(damage):
            damage(connection)
        else:
            connection.execute(damage, parameters)
    connection.close()


def test_a_file_that_is_not_a_database_is_removed_and_rebuilt_with_one_warning(tmp_path):
    (tmp_path / FILENAME).write_bytes(b"this is not a database" * 100)
    cache = EmbeddingCache(tmp_path)
    with pytest.warns(
        CacheWarning, match=r"was damaged \(file is not a database\): it was removed"
    ):
        assert cache.get(NS, ["a"]) == {}
    cache.put(NS, ["a"], np.ones((1, 2), np.float32))
    assert EmbeddingCache(tmp_path).get(NS, ["a"])["a"].tolist() == [1.0, 1.0]


def overwrite_page(folder, table, data):
    """``data`` (a page of bytes, or a function of the page size) over ``table``'s root page."""
    connection = sqlite3.connect(folder / FILENAME)
    query = "SELECT rootpage FROM sqlite_master WHERE name = ?"
    (root,) = connection.execute(query, (table,)).fetchone()
    (page_size,) = connection.execute("PRAGMA page_size").fetchone()
    connection.close()
    with (folder / FILENAME).open("r+b") as handle:
        handle.seek((root - 1) * page_size)
        handle.write(data(page_size))


def test_random_bytes_over_a_page_are_found_removed_and_rebuilt(tmp_path):
    texts, vectors = filled(tmp_path)
    overwrite_page(tmp_path, "vectors", np.random.default_rng(7).bytes)
    cache = EmbeddingCache(tmp_path)
    with pytest.warns(CacheWarning, match="was damaged .*malformed"):
        assert cache.get(NS, texts) == {}, "nothing from a damaged file is used"
    cache.put(NS, texts, vectors)
    found = EmbeddingCache(tmp_path).get(NS, texts)
    np.testing.assert_array_equal(np.stack([found[t] for t in texts]), vectors)


def test_info_on_a_damaged_file_is_one_line_with_the_fix(tmp_path):
    filled(tmp_path)
    overwrite_page(tmp_path, "vectors", lambda size: b"\xff" * size)
    with pytest.raises(CacheError, match=r"cannot be read .*probe cache clear") as raised:
        EmbeddingCache(tmp_path).info()
    assert "\n" not in str(raised.value)


def swap_two_keys(connection):
    first, second = connection.execute("SELECT text_hash FROM vectors LIMIT 2").fetchall()
    connection.execute("UPDATE vectors SET text_hash = x'00' WHERE text_hash = ?", first)
    connection.execute("UPDATE vectors SET text_hash = ? WHERE text_hash = ?", (*first, *second))
    connection.execute("UPDATE vectors SET text_hash = ? WHERE text_hash = x'00'", second)


@pytest.mark.parametrize(
    "damage",
    [
        "UPDATE vectors SET vector = substr(vector, 1, 252) WHERE rowid <= 3",
        "UPDATE vectors SET vector = zeroblob(256) WHERE rowid <= 3",
        swap_two_keys,
        "UPDATE namespaces SET width = 63",
    ],
    ids=["wrong-length", "wrong-values", "swapped-keys", "wrong-width"],
)
def test_an_altered_entry_is_never_used_and_is_stored_again(tmp_path, damage):
    texts, vectors = filled(tmp_path)
    rewrite_rows(tmp_path, damage)
    cache = EmbeddingCache(tmp_path)
    with pytest.warns(CacheWarning, match=r"entr(y|ies) failed their checks"):
        found = cache.get(NS, texts)
    assert 0 < len(texts) - len(found) <= len(texts)
    for text, vector in found.items():
        np.testing.assert_array_equal(vector, vectors[texts.index(text)])
    missing = [t for t in texts if t not in found]
    cache.put(NS, missing, vectors[[texts.index(t) for t in missing]])
    healed = EmbeddingCache(tmp_path).get(NS, texts)
    np.testing.assert_array_equal(np.stack([healed[t] for t in texts]), vectors)


def test_a_damaged_fingerprint_is_computed_again(tmp_path):
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "weights.bin").write_bytes(b"weights")
    cache = EmbeddingCache(tmp_path / "cache")
    first = model_identity(folder, cache)
    cache.close()
    rewrite_rows(tmp_path / "cache", "UPDATE fingerprints SET sha256 = ?", "0" * 64)
    assert model_identity(folder, EmbeddingCache(tmp_path / "cache")) == first


@pytest.mark.parametrize("closed", [True, False], ids=["closed", "journal-left"])
def test_a_read_only_cache_is_read_and_not_written(tmp_path, read_only, closed):
    """Also when it was copied while a writer had it open (its entries partly in the -wal)."""
    import shutil

    writer = EmbeddingCache(tmp_path / "source")
    texts = [f"text {i}" for i in range(400)]
    vectors = np.random.default_rng(1).standard_normal((400, 64)).astype(np.float32)
    writer.put(NS, texts, vectors)
    if closed:
        writer.close()
    shutil.copytree(tmp_path / "source", tmp_path / "cache")
    writer.close()
    assert (tmp_path / "cache" / f"{FILENAME}-wal").exists() is not closed
    folder = read_only(tmp_path / "cache")
    cache = EmbeddingCache(folder)
    found = cache.get(NS, [*texts, "new text"])
    np.testing.assert_array_equal(np.stack([found[t] for t in texts]), vectors)
    assert cache.info().entries == len(texts)
    with pytest.warns(CacheWarning, match="cannot be written: it is read"):
        cache.put(NS, ["new text"], np.ones((1, 64), np.float32))
    assert cache.read_only and cache.get(NS, ["new text"]) == {}
    with pytest.raises(CacheError, match=r"cannot remove .*read-only"):
        cache.clear()
    cache.close()
    again = EmbeddingCache(folder)
    assert again.info().entries == len(texts)
    again.close()


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


def test_a_cache_made_by_processes_started_together_is_opened_by_each(tmp_path, monkeypatch):
    """Two runs that start together on a new cache folder both make its file; SQLite then
    answers one of them "database is locked" at once, without waiting (each would wait for
    the other), and that run stopped with "cannot be used (database is locked)"."""
    refused = []

    class MadeTogether(sqlite3.Connection):
        def execute(self, sql, *args):
            if sql == "PRAGMA journal_mode=WAL" and not refused:
                refused.append(sql)  # what the other process's lock makes SQLite answer
                raise sqlite3.OperationalError("database is locked")
            return super().execute(sql, *args)

    connect = sqlite3.connect
    monkeypatch.setattr(sqlite3, "connect", lambda *a, **k: connect(*a, **k, factory=MadeTogether))
    cache = EmbeddingCache(tmp_path)
    cache.put(NS, ["a"], np.ones((1, 4), dtype=np.float32))
    assert refused and list(cache.get(NS, ["a"])) == ["a"]
    cache.close()
    with connect(tmp_path / FILENAME) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    connection.close()


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
