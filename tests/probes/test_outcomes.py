"""Outcomes streamed to a Parquet file during a run: a results file is a JSON summary with that
file and the cells' per-query values beside it (version 4), read back to the same records as a
version-2 document holds; a version-3 summary still loads; a missing, swapped or damaged
outcomes or per-query file is one line; a run ranked in chunks is the run ranked at once."""

import dataclasses
import json

import pytest

from instructprobe.core.errors import ResultsError
from instructprobe.core.interrupts import INJECT_VARIABLE, Interrupted, stop_on_signals
from instructprobe.probes import runner
from instructprobe.probes.outcomes import OutcomeWriter, StoredOutcomes
from instructprobe.probes.queryvalues import QueryValues
from instructprobe.probes.request import RunRequest
from instructprobe.probes.results import (
    RunResult,
    outcomes_path,
    per_query_path,
    read_results,
    write_results,
)
from instructprobe.probes.runner import Runner


def stored_copy(result: RunResult, folder) -> RunResult:
    """``result`` with its variants and outcomes in an outcomes file, saved and read back."""
    from instructprobe.probes.outcomes import StoredOutcomeList, StoredVariants

    path = folder / "outcomes-source.parquet"
    writer = OutcomeWriter(path)
    variants = {v.id: v for v in result.variants}
    writer.write([(variants[o.variant_id], o) for o in result.outcomes])
    writer.close()
    store = StoredOutcomes(path, writer.rows, len(result.variants))
    stored = dataclasses.replace(
        result, variants=StoredVariants(store), outcomes=StoredOutcomeList(store)
    )
    write_results(stored, folder / "results.json")
    return read_results(folder / "results.json")


@pytest.fixture(scope="module")
def split(small_result, tmp_path_factory):
    return stored_copy(small_result, tmp_path_factory.mktemp("split"))


def test_a_split_file_reads_back_to_the_same_run(split, small_result, results_file):
    assert split.to_json() == results_file.read_text(encoding="utf-8")
    assert split == small_result
    assert len(split.variants) == len(small_result.variants) == 668
    assert list(split.pairs()) == list(small_result.pairs())
    assert all(isinstance(cell.per_query, QueryValues) for cell in split.cells)


def test_the_summary_names_its_per_query_file(split, small_result):
    folder = split.outcomes.store.path.parent
    data = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    assert all("per_query" not in cell for cell in data["cells"])
    named = data["per_query_file"]
    assert named["name"] == "results.per-query.parquet"
    assert named["rows"] == sum(len(cell.per_query) for cell in small_result.cells) > 1000
    assert (folder / named["name"]).is_file()


def test_a_version_3_summary_still_loads(split, small_result, tmp_path):
    """Version 3 kept the per-query values inline, beside the same outcomes file."""
    import shutil

    folder = split.outcomes.store.path.parent
    data = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    whole = json.loads(small_result.to_json())
    data["schema_version"] = 3
    del data["per_query_file"]
    for cell, written in zip(data["cells"], whole["cells"], strict=True):
        cell["per_query"] = written["per_query"]
    shutil.copy(folder / "results.outcomes.parquet", tmp_path / "results.outcomes.parquet")
    (tmp_path / "old.json").write_text(json.dumps(data), encoding="utf-8")
    assert read_results(tmp_path / "old.json") == small_result


def test_the_summary_names_its_outcomes_file(split):
    folder = split.outcomes.store.path.parent
    data = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    assert data["schema_version"] == 4
    assert {"variants", "outcomes"}.isdisjoint(data)
    named = data["outcomes_file"]
    assert named["name"] == "results.outcomes.parquet"
    assert (named["rows"], named["variants"]) == (1336, 668)


def test_results_read_from_a_version_2_file_are_saved_as_one(small_result, tmp_path):
    written = write_results(small_result, tmp_path / "again.json")
    assert written == [tmp_path / "again.json"]
    assert not outcomes_path(tmp_path / "again.json").exists()
    assert not per_query_path(tmp_path / "again.json").exists()


@pytest.fixture()
def saved(small_result, tmp_path):
    stored_copy(small_result, tmp_path)
    return tmp_path / "results.json"


def test_a_missing_outcomes_file_is_one_line(saved):
    outcomes_path(saved).unlink()
    with pytest.raises(ResultsError, match=r"outcomes file the results name is missing$"):
        read_results(saved)


def test_another_outcomes_file_is_one_line(saved):
    path = outcomes_path(saved)
    path.write_bytes(path.read_bytes()[:-1] + b"\0")
    with pytest.raises(ResultsError, match=r"is not the one the results name \(sha256\)$"):
        read_results(saved)


def test_a_damaged_outcomes_file_is_one_line(saved):
    import hashlib

    path = outcomes_path(saved)
    path.write_bytes(b"not parquet")
    data = json.loads(saved.read_text(encoding="utf-8"))
    data["outcomes_file"]["sha256"] = hashlib.sha256(b"not parquet").hexdigest()
    saved.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ResultsError, match=r"not a readable outcomes file"):
        read_results(saved)


def test_a_missing_per_query_file_is_one_line(saved):
    per_query_path(saved).unlink()
    with pytest.raises(ResultsError, match=r"per-query file the results name is missing$"):
        read_results(saved)


def test_another_per_query_file_is_one_line(saved):
    path = per_query_path(saved)
    path.write_bytes(path.read_bytes()[:-1] + b"\0")
    with pytest.raises(ResultsError, match=r"is not the one the results name \(sha256\)$"):
        read_results(saved)


def rewritten_per_query(saved, table, rows: int) -> None:
    """The per-query file replaced by ``table``, the summary naming its hash and ``rows``."""
    import hashlib

    import pyarrow.parquet as pq

    path = per_query_path(saved)
    pq.write_table(table, path)
    data = json.loads(saved.read_text(encoding="utf-8"))
    data["per_query_file"]["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    data["per_query_file"]["rows"] = rows
    saved.write_text(json.dumps(data), encoding="utf-8")


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda t: t.drop_columns(["variants"]), "not a per-query file"),
        (lambda t: t.slice(0, 10), "rows, the results name"),
        (lambda t: t.set_column(0, t.schema.field(0), pa_column(t, 0, 10**6)), "names a cell"),
        (lambda t: t.take(list(range(t.num_rows))[::-1]), "not in the order of the cells"),
    ],
)
def test_a_damaged_per_query_file_is_one_line(saved, damage, message):
    import pyarrow.parquet as pq

    table = pq.read_table(per_query_path(saved))
    rewritten_per_query(saved, damage(table), table.num_rows)
    with pytest.raises(ResultsError, match=message):
        read_results(saved)


def pa_column(table, index: int, value: int):
    import pyarrow as pa

    return pa.array([value] * table.num_rows, type=table.schema.field(index).type)


@pytest.mark.parametrize("name", ["../results.outcomes.parquet", "/etc/passwd", "", ".."])
def test_an_outcomes_file_elsewhere_is_refused(saved, name):
    data = json.loads(saved.read_text(encoding="utf-8"))
    data["outcomes_file"]["name"] = name
    saved.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ResultsError, match=r"is not a file name$"):
        read_results(saved)


@pytest.mark.parametrize("fault", ["SIGINT", "SIGTERM", "ENOSPC"])
def test_a_write_stopped_half_way_keeps_the_previous_results_whole(
    saved, small_result, bm25_only, tmp_path_factory, monkeypatch, fault
):
    """The outcomes and per-query files used to be renamed over the previous ones before the
    summary was written: a Ctrl-C or a full disk then left the previous summary naming files
    that were no longer its own, and it could not be read."""
    newer = stored_copy(bm25_only, tmp_path_factory.mktemp("newer"))
    before = files_in(saved.parent)
    monkeypatch.setenv(INJECT_VARIABLE, f"write:{fault}")
    with pytest.raises((Interrupted, OSError)), stop_on_signals():
        write_results(newer, saved)
    assert files_in(saved.parent) == before, "no file replaced, no temporary left"
    assert read_results(saved) == small_result
    monkeypatch.delenv(INJECT_VARIABLE)
    write_results(newer, saved)
    assert read_results(saved) == bm25_only


def files_in(folder) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_a_run_in_chunks_is_the_run_at_once(starter, bm25, monkeypatch, tmp_path):
    """Results and run files alike: the run files are appended a chunk at a time."""
    settings = {"retrievers": [bm25], "limit": 12, "resamples": 200}
    request = RunRequest(**settings, runs_dir=str(tmp_path / "whole"))
    whole = Runner(request, starter, [bm25]).run()
    monkeypatch.setattr(runner, "CHUNK_VARIANTS", 10)
    planned = Runner(request, starter, [bm25]).plan()
    assert len(list(runner.chunks(planned, 10))) > 5
    request = RunRequest(**settings, runs_dir=str(tmp_path / "chunked"))
    chunked = Runner(request, starter, [bm25]).run()
    as_whole = dataclasses.replace(chunked, request=whole.request)
    assert as_whole.to_json() == whole.to_json()
    written = files_in(tmp_path / "whole")
    assert len(written) > 5 and not any(".tmp" in name for name in written)
    assert files_in(tmp_path / "chunked") == {
        name: text.replace(b"/whole", b"/chunked") if name == "manifest.json" else text
        for name, text in written.items()
    }


def test_a_benchmark_run_in_chunks_is_the_run_at_once(monkeypatch):
    """The benchmark keeps per-query values, not rankings: its section is the same when the
    queries, and their changed instructions, are ranked a few at a time."""
    from pathlib import Path

    from instructprobe.perturb import Family
    from instructprobe.retrievers.bm25 import BM25
    from instructprobe.suites import load_suite

    fixtures = Path(__file__).parents[1] / "suites" / "fixtures"
    suite = load_suite(f"followir:{fixtures / 'followir'}")
    bm25 = BM25()
    request = RunRequest(retrievers=[bm25], families=(Family.CURATED,), cache=False, resamples=200)
    whole = Runner(request, suite, [bm25]).run()
    monkeypatch.setattr(runner, "CHUNK_VARIANTS", 1)
    planned = Runner(request, suite, [bm25]).plan()
    assert len(list(runner.chunks(planned, 1))) == len(suite.queries) > 1
    chunked = Runner(request, suite, [bm25]).run()
    assert whole.benchmark is not None and len(whole.benchmark.scores) == 5
    assert chunked.to_json() == whole.to_json()


@pytest.mark.parametrize("cache", [True, False])
def test_a_run_read_from_its_plan_file_is_the_run_of_the_whole_plan(
    starter, bm25, monkeypatch, tmp_path, cache
):
    """The plan read from its file a case at a time (the cache's, or a temporary one) gives
    the results of the plan made and held whole: the summary, the outcomes file and the run
    files, byte for byte."""
    from instructprobe.perturb import Family
    from instructprobe.probes.plan import plan

    monkeypatch.setattr(runner, "CHUNK_VARIANTS", 10)
    families = (Family.CURATED, Family.REORDER, Family.STRIP, Family.CONTROL)
    settings = {"retrievers": [bm25], "limit": 12, "resamples": 200, "families": families}

    def request(name: str) -> RunRequest:
        folder = tmp_path / name
        folder.mkdir()
        return RunRequest(**settings, cache=cache, runs_dir=str(folder))

    streamed_runner = Runner(request("streamed"), starter, [bm25])
    planned = streamed_runner.plan()
    assert len(list(runner.chunks(planned, 10))) > 5
    streamed = streamed_runner.run()
    whole_runner = Runner(request("whole"), starter, [bm25])
    r = whole_runner.request
    whole_plan = plan(whole_runner.suite, r.families, r.seed, None, r.operators, r.order)
    assert planned.whole() == whole_plan
    whole = whole_runner.run_plan(whole_plan)
    assert dataclasses.replace(streamed, request=r).to_json() == whole.to_json()
    assert streamed.outcomes.store.path.read_bytes() == whole.outcomes.store.path.read_bytes()
    written = files_in(tmp_path / "whole")
    assert len(written) > 5
    assert files_in(tmp_path / "streamed") == {
        name: text.replace(b"/whole", b"/streamed") if name == "manifest.json" else text
        for name, text in written.items()
    }


def test_a_plan_whose_variants_are_not_grouped_by_case_is_one_chunk(starter, bm25):
    planned = Runner(RunRequest(retrievers=[bm25], limit=4), starter, [bm25]).plan().whole()
    shuffled = dataclasses.replace(planned, variants=planned.variants[::-1])
    assert len(list(runner.chunks(planned, 1))) == 4
    assert list(runner.chunks(shuffled, 1)) == [(list(planned.cases), list(shuffled.variants))]


def test_a_run_streams_its_outcomes_to_a_file(starter, bm25):
    result = Runner(RunRequest(retrievers=[bm25], limit=3), starter, [bm25]).run()
    store = result.outcomes.store
    assert store.path.is_file() and store.rows == len(result.variants)
    folder = store.path.parent
    del result, store
    import gc

    gc.collect()
    assert not folder.exists(), "the temporary outcomes are removed with the results"
