"""The pytest plugin as a model's own test suite uses it: a separate pytest process in a
project of its own, with the plugin loaded from the ``pytest11`` entry point."""

import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET

import pytest

GATES = """
from instructprobe import Bound, Equivalent, NotWorse, VerdictIs


def test_negation_is_followed(probe_gate):
    probe_gate(Bound("curated", "p-MRR", statistic="ci_low", at_least=0.0))


def test_paraphrase_is_equivalent(probe_gate):
    probe_gate(Equivalent("paraphrase", "nDCG@10", margin=0.2))


def test_not_worse_than_baseline(probe_gate, probe_result):
    probe_gate(NotWorse("*", baseline=probe_result))


def test_reorder_does_not_break_for_minilm(probe_gate):
    allowed = ("holds", "inconclusive")
    checks = probe_gate(VerdictIs("reorder", retrievers=("minilm",), allowed=allowed))
    assert [c.subject for c in checks] == ["minilm · reorder · nDCG@10"]
"""


def pytest_in(project, *args, timeout=300):
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def gated(results_file, tmp_path_factory):
    project = tmp_path_factory.mktemp("model")
    (project / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    (project / "test_release.py").write_text(GATES, encoding="utf-8")
    junit = project / "junit.xml"
    done = pytest_in(project, f"--probe-results={results_file}", f"--junitxml={junit}")
    return done, ET.parse(junit).getroot()


def test_a_failing_gate_fails_its_test_with_the_numbers_and_strata(gated, small_result):
    done, _ = gated
    assert done.returncode == 1, done.stdout
    assert "1 failed, 3 passed" in done.stdout
    cell = next(
        c
        for c in small_result.cells
        if (c.retriever, str(c.family), str(c.metric)) == ("bm25", "curated", "p-MRR")
    )
    assert (
        f"FAIL  curated p-MRR ci_low ≥ 0 [bm25 · curated · p-MRR]: ci_low {cell.ci_low:+.4g}"
        in done.stdout
    )
    assert "strata that fail too:" in done.stdout
    assert "judged results file" in done.stdout


def test_junit_xml_records_the_failure_and_the_numbers(gated):
    _, root = gated
    cases = {c.get("name"): c for c in root.iter("testcase")}
    failure = cases["test_negation_is_followed"].find("failure")
    assert failure is not None
    assert "bm25 · curated · p-MRR" in failure.get("message")
    properties = {
        p.get("name"): p.get("value")
        for p in cases["test_paraphrase_is_equivalent"].iter("property")
    }
    assert properties["minilm · paraphrase · nDCG@10 passed"] == "True"
    assert "bm25 · paraphrase · nDCG@10 ci_low" in properties


def test_a_session_runs_the_probes_once(tmp_path):
    (tmp_path / "pytest.ini").write_text(
        textwrap.dedent(
            """
            [pytest]
            probe_retrievers = bm25
            probe_limit = 4
            probe_resamples = 200
            probe_families = reorder curated
            """
        ),
        encoding="utf-8",
    )
    (tmp_path / "test_twice.py").write_text(
        textwrap.dedent(
            """
            from instructprobe.app.gates import VerdictIs

            def test_one(probe_gate, probe_result):
                assert probe_result.request.limit == 4
                probe_gate(VerdictIs("reorder", allowed=("holds", "inconclusive")))

            def test_two(probe_result, probe_runs, probe_request):
                assert probe_runs.get(probe_request) is probe_result
                assert len(probe_runs.made) == 1
            """
        ),
        encoding="utf-8",
    )
    saved = tmp_path / "run.json"
    done = pytest_in(tmp_path, f"--probe-save={saved}")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("ran once: bm25 on starter, first 4 queries (seed 0)") == 1
    assert saved.is_file()


def test_an_unwritable_probe_save_is_a_usage_error_before_the_run(tmp_path):
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    (tmp_path / "test_x.py").write_text("def test_x(probe_result):\n    pass\n", encoding="utf-8")
    done = pytest_in(tmp_path, "--probe-save=/proc/run.json")
    assert done.returncode == 4, done.stdout + done.stderr  # pytest's usage error
    assert "--probe-save: cannot write in /proc" in done.stderr


def test_a_results_file_in_two_words_that_would_move_the_rootdir_is_refused(results_file, tmp_path):
    (tmp_path / "pytest.ini").write_text("[pytest]\nprobe_limit = 4\n", encoding="utf-8")
    (tmp_path / "test_x.py").write_text("def test_x(probe_result):\n    pass\n", encoding="utf-8")
    done = pytest_in(tmp_path, "--probe-results", str(results_file))
    assert done.returncode == 4, done.stdout + done.stderr
    assert "write --probe-results=FILE" in done.stderr and "Traceback" not in done.stderr
    nearby = tmp_path / "results.json"  # in the project's own folder pytest's choice stands
    nearby.write_text(results_file.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    done = pytest_in(tmp_path, "--probe-results", "results.json")
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_bad_ini_option_stops_the_session_in_one_line(tmp_path):
    (tmp_path / "pytest.ini").write_text("[pytest]\nprobe_limit = four\n", encoding="utf-8")
    tests = "def test_x(probe_result):\n    pass\n\n\ndef test_y(probe_result):\n    pass\n"
    (tmp_path / "test_x.py").write_text(tests, encoding="utf-8")
    done = pytest_in(tmp_path)
    assert done.returncode == 4, done.stdout + done.stderr  # pytest's usage error
    assert done.stderr.strip().splitlines() == [
        "ERROR: instructprobe: ini option probe_limit: must be an integer ≥ 1, got 'four'"
    ]
    assert "test_x" not in done.stdout


def test_a_results_file_of_another_run_is_refused_in_one_line(results_file, tmp_path):
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\nprobe_retrievers = minilm\nprobe_limit = 10\n", encoding="utf-8"
    )
    (tmp_path / "test_x.py").write_text("def test_x(probe_result):\n    pass\n", encoding="utf-8")
    done = pytest_in(tmp_path, f"--probe-results={results_file}")
    assert done.returncode == 1
    assert (
        f"instructprobe: {results_file} is not the run the probe_request fixture (or probe_* ini "
        "options) names: retrievers: bm25,minilm ≠ minilm; limit: None ≠ 10; resamples: 2000 ≠ "
        "9999 (file ≠ request)"
    ) in done.stdout
