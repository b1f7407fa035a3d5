"""``--runs-dir``: every ranking as TREC run files that ranx and ir_measures read back and score
to the report's numbers."""

from __future__ import annotations

import json
import statistics
from collections import defaultdict

import pytest

from instructprobe.core.errors import OutputError
from instructprobe.probes.request import RunRequest
from instructprobe.probes.runfiles import MANIFEST, check_runs_dir, folder_name, trec_id
from instructprobe.probes.runner import Runner
from instructprobe.retrievers.base import Ranking

FAMILIES = "curated,reorder,strip,keywords,control"
"""Every family with variants on the starter but the paraphrases, whose meaning filter loads
MiniLM (generated negation is opt-in)."""


def test_ids_become_one_whitespace_free_field_and_stay_apart():
    plain = "health-q01/curated/changed/46545119a7"
    assert trec_id(plain) == plain
    assert trec_id("doc 1\t%\x1b\u2028é") == "doc%201%09%25%1B%E2%80%A8é"
    assert trec_id("a b") != trec_id("a%20b")


def test_retriever_names_become_folders_of_their_own():
    assert folder_name("org/model", []) == "org_model"
    assert folder_name("../x", []) == "_.._x"
    assert folder_name("a/b", ["a_b"]) == "a_b-2"
    assert folder_name("qrels", []) == "qrels-2"


def test_an_unwritable_runs_folder_is_refused_before_the_run(tmp_path, read_only):
    (tmp_path / "locked").mkdir()
    locked = read_only(tmp_path / "locked")
    with pytest.raises(OutputError, match="runs folder: cannot"):
        check_runs_dir(RunRequest(runs_dir=str(locked / "runs")))
    check_runs_dir(RunRequest(runs_dir=str(tmp_path / "new" / "runs")))
    assert (tmp_path / "new" / "runs").is_dir()


@pytest.fixture(scope="module")
def written(starter, bm25, tmp_path_factory):
    folder = tmp_path_factory.mktemp("runs")
    request = RunRequest(
        retrievers=[bm25], families=FAMILIES, sample=20, resamples=200, runs_dir=str(folder)
    )
    return Runner(request, starter, [bm25]).run(), folder


def test_the_manifest_names_every_file_and_places_every_variant(written):
    result, folder = written
    manifest = json.loads((folder / MANIFEST).read_text())
    (retriever,) = manifest["retrievers"]
    assert retriever["name"] == "bm25" and retriever["identity"]["name"] == "bm25"
    assert set(retriever["runs"]) == {"original", *FAMILIES.split(",")}
    assert all((folder / path).is_file() for path in retriever["runs"].values())
    assert all((folder / path).is_file() for path in manifest["qrels"].values())
    assert [v["id"] for v in manifest["variants"]] == [v.id for v in result.variants]
    assert {q["id"] for q in manifest["queries"]} == {v.query_id for v in result.variants}
    assert len(manifest["queries"]) == result.suite.queries == 20


def test_ranx_and_ir_measures_rescore_the_runs_to_the_reports_ndcg(written):
    ranx = pytest.importorskip("ranx")
    ir_measures = pytest.importorskip("ir_measures")
    result, folder = written
    manifest = json.loads((folder / MANIFEST).read_text())
    runs, qrels = manifest["retrievers"][0]["runs"], manifest["qrels"]

    def scores(name: str) -> dict[str, float]:
        run = ranx.Run.from_file(str(folder / runs[name]), kind="trec")
        judged = ranx.Qrels.from_file(str(folder / qrels[name]), kind="trec")
        values = ranx.evaluate(judged, run, "ndcg@10", return_mean=False, make_comparable=True)
        return dict(zip(run.keys(), map(float, values), strict=True))

    baseline = next(b.value for b in result.baseline if str(b.metric) == "nDCG@10")
    assert statistics.mean(scores("original").values()) == pytest.approx(baseline, abs=1e-12)
    (measured,) = ir_measures.calc_aggregate(
        [ir_measures.nDCG @ 10],
        ir_measures.read_trec_qrels(str(folder / qrels["original"])),
        ir_measures.read_trec_run(str(folder / runs["original"])),
    ).values()
    assert measured == pytest.approx(baseline, abs=1e-12)

    for family in FAMILIES.split(","):
        by_variant = scores(family)
        by_query = defaultdict(list)
        for v in manifest["variants"]:
            if v["family"] == family and v["scored"]:
                by_query[v["query_id"]].append(by_variant[v["qid"]])
        cell = next(
            c for c in result.cells if c.family.value == family and str(c.metric) == "nDCG@10"
        )
        assert {q.query_id for q in cell.per_query} == set(by_query), family
        for value in cell.per_query:
            rescored = statistics.mean(by_query[value.query_id])
            assert rescored == pytest.approx(value.perturbed, abs=1e-12), family


def test_scores_and_ties_keep_the_run_order(tmp_path):
    ranx = pytest.importorskip("ranx")
    from instructprobe.probes.runfiles import run_lines

    ranking = Ranking(("d 3", "d2", "d1"), (2.5, 1.0, 1.0))  # ties: document id, descending
    path = tmp_path / "r.run"
    path.write_text("".join(run_lines(trec_id("q 1"), ranking, "t")))
    assert path.read_text().splitlines()[0] == "q%201 Q0 d%203 1 2.5 t"
    run = ranx.Run.from_file(str(path), kind="trec")
    assert list(run["q%201"]) == ["d%203", "d2", "d1"]


def test_the_runs_folder_is_checked_before_the_retrievers_are_resolved(tmp_path, read_only):
    from instructprobe.probes.runner import execute

    (tmp_path / "locked").mkdir()
    locked = read_only(tmp_path / "locked")
    request = RunRequest(retrievers="no-such-retriever", runs_dir=str(locked / "runs"))
    with pytest.raises(OutputError, match="runs folder"):
        execute(request)


def test_a_run_file_that_cannot_be_written_is_one_line_and_leaves_no_temporary(
    starter, bm25, tmp_path, monkeypatch
):
    import errno

    from instructprobe.core.files import StreamedFile

    write = StreamedFile.write

    def full(self, lines):
        if self.path.suffix == ".run":  # the qrels are written, the first run file is not
            raise OSError(errno.ENOSPC, "No space left on device")
        write(self, lines)

    monkeypatch.setattr(StreamedFile, "write", full)
    request = RunRequest(retrievers=[bm25], families="strip", limit=2, runs_dir=str(tmp_path))
    with pytest.raises(OutputError, match=r"^runs folder: cannot write the run files of bm25 to "):
        Runner(request, starter, [bm25]).run()
    left = [p.name for p in tmp_path.rglob("*") if p.is_file()]
    assert not any(name.endswith(".tmp") for name in left) and MANIFEST not in left


def files_in(folder) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize("phase", ["rank", "measure", "write"])
def test_a_run_stopped_half_way_leaves_the_previous_runs_folder_as_it_was(
    starter, bm25, tmp_path, monkeypatch, phase
):
    """The qrels used to be replaced when the run started, and each retriever's run files when
    it was ranked: a run stopped before its manifest left the previous manifest beside qrels
    and runs of another run (other variant ids), to be scored as if they belonged together."""
    from instructprobe.core.interrupts import INJECT_VARIABLE, Interrupted, stop_on_signals

    settings = {"retrievers": [bm25], "families": "control", "limit": 4, "resamples": 200}
    Runner(RunRequest(**settings, runs_dir=str(tmp_path)), starter, [bm25]).run()
    before = files_in(tmp_path)
    another = RunRequest(**settings, seed=1, runs_dir=str(tmp_path))
    monkeypatch.setenv(INJECT_VARIABLE, f"{phase}:SIGINT")
    with pytest.raises(Interrupted), stop_on_signals():
        Runner(another, starter, [bm25]).run()
    assert files_in(tmp_path) == before, "nothing replaced, no temporary left"
    monkeypatch.delenv(INJECT_VARIABLE)
    Runner(another, starter, [bm25]).run()
    manifest = json.loads((tmp_path / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["request"]["seed"] == 1
    named = {v["qid"] for v in manifest["variants"] if v["scored"]}
    judged = {line.split()[0] for line in (tmp_path / "qrels" / "control.qrels").open()}
    assert named == judged and not any(p.name.endswith(".tmp") for p in tmp_path.rglob("*"))
