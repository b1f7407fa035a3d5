"""Suite names, formats and paths; the hub cache offline; and the commands that use them."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from instructprobe.core.errors import SuiteError
from instructprobe.suites import KNOWN, inspect_suite, load_suite
from instructprobe.suites.registry import availability, detect, resolve

FIXTURES = Path(__file__).parent / "fixtures"


def test_every_suite_the_issue_names_is_known():
    assert {
        "starter",
        "instructir",
        "instructir-lite",
        "followir-robust04",
        "followir-news21",
        "followir-core17",
        "nevir",
    } <= set(KNOWN)


@pytest.mark.parametrize(
    ("fixture", "fmt"),
    [
        ("instructir", "beir"),
        ("instructir-mteb", "mteb"),
        ("followir", "followir"),
        ("followir-mteb", "mteb"),
        ("nevir", "nevir"),
        ("beir", "beir"),
        ("instructir-lite", "instructir-lite"),
    ],
)
def test_a_folder_s_format_is_told_by_its_files(fixture, fmt):
    assert detect(FIXTURES / fixture) == fmt


def test_unknown_names_and_missing_paths_say_what_is_known():
    with pytest.raises(SuiteError, match=r"does not exist.*starter.*followir-robust04"):
        load_suite("no-such-suite")
    with pytest.raises(SuiteError, match="does not exist"):
        load_suite("beir:/no/such/folder")


def test_instructir_lite_follows_the_environment_variable(monkeypatch, tmp_path):
    monkeypatch.setenv("INSTRUCTPROBE_INSTRUCTIR_DIR", str(FIXTURES / "instructir-lite"))
    assert len(load_suite("instructir-lite").queries) == 4
    monkeypatch.setenv("INSTRUCTPROBE_INSTRUCTIR_DIR", str(tmp_path / "absent"))
    with pytest.raises(SuiteError, match="INSTRUCTPROBE_INSTRUCTIR_DIR"):
        load_suite("instructir-lite")
    assert availability(KNOWN["instructir-lite"]).startswith("missing")


def test_hub_suites_are_read_from_the_cache_offline(hub_cache):
    with pytest.raises(SuiteError, match="probe fetch followir-robust04"):
        resolve("followir-robust04")
    assert availability(KNOWN["followir-robust04"]) == "needs 'probe fetch'"
    hub_cache.add("jhu-clsp/robust04-instructions", "followir")
    suite = load_suite("followir-robust04")
    assert suite.name == "followir-robust04"
    assert len(suite.queries) == 2
    assert availability(KNOWN["followir-robust04"]) == "offline (hub cache)"


def test_any_hub_data_set_by_id(hub_cache):
    hub_cache.add("someone/my-beir-set", "beir")
    assert len(load_suite("hf:someone/my-beir-set").queries) == 2
    snapshot = hub_cache.add("someone/pairs", "nevir")
    (snapshot / "README.md").write_text("---\nlicense: mit\n---\n")  # a card without configs
    suite = load_suite("hf:someone/pairs")
    assert suite.name == "someone/pairs"
    assert len(suite.queries) == 2


def test_offline_without_a_copy_is_one_line_in_under_5_seconds(run_probe, tmp_path):
    env = {"HF_HUB_CACHE": str(tmp_path)}
    for spec in ("followir-robust04", "nevir", "instructir"):
        start = time.monotonic()
        result = run_probe("run", "--retriever", "bm25", "--suite", spec, env=env)
        elapsed = time.monotonic() - start
        lines = result.stderr.strip().splitlines()
        assert result.returncode == 2
        assert len(lines) == 1, result.stderr
        assert f"probe fetch {spec}" in lines[0]
        assert elapsed < 5


def test_an_unreachable_hub_fails_fast_too(run_probe, tmp_path):
    env = {
        "HF_HUB_CACHE": str(tmp_path),
        "HF_HUB_OFFLINE": "0",
        "HF_ENDPOINT": "http://127.0.0.1:9",
    }
    start = time.monotonic()
    result = run_probe("validate", "followir-core17", env=env)
    assert time.monotonic() - start < 5
    assert result.returncode == 2
    assert "cannot be reached" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


class TestValidateCommand:
    def test_a_valid_suite_exits_0_with_counts(self, run_probe):
        result = run_probe("validate", f"followir:{FIXTURES / 'followir'}")
        assert result.returncode == 0, result.stdout + result.stderr
        assert "suite: 2 queries, 8 documents" in result.stdout
        assert "errors (0)" in result.stdout and "warnings (0)" in result.stdout
        assert "2 keywords read, not used" in result.stdout

    def test_warnings_exit_0_unless_strict(self, run_probe, fixture_copy):
        folder = fixture_copy("beir")
        with (folder / "qrels" / "test.tsv").open("a") as handle:
            handle.write("q1\tghost\t1\n")
        result = run_probe("validate", f"beir:{folder}")
        assert result.returncode == 0
        assert "warnings (1)" in result.stdout
        assert f"{folder / 'queries.jsonl'}:1: 1 judged document(s) not in the corpus" in (
            result.stdout
        )
        assert run_probe("validate", "--strict", f"beir:{folder}").returncode == 1

    def test_errors_exit_1_with_every_location(self, run_probe, fixture_copy):
        folder = fixture_copy("nevir")
        with (folder / "test.jsonl").open("a") as handle:
            handle.write("{broken\n[]\n")
        result = run_probe("validate", f"nevir:{folder}")
        assert result.returncode == 1
        assert "errors (2)" in result.stdout
        assert f"{folder / 'test.jsonl'}:3: not valid JSON" in result.stdout
        assert f"{folder / 'test.jsonl'}:4: each line must be a JSON object" in result.stdout
        assert result.stdout.strip().endswith("INVALID: 2 error(s), 0 warning(s)")

    def test_many_problems_of_a_kind_are_summarised(self, run_probe, fixture_copy):
        folder = fixture_copy("beir")
        with (folder / "qrels" / "test.tsv").open("a") as handle:
            handle.writelines(f"q1\td1\tx{i}\n" for i in range(8))
        result = run_probe("validate", f"beir:{folder}")
        assert "… and 3 more bad-grade (--all lists them)" in result.stdout
        full = run_probe("validate", "--all", f"beir:{folder}")
        assert full.stdout.count("relevance grade must be a whole number") == 8

    def test_bad_usage_exits_2(self, run_probe):
        result = run_probe("validate", "no/such/suite")
        assert result.returncode == 2
        assert len(result.stderr.strip().splitlines()) == 1


class TestFetchAndList:
    def test_fetch_reads_the_cached_copy_and_refuses_unknown_names(self, run_probe, hub_cache):
        hub_cache.add("orionweller/NevIR", "nevir")
        env = {"HF_HUB_CACHE": str(hub_cache.path)}
        result = run_probe("fetch", "nevir", "starter", env=env)
        assert result.returncode == 0, result.stderr
        assert "nevir: nevir (nevir," in result.stdout
        assert "2 queries, 4 documents" in result.stdout
        assert "starter: built in, nothing to download" in result.stdout
        bad = run_probe("fetch", "nevir2", env=env)
        assert bad.returncode == 2 and "unknown suite nevir2" in bad.stderr

    def test_list_suites_shows_every_known_suite_and_where_it_is(self, run_probe, hub_cache):
        hub_cache.add("jhu-clsp/news21-instructions", "followir")
        result = run_probe(
            "list", "suites", env={"HF_HUB_CACHE": str(hub_cache.path), "COLUMNS": "200"}
        )
        assert result.returncode == 0, result.stderr
        rows = {
            line.split("│")[1].strip(): line for line in result.stdout.splitlines() if "│" in line
        }
        assert set(KNOWN) <= set(rows)
        assert "offline (hub cache)" in rows["followir-news21"]
        assert "needs 'probe fetch'" in rows["followir-core17"]
        assert "built in" in rows["starter"]
        assert "beir:PATH" in rows


def test_probe_run_on_a_fixture_in_reranking_mode(run_probe):
    result = run_probe(
        "run",
        "--retriever",
        "bm25",
        "--suite",
        f"followir:{FIXTURES / 'followir'}",
        "--perturb",
        "negation",
        "--resamples",
        "200",
        "--quiet",
    )
    assert result.returncode == 0, result.stderr
    assert "suite followir (followir," in result.stderr
    assert "2 candidate pools" in result.stderr
    assert "negation" in result.stdout


def test_inspect_counts_agree_with_the_suite(shared_instructir):
    loaded = inspect_suite(f"instructir-lite:{shared_instructir}")
    counts = dict(loaded.counts)
    assert counts["queries kept"] == len(loaded.suite.queries)
    assert counts["documents"] == len(loaded.suite.documents)
