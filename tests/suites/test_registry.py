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
    pinned = KNOWN["followir-robust04"].revision
    hub_cache.add("jhu-clsp/robust04-instructions", "followir", commit=pinned)
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


def test_mteb_suites_read_the_repositories_and_revisions_mteb_2_26_reads():
    from instructprobe.suites.registry import MTEB_REVISIONS

    assert KNOWN["followir-robust04-mteb"].hub_id == "mteb/Robust04InstructionRetrieval"
    assert KNOWN["followir-news21-mteb"].hub_id == "mteb/News21InstructionRetrieval"
    assert KNOWN["followir-core17-mteb"].hub_id == "mteb/Core17InstructionRetrieval"
    assert KNOWN["nevir-mteb"].hub_id == "orionweller/NevIR-mteb"
    for known in KNOWN.values():
        if known.hub_id in MTEB_REVISIONS:
            assert known.revision == MTEB_REVISIONS[known.hub_id]


def test_followir_s_original_repositories_are_pinned_to_mteb_v1_s_revisions():
    """MTEB v1's task metadata (mteb 1.7.27 to 1.39.7) pinned these; the paper's tables came
    from MTEB v1."""
    assert KNOWN["followir-robust04"].revision == "a5a1c4fe2bc528ac12e83f8cdf82178da85d2f1d"
    assert KNOWN["followir-news21"].revision == "e0144086b45fe31ac125e9ac1a83b6a409bb6ca6"
    assert KNOWN["followir-core17"].revision == "e39ff896cf3efbbdeeb950e6bd7c79f266995b07"
    hub_ids = {k.hub_id for k in KNOWN.values() if k.hub_id and k.revision is None}
    assert hub_ids == {"kaist-ai/InstructIR", "orionweller/NevIR"}  # no published revision


def test_a_suite_without_a_published_revision_warns_which_one_it_read(hub_cache):
    from instructprobe.core.notices import InstructprobeWarning

    hub_cache.add("orionweller/NevIR", "nevir", commit="c" * 40)
    with pytest.warns(InstructprobeWarning, match="no published revision") as caught:
        suite = load_suite("nevir")
    (warning,) = caught
    assert f"the newest one was read: {'c' * 40}; 'nevir@{'c' * 40}'" in str(warning.message)
    assert suite.benchmark is not None and suite.benchmark.revision == "c" * 40
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a revision asked for is no surprise: no warning
        load_suite("nevir@" + "c" * 40)


def test_a_pinned_suite_reads_its_revision_and_labels_its_benchmark(hub_cache):
    pinned = KNOWN["followir-robust04-mteb"].revision
    assert pinned is not None
    hub_cache.add("mteb/Robust04InstructionRetrieval", "followir-mteb")  # only "main": 0…0
    with pytest.raises(SuiteError, match=pinned[:12]):
        load_suite("followir-robust04-mteb")
    hub_cache.add("mteb/Robust04InstructionRetrieval", "followir-mteb", commit=pinned)
    suite = load_suite("followir-robust04-mteb")
    assert suite.benchmark is not None
    assert suite.benchmark.repository == "mteb/Robust04InstructionRetrieval"
    assert suite.benchmark.revision == pinned
    other = load_suite("followir-robust04-mteb@" + "0" * 40)  # the pin, overridden
    assert other.benchmark is not None and other.benchmark.revision == "0" * 40
    full = load_suite("followir-robust04-mteb@full")
    assert full.benchmark is not None and any("@full" in d for d in full.benchmark.departures)


def test_hf_detects_an_mteb_repository_that_looks_like_a_beir_folder(hub_cache, tmp_path):
    folder = tmp_path / "NevIR-mteb"
    rows = {
        "corpus.jsonl": [
            {"_id": "7-2_doc1", "text": "a frog survives"},
            {"_id": "7-2_doc2", "text": "a frog dies"},
        ],
        "queries.jsonl": [
            {"_id": "7-2_q1", "text": "which frog survives"},
            {"_id": "7-2_q2", "text": "which frog dies"},
        ],
        "qrels/test.jsonl": [
            {"query-id": "7-2_q1", "corpus-id": "7-2_doc1", "score": 1.0},
            {"query-id": "7-2_q2", "corpus-id": "7-2_doc2", "score": 1.0},
        ],
        "top_ranked/test.jsonl": [
            {"query-id": f"7-2_q{i}", "corpus-ids": ["7-2_doc1", "7-2_doc2"]} for i in (1, 2)
        ],
    }
    import json

    for name, records in rows.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text("".join(json.dumps(r) + "\n" for r in records))
    configs = {"corpus": "corpus.jsonl", "queries": "queries.jsonl", "default": "qrels/test.jsonl"}
    configs["top_ranked"] = "top_ranked/test.jsonl"
    card = ["---", "configs:"]
    for config, path in configs.items():
        card += [
            f"- config_name: {config}",
            "  data_files:",
            "  - split: test",
            f"    path: {path}",
        ]
    (folder / "README.md").write_text("\n".join([*card, "---"]) + "\n")
    hub_cache.add("someone/NevIR-mteb", folder)
    assert detect(folder) == "mteb"
    suite = load_suite("hf:someone/NevIR-mteb")
    (query,) = suite.queries
    assert (query.id, query.text, query.instruction) == ("7-2", "", "which frog survives")
    assert query.changed is not None and query.changed.instruction == "which frog dies"
    assert dict(query.changed.qrels) == {"7-2_doc1": 0, "7-2_doc2": 1}
    assert suite.benchmark is not None and suite.benchmark.protocol.value == "nevir"


def test_offline_without_a_copy_is_one_line_without_retrying(run_probe, tmp_path):
    # The hub's retries take about 70 s; the bound only tells one line at once from those, with
    # room for a loaded machine (it is not a timing of the command).
    env = {"HF_HUB_CACHE": str(tmp_path)}
    for spec in ("followir-robust04", "nevir", "instructir"):
        start = time.monotonic()
        result = run_probe("run", "--retriever", "bm25", "--suite", spec, env=env)
        elapsed = time.monotonic() - start
        lines = result.stderr.strip().splitlines()
        assert result.returncode == 2
        assert len(lines) == 1, result.stderr
        assert f"probe fetch {spec}" in lines[0]
        assert elapsed < 30


def test_an_unreachable_hub_fails_fast_too(run_probe, tmp_path):
    env = {
        "HF_HUB_CACHE": str(tmp_path),
        "HF_HUB_OFFLINE": "0",
        "HF_ENDPOINT": "http://127.0.0.1:9",
    }
    start = time.monotonic()
    result = run_probe("validate", "followir-core17", env=env)
    assert time.monotonic() - start < 30  # no retries (about 70 s), on a loaded machine too
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
        assert "probe: warning: suite 'nevir' (orionweller/NevIR) has no published" in result.stderr
        assert result.returncode == 0, result.stderr
        assert "nevir: nevir (nevir," in result.stdout
        assert "2 queries, 4 documents" in result.stdout
        assert "starter: built in, nothing to download" in result.stdout
        bad = run_probe("fetch", "nevir2", env=env)
        assert bad.returncode == 2 and "unknown suite nevir2" in bad.stderr

    def test_list_suites_shows_every_known_suite_and_where_it_is(self, run_probe, hub_cache):
        hub_cache.add(
            "jhu-clsp/news21-instructions", "followir", commit=KNOWN["followir-news21"].revision
        )
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
