"""``probe report``, ``probe compare`` and ``probe gate`` as a user types them."""

import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from instructprobe.app.cli import main
from instructprobe.core.files import write_atomic

EXAMPLE = Path(__file__).parents[2] / "docs" / "examples" / "release-gates.toml"


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("suffix", "start"),
    [
        (".html", "<!DOCTYPE html>"),
        (".md", "# instructprobe report"),
        (".txt", "instructprobe · starter"),
        (".json", "{"),
    ],
)
def test_report_writes_the_format_its_suffix_names(capsys, results_file, tmp_path, suffix, start):
    out = tmp_path / f"report{suffix}"
    code, _, err = run(capsys, "report", str(results_file), "--out", str(out))
    assert code == 0 and "written to" in err
    assert out.read_text(encoding="utf-8").startswith(start)
    assert [p.name for p in tmp_path.iterdir()] == [out.name], "no temporary file is left"


def test_report_to_stdout_in_each_format(capsys, results_file):
    code, out, _ = run(capsys, "report", str(results_file), "--format", "json")
    assert code == 0 and json.loads(out)["schema_version"] == 2
    code, out, _ = run(capsys, "report", str(results_file), "--format", "term", "--width", "80")
    assert code == 0 and "Verdicts" in out and "\x1b[" not in out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{", "not JSON"),
        ("[]", "not a results file"),
        ('{"schema_version": 7}', "schema_version 7 is not 1, 2, 3 or 4"),
        ('{"schema_version": 1}', "not a results file ("),
    ],
)
def test_report_refuses_a_broken_file_in_one_line(capsys, tmp_path, content, message):
    path = tmp_path / "broken.json"
    path.write_text(content, encoding="utf-8")
    code, _, err = run(capsys, "report", str(path))
    assert code == 2
    assert message in err and err.count("\n") == 1


def test_an_interrupted_write_leaves_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "report.html"
    target.write_text("old", encoding="utf-8")

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, "new " * 1000)
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_compare_prints_better_and_worse(capsys, tmp_path, bm25_only, minilm_only):
    base, candidate = tmp_path / "bm25.json", tmp_path / "minilm.json"
    bm25_only.write_json(base)
    minilm_only.write_json(candidate)
    code, out, _ = run(capsys, "compare", str(base), str(candidate))
    assert code == 0
    assert "curated p-MRR (bm25 → minilm) +10.0" in " ".join(out.split())
    code, out, _ = run(capsys, "compare", str(base), str(candidate), "--format", "json")
    data = json.loads(out)
    assert {c["family"] for c in data["changes"]} == {
        c.family.value for c in minilm_only.cells if c.decides
    }


def test_compare_refuses_different_suites_in_one_line(capsys, tmp_path, results_file):
    data = json.loads(results_file.read_text(encoding="utf-8"))
    data["suite"]["sha256"] = "f" * 64
    other = tmp_path / "other.json"
    other.write_text(json.dumps(data), encoding="utf-8")
    code, _, err = run(capsys, "compare", str(results_file), str(other))
    assert code == 2
    assert err.startswith("probe: error: not comparable: the runs used different suites")
    assert err.count("\n") == 1


def test_gate_fails_bm25_on_negation_with_junit(capsys, tmp_path, results_file):
    junit = tmp_path / "gates.xml"
    code, out, _ = run(
        capsys, "gate", str(EXAMPLE), "--results", str(results_file), "--junit", str(junit)
    )
    assert code == 1
    assert "FAIL  changes and negations are followed [bm25 · curated · p-MRR]: ci_low -" in out
    assert out.rstrip().splitlines()[-1].startswith("FAILED: ")
    suite = ET.parse(junit).getroot().find("testsuite")
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    failed = cases["changes and negations are followed [bm25 · curated · p-MRR]"].find("failure")
    assert failed is not None and failed.get("message").startswith("ci_low -")
    assert "strata that fail too" in failed.text
    assert int(suite.get("failures")) == sum(c.find("failure") is not None for c in cases.values())


def test_gate_passes_with_exit_0(capsys, tmp_path, results_file):
    gates = tmp_path / "gates.toml"
    gates.write_text(
        f"results = '{results_file}'\n"
        "[[gate]]\nrule = 'verdict'\nfamily = 'reorder'\nis_not = 'breaks'\n"
        "retrievers = ['bm25']\n",
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "gate", str(gates))
    assert code == 0 and out.rstrip().endswith("passed: 1 of 1 check(s) passed")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "[run]\nlimit = 'five'\n[[gate]]\nrule='verdict'\nfamily='curated'\nis='holds'",
            "[run]: 'limit': must be an integer ≥ 1, got 'five'",
        ),
        (
            "[run]\nretrievers = ['no-such-model-xyz']\nlimit = 2\n"
            "[[gate]]\nrule='verdict'\nfamily='curated'\nis='holds'",
            "no-such-model-xyz",
        ),
    ],
)
def test_gate_errors_exit_2_in_one_line(capsys, tmp_path, text, message):
    gates = tmp_path / "gates.toml"
    gates.write_text(text, encoding="utf-8")
    junit = tmp_path / "junit.xml"
    code, _, err = run(capsys, "gate", str(gates), "--junit", str(junit), "--quiet")
    assert code == 2
    last = err.rstrip().splitlines()[-1]
    assert last.startswith("probe gate: error: ") and message in last
    assert ET.parse(junit).getroot().find("testsuite").get("errors") == "1"


def test_gate_makes_the_run_it_names(capsys, tmp_path):
    gates = tmp_path / "gates.toml"
    gates.write_text(
        "[run]\nretrievers = ['bm25']\nlimit = 6\nresamples = 200\n"
        "families = ['curated', 'reorder']\n"
        "[[gate]]\nname = 'curated is followed'\nrule = 'bound'\nfamily = 'curated'\n"
        "statistic = 'delta'\nat_least = 0.0\n"
        "[[gate]]\nrule = 'verdict'\nfamily = 'reorder'\nis_not = 'breaks'\n",
        encoding="utf-8",
    )
    saved = tmp_path / "run.json"
    code, out, err = run(capsys, "gate", str(gates), "--quiet", "--save", str(saved))
    assert "running bm25 on starter, first 6 queries (seed 0)" in err
    assert code == 1, out
    assert "FAIL  curated is followed [bm25 · curated · p-MRR]" in out
    assert "PASS  reorder verdict is holds or inconclusive [bm25 · reorder · nDCG@10]" in out
    assert json.loads(saved.read_text(encoding="utf-8"))["request"]["limit"] == 6


def test_probe_run_and_probe_gate_make_the_same_run(capsys, tmp_path):
    """One request, one execution path: the gate's run is byte for byte the run's."""
    settings = ("-r", "bm25", "--limit", "6", "--resamples", "200", "--perturb", "reorder")
    ran = tmp_path / "ran.json"
    code, _, _ = run(capsys, "run", *settings, "--quiet", "--out", str(ran))
    assert code == 0
    gates = tmp_path / "gates.toml"
    gates.write_text(
        "[run]\nretrievers = 'bm25'\nlimit = 6\nresamples = 200\nfamilies = 'reorder'\n"
        "[[gate]]\nrule = 'verdict'\nfamily = 'reorder'\nis_not = 'breaks'\n",
        encoding="utf-8",
    )
    gated = tmp_path / "gated.json"
    code, out, _ = run(capsys, "gate", str(gates), "--quiet", "--save", str(gated))
    assert code == 0, out
    assert gated.read_bytes() == ran.read_bytes().replace(b'"ran.', b'"gated.')
    for beside in ("{}.outcomes.parquet", "{}.per-query.parquet"):
        gated_file, ran_file = (tmp_path / beside.format(name) for name in ("gated", "ran"))
        assert gated_file.read_bytes() == ran_file.read_bytes()
    code, out, _ = run(capsys, "gate", str(gates), "--results", str(ran))
    assert code == 0 and "passed: 1 of 1" in out


def test_a_gate_refuses_a_results_file_of_the_suite_before_its_file_changed(capsys, tmp_path):
    """The request names the suite by its path, which stays the same when the file changes:
    the file's hash tells the run of the old suite from the run the gate names."""
    starter = Path(__file__).parents[2] / "suites" / "data" / "starter.jsonl"
    suite = tmp_path / "suite.jsonl"
    suite.write_bytes(starter.read_bytes())
    settings = ("-r", "bm25", "--suite", str(suite), "--limit", "6", "--resamples", "200")
    ran = tmp_path / "ran.json"
    code, _, _ = run(capsys, "run", *settings, "--perturb", "reorder", "--quiet", "--out", str(ran))
    assert code == 0
    gates = tmp_path / "gates.toml"
    gates.write_text(
        f"[run]\nretrievers = 'bm25'\nsuite = '{suite}'\nlimit = 6\nresamples = 200\n"
        "families = 'reorder'\n[[gate]]\nrule = 'verdict'\nfamily = 'reorder'\nis_not = 'breaks'\n",
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "gate", str(gates), "--results", str(ran))
    assert code == 0 and "passed: 1 of 1" in out
    suite.write_text(
        starter.read_text(encoding="utf-8").replace("ibuprofen", "naproxen"), encoding="utf-8"
    )
    code, out, err = run(capsys, "gate", str(gates), "--results", str(ran))
    assert code == 2 and out == ""
    last = err.rstrip().splitlines()[-1]
    assert last.startswith(f"probe gate: error: {ran} is not the run {gates}'s [run] names: ")
    assert f"suite: {suite} sha256 " in last and "(file ≠ request)" in last


def test_a_gate_refuses_a_results_file_of_another_request(capsys, results_file, tmp_path):
    gates = tmp_path / "gates.toml"
    gates.write_text(
        "[run]\nretrievers = ['bm25']\nsuite = 'starter'\nresamples = 2000\n"
        "[[gate]]\nrule = 'verdict'\nfamily = 'reorder'\nis = 'holds'\n",
        encoding="utf-8",
    )
    code, out, err = run(capsys, "gate", str(gates), "--results", str(results_file))
    assert code == 2 and out == ""
    last = err.rstrip().splitlines()[-1]
    assert last == (
        f"probe gate: error: {results_file} is not the run {gates}'s [run] names: "
        "retrievers: bm25,minilm ≠ bm25 (file ≠ request); judge it without a run, or make the "
        "run again"
    )


def test_the_search_replay_database_is_in_the_run_cache_folder(tmp_path, monkeypatch):
    from instructprobe.app.commands.search import default_database

    monkeypatch.setenv("INSTRUCTPROBE_CACHE_DIR", str(tmp_path / "mine"))
    assert default_database() == tmp_path / "mine" / "search-db"
    monkeypatch.delenv("INSTRUCTPROBE_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_database() == tmp_path / "xdg" / "instructprobe" / "search-db"
