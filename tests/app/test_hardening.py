"""The ``probe`` command under a hostile user and a flaky machine (issue 15, docs/security.md):
bad input, hostile and broken suites, damaged caches, unwritable outputs and interrupts. Each
ends in one line on stderr with the documented exit status, leaves a previous results file
whole, and the next run gives the same bytes as a clean one."""

from __future__ import annotations

import functools
import gzip
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from instructprobe.app.cli import main
from instructprobe.core.interrupts import INJECT_VARIABLE, PHASES
from instructprobe.retrievers.cache import FILENAME, EmbeddingCache

STARTER = Path(__file__).parents[2] / "suites" / "data" / "starter.jsonl"
LOCAL_PHASES = tuple(p for p in PHASES if p != "compute")
"""A local run's phases: 'compute' is a worker's (tests/retrievers/test_executors.py)."""
ACTIVE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
NO_PARAPHRASE = "negation,reorder,strip,keywords,control"
"""Every family but the paraphrases, whose meaning filter loads MiniLM."""
INFO = ("suite ", "results written to ", "probe: warning: ", "judging results file ", "running ")
"""Lines a command prints on stderr besides its one line of error."""


@dataclass(frozen=True)
class Outcome:
    status: int
    out: str
    err: str

    def error_line(self) -> str:
        """The one line that says what went wrong (the other stderr lines are information)."""
        assert "Traceback" not in self.err and "Exception ignored" not in self.err, self.err
        problems = [line for line in self.err.splitlines() if not line.startswith(INFO)]
        assert len(problems) == 1, self.err
        return problems[0]


@pytest.fixture
def probe(capsys, tmp_path, monkeypatch):
    """``probe ARGS`` in this process, with a cache of its own; returns its Outcome."""
    monkeypatch.setenv("INSTRUCTPROBE_CACHE_DIR", str(tmp_path / "cache"))

    def run(*args: str, cache: Path | None = None) -> Outcome:
        """``cache`` is given as the environment gives it, so it is no part of the request
        recorded in a results file, and runs on different caches make the same bytes."""
        if cache is not None:
            monkeypatch.setenv("INSTRUCTPROBE_CACHE_DIR", str(cache))
        try:
            status = main([str(a) for a in args])
        except SystemExit as stop:  # argparse: bad usage
            status = int(stop.code or 0)
        out, err = capsys.readouterr()
        return Outcome(status, out, err)

    return run


def write_suite(path: Path, *records: dict | str) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records))
    return path


def starter_records():
    return [json.loads(line) for line in STARTER.read_text().splitlines() if line.strip()]


def small_suite(path: Path, queries: int = 2, documents: int = 40) -> Path:
    """The first starter queries over their judged documents and others, ``documents`` in all."""
    records = starter_records()
    chosen = [r for r in records if r["kind"] == "query"][:queries]
    forms = [form for q in chosen for form in (q, q.get("changed"), q.get("negated")) if form]
    judged = {doc for form in forms for doc in form["qrels"]}
    docs = [r for r in records if r["kind"] == "document"]
    others = [d["id"] for d in docs if d["id"] not in judged][: max(0, documents - len(judged))]
    kept = [d for d in docs if d["id"] in judged or d["id"] in others]
    return write_suite(path, {"kind": "suite", "name": "small"}, *kept, *chosen)


def gates_file(path: Path, results: Path) -> Path:
    """Gates on a results file that always pass."""
    path.write_text(
        f'results = "{results}"\n\n[[gate]]\nrule = "verdict"\nfamily = "control"\n'
        'is = ["holds", "inconclusive", "breaks"]\n'
    )
    return path


DOC = {"kind": "document", "id": "d1", "text": "Aspirin relieves pain."}
DOC2 = {"kind": "document", "id": "d2", "text": "Ibuprofen relieves pain and swelling."}
QUERY = {
    "kind": "query",
    "id": "q1",
    "text": "pain relief",
    "instruction": "Find passages about drugs that relieve pain.",
    "qrels": {"d1": 1, "d2": 1},
}


# Bad input: one line, exit 2.


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-r", ""], "--retriever: needs at least one retriever"),
        (["-r", ","], "--retriever: needs at least one retriever"),
        (["-r", "bm25", "--resamples", "50"], "--resamples: must be an integer between 100 and"),
        (["-r", "bm25", "--resamples", "100000000"], "--resamples: must be an integer between"),
        (["-r", "bm25", "--depth", "5"], "--depth: must be at least the cutoff (10), got 5"),
        (["-r", "bm25", "--device", "bogus"], "--device: must be auto, cpu, cuda, cuda:N or mps"),
    ],
)
def test_bad_run_settings_are_one_line_before_anything_is_loaded(probe, args, message):
    outcome = probe("run", *args)
    assert outcome.status == 2 and message in outcome.error_line()
    assert not outcome.err.startswith("suite "), "refused before the suite is read"


def test_a_suite_line_nested_too_deep_is_one_line(probe, tmp_path):
    suite = write_suite(tmp_path / "deep.jsonl", "[" * 100_000)
    assert "nested too deep" in probe("run", "-r", "bm25", "--suite", suite).error_line()
    validated = probe("validate", suite)
    assert validated.status == 1 and "nested too deep" in validated.out
    assert "Traceback" not in validated.err


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            '{"kind": "query", "id": "q1", "text": "pain", "instruction": "Find it.", '
            '"qrels": {"d1": ' + "9" * 5_000 + "}}",
            "a number of more than 4,300 digits",
        ),
        (
            '{"kind": "document", "id": "d3", "text": "Half \\ud800 a character."}',
            "a lone surrogate",
        ),
    ],
    ids=["long-number", "lone-surrogate"],
)
def test_json_python_cannot_hold_is_a_suite_error(probe, tmp_path, line, message):
    """First in the file, where the format is told from the first record, too."""
    suite = write_suite(tmp_path / "s.jsonl", line, DOC, DOC2, {**QUERY, "id": "q2"})
    validated = probe("validate", suite)
    assert validated.status == 1 and f"s.jsonl:1: not valid JSON ({message}" in validated.out
    assert "Traceback" not in validated.err
    outcome = probe("run", "-r", "bm25", "--suite", suite, "-q")
    assert outcome.status == 2 and message in outcome.error_line()


def test_a_pipe_as_a_suite_is_one_line(probe, tmp_path):
    fifo = tmp_path / "suite.fifo"
    os.mkfifo(fifo)
    for command in (("validate", fifo), ("run", "-r", "bm25", "--suite", fifo)):
        outcome = probe(*command)
        assert outcome.status == 2
        assert "not a regular file or a folder" in outcome.error_line()


def test_a_huge_grade_is_a_suite_error_not_an_overflow(probe, tmp_path):
    suite = write_suite(tmp_path / "s.jsonl", DOC, DOC2, {**QUERY, "qrels": {"d1": 10**400}})
    validated = probe("validate", suite)
    assert validated.status == 1 and "from 0 to 1,000, got a huge number" in validated.out
    outcome = probe("run", "-r", "bm25", "--suite", suite)
    assert outcome.status == 2 and "from 0 to 1,000" in outcome.error_line()


def test_a_pair_in_which_nothing_drops_is_invalid(probe, tmp_path):
    query = {
        **QUERY,
        "negated": {"instruction": "Not aspirin, please.", "qrels": {"d1": 1, "d2": 2}},
    }
    validated = probe("validate", write_suite(tmp_path / "s.jsonl", DOC, DOC2, query))
    assert validated.status == 1
    assert "negated.qrels: no originally relevant document drops" in validated.out


def test_a_plugin_factory_that_raises_is_one_line(probe, tmp_path, monkeypatch):
    (tmp_path / "hostile_plugin.py").write_text(
        "def make():\n    raise RuntimeError('boom\\nmore')\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    outcome = probe(
        "run", "-r", "hostile_plugin:make", "--suite", small_suite(tmp_path / "s.jsonl")
    )
    assert outcome.status == 2
    assert outcome.error_line() == (
        "probe: error: cannot load a retriever from factory hostile_plugin:make "
        "(RuntimeError: boom)"
    )


@pytest.mark.model
@pytest.mark.parametrize(
    ("files", "reason"),
    [
        ({"config.json": '{"model_type": "bert"'}, "not a valid JSON file"),
        ({"config.json": "[1, 2]"}, "cannot load model"),
        (
            {"config.json": '{"model_type": "bert"}', "model.safetensors": "garbage"},
            "SafetensorError",
        ),
        ({"config.json": "{}", "config_sentence_transformers.json": "{"}, "JSONDecodeError"),
    ],
    ids=["config-cut", "config-not-object", "weights-garbage", "settings-cut"],
)
def test_a_broken_model_folder_is_one_line(probe, tmp_path, files, reason):
    folder = tmp_path / "model"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text)
    suite = small_suite(tmp_path / "s.jsonl")
    outcome = probe("run", "-r", folder, "--suite", suite, "--perturb", "negation", "-q")
    assert outcome.status == 2
    line = outcome.error_line()
    assert line.startswith("probe: error: cannot load") and str(folder) in line and reason in line


def test_a_results_file_with_an_unknown_verdict_or_a_wrong_type_is_one_line(
    probe, tmp_path, results_file
):
    data = json.loads(results_file.read_text())
    deciding = next(c for c in data["cells"] if c["verdict"])
    for field, value, message in (
        ("verdict", "bogus", "'bogus' is not a valid Verdict"),
        ("n", "many", "results.cells[0].n: expected a number, got text"),
        ("retriever", 7, "expected text, got a number"),
    ):
        changed = {**data, "cells": [{**deciding, field: value}, *data["cells"][1:]]}
        path = tmp_path / "bad.json"
        path.write_text(json.dumps(changed))
        for form in ("term", "md", "html", "json"):
            outcome = probe("report", path, "--format", form)
            assert outcome.status == 2 and message in outcome.error_line(), (form, outcome.err)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda text: "[" * 100_000, "not JSON (nested too deep)"),
        (
            lambda text: text.replace('"schema_version": 2', '"schema_version": ' + "2" * 5_000),
            "not JSON (a number of more than 4,300 digits)",
        ),
        (lambda text: text.replace('"bm25"', '"bm\\udc8025"'), "not JSON (a lone surrogate"),
    ],
    ids=["deep", "long-number", "lone-surrogate"],
)
def test_a_results_file_python_cannot_hold_is_one_line(
    probe, tmp_path, results_file, change, message
):
    bad = tmp_path / "bad.json"
    bad.write_text(change(results_file.read_text()))
    gates = tmp_path / "gates.toml"
    gates.write_text(
        f'results = "{results_file}"\n\n[[gate]]\nrule = "not-worse"\nfamily = "control"\n'
        f'baseline = "{bad}"\n'
    )
    for command in (
        ("report", bad, "--format", "json", "--out", tmp_path / "r.json"),
        ("compare", results_file, bad),
        ("gate", gates_file(tmp_path / "g.toml", bad)),
        ("gate", gates),
    ):
        outcome = probe(*command)
        assert outcome.status == 2 and message in outcome.error_line(), command


@pytest.mark.parametrize(("version", "shown"), [(True, "True"), (2.0, "2.0"), (4.0, "4.0")])
def test_a_schema_version_that_is_not_a_whole_number_is_named(
    probe, tmp_path, results_file, version, shown
):
    """``true`` and ``2.0`` equal 1 and 2 in Python: read as those, the file failed on a field
    of that version, with a message that named another problem."""
    data = {**json.loads(results_file.read_text()), "schema_version": version}
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    outcome = probe("report", path)
    assert outcome.status == 2
    assert f"results schema_version {shown} is not 1, 2, 3 or 4" in outcome.error_line()


def test_too_many_bootstrap_draws_are_refused_before_the_run(probe, tmp_path):
    queries = [{**QUERY, "id": f"q{i}", "text": f"pain relief {i}"} for i in range(2_001)]
    suite = write_suite(tmp_path / "big.jsonl", DOC, DOC2, *queries)
    outcome = probe("run", "-r", "bm25", "--suite", suite, "--resamples", "100000", "-q")
    assert outcome.status == 2
    assert (
        "100,000 resamples over 2,001 queries are 200,100,000 bootstrap draws"
        in outcome.error_line()
    )


def test_hostile_text_in_an_error_stays_one_printable_line(probe):
    outcome = probe("run", "-r", "\x1b]0;owned\x07\nsecond line", "--suite", "starter")
    assert outcome.status == 2
    line = outcome.error_line()
    assert "owned" in line and "second line" in line and not ACTIVE.search(line)


@pytest.mark.parametrize(
    "args",
    [
        ("run", "-r", "bm25", "\x1b]0;owned\x07\nsecond line"),
        ("run", "--owned\x1b[2J\nsecond line"),
        ("report", "\x1b]0;owned\x07\nsecond line.json"),
        ("compare", "\x1b]0;owned\x07\nsecond line.json", "b.json"),
        ("gate", "\x1b]0;owned\x07\nsecond line.toml"),
    ],
    ids=["extra-argument", "unknown-option", "report-file", "compare-file", "gates-file"],
)
def test_hostile_text_in_a_usage_error_stays_one_printable_line(probe, args):
    outcome = probe(*args)
    assert outcome.status == 2
    line = outcome.error_line()
    assert "owned" in line and "second line" in line and not ACTIVE.search(line)


def test_missing_wordnet_is_one_warning_line(probe, tmp_path, monkeypatch):
    import instructprobe.perturb.lexicon as lexicon

    monkeypatch.setattr(lexicon, "_WARNED", [])
    missing = lexicon.wordnet_lexicon.__wrapped__
    nowhere = functools.lru_cache(lambda: missing((str(tmp_path / "none"),)))
    monkeypatch.setattr(lexicon, "wordnet_lexicon", nowhere)
    suite = small_suite(tmp_path / "s.jsonl")
    outcome = probe("run", "-r", "bm25", "--suite", suite, "--perturb", "negation", "-q")
    assert outcome.status == 0, outcome.err
    (line,) = [line for line in outcome.err.splitlines() if "WordNet" in line]
    assert line.startswith("probe: warning: WordNet is missing")
    assert line.endswith("(run 'probe setup' to install it): Resource 'wordnet' not found.")
    assert len(outcome.err.splitlines()) == 2, outcome.err  # the suite's line and this one


# Unwritable outputs: found before the work, exit 2 (never the gate's 1).


def test_unwritable_outputs_are_refused_before_any_work(probe, tmp_path, results_file, read_only):
    (tmp_path / "locked").mkdir()
    locked = read_only(tmp_path / "locked")
    gates = gates_file(tmp_path / "gates.toml", results_file)
    commands = [
        ("run", "-r", "bm25", "--out", locked / "r.json"),
        ("run", "-r", "bm25", "--out", "/proc/r.json"),
        ("run", "-r", "bm25", "--runs-dir", locked / "runs"),
        ("report", results_file, "--out", locked / "r.html"),
        ("compare", results_file, results_file, "--out", locked / "c.md"),
        ("gate", gates, "--junit", locked / "junit.xml"),
        ("gate", gates, "--save", locked / "r.json"),
        ("search", "-r", "bm25", "--database", locked / "db"),
    ]
    for command in commands:
        outcome = probe(*command)
        assert outcome.status == 2, command
        assert re.search(
            r"argument --[\w/-]+: cannot (write in|make folder)", outcome.error_line()
        ), command
    assert not (tmp_path / "cache").exists(), "no work was started"


def test_a_gate_that_passes_but_cannot_write_its_junit_is_exit_2(
    probe, tmp_path, results_file, monkeypatch
):
    gates = gates_file(tmp_path / "gates.toml", results_file)
    assert probe("gate", gates).status == 0
    monkeypatch.setenv(INJECT_VARIABLE, "write:ENOSPC")  # the disk fills after the checks
    outcome = probe("gate", gates, "--junit", tmp_path / "junit.xml")
    assert outcome.status == 2
    line = outcome.error_line()
    assert "cannot write the JUnit XML" in line
    assert not (tmp_path / "junit.xml").exists()
    kept = Path(re.search(r"saved to (\S+) instead", line).group(1))
    assert "<testsuites>" in kept.read_text()
    kept.unlink()


# Hostile suites through validate, run and every report format.

HOSTILE_TEXT = st.lists(
    st.sampled_from(
        [
            "\x1b",
            "]",
            "[",
            "(",
            ")",
            "!",
            "<",
            ">",
            "/",
            ":",
            "\x07",
            "\r",
            "\n",
            "\u202e",
            "\x9b",
            "a",
            "b",
            " ",
            "*",
            "_",
            "`",
            "|",
            "#",
            "&",
            "http://x.example",
            "javascript:",
            "www.x.y",
            "\x1b]8;;http://x.example\x1b\\",
            "[link=http://x.example]",
            "a@b.example",
        ]
    ),
    min_size=1,
    max_size=12,
).map("".join)
"""Control characters, markup of Markdown, HTML and rich, links and autolinks, mixed."""


@st.composite
def hostile_suites(draw):
    words = ["aspirin", "ibuprofen", "pain", "swelling", "fever", "dose", "children", "adults"]
    documents = [
        {
            "kind": "document",
            "id": f"d{i}{draw(HOSTILE_TEXT)}",
            "text": " ".join(words[i:] + words[:i]) + draw(HOSTILE_TEXT),
        }
        for i in range(6)
    ]
    ids = [d["id"] for d in documents]
    query = {
        "kind": "query",
        "id": "q" + draw(HOSTILE_TEXT),
        "text": "pain relief " + draw(HOSTILE_TEXT),
        "instruction": "Find passages about drugs that relieve pain. " + draw(HOSTILE_TEXT),
        "qrels": {ids[0]: draw(st.integers(1, 1_000)), ids[1]: 1, ids[2]: 0},
        "negated": {
            "instruction": "Do not include aspirin. " + draw(HOSTILE_TEXT),
            "qrels": {ids[1]: 1},
        },
    }
    second = {**query, "id": query["id"] + "-2", "text": "fever " + draw(HOSTILE_TEXT)}
    return [{"kind": "suite", "name": draw(HOSTILE_TEXT)}, *documents, query, second]


@pytest.mark.model
@pytest.mark.slow
@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(records=hostile_suites())
def test_a_hostile_suite_reaches_no_terminal_or_report_as_markup(
    probe, tmp_path_factory, monkeypatch, records
):
    folder = tmp_path_factory.mktemp("hostile")
    suite = write_suite(folder / "suite.jsonl", *records)
    validated = probe("validate", suite)
    assert validated.status == 0, validated.out
    assert not ACTIVE.search(validated.out.replace("\n", "") + validated.err.replace("\n", ""))
    monkeypatch.setenv("NO_COLOR", "1")
    ran = probe(
        "run",
        "-r",
        "bm25",
        "--suite",
        suite,
        "--perturb",
        NO_PARAPHRASE,
        "--resamples",
        "100",
        "-q",
        "--out",
        folder / "r.json",
    )
    assert ran.status == 0, ran.err
    assert not ACTIVE.search(ran.out.replace("\n", "") + ran.err.replace("\n", ""))
    for form in ("term", "md", "html", "json"):
        shown = probe("report", folder / "r.json", "--format", form, "--examples", "3")
        assert shown.status == 0 and not ACTIVE.search(shown.out.replace("\n", "")), form
        if form == "md":
            assert_only_own_markup(shown.out)


def assert_only_own_markup(text: str) -> None:
    """No link, no raw HTML but the report's own line breaks, no image but its own plots."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").parse(text)
    inline = [c for t in tokens if t.children for c in t.children]
    assert not [t for t in tokens if t.type == "html_block"]
    assert not [c for c in inline if c.type == "link_open"]
    assert {c.content for c in inline if c.type == "html_inline"} <= {"<br>"}
    images = [c.attrGet("src") for c in inline if c.type == "image"]
    assert all(str(src).startswith("data:image/png;base64,") for src in images)


# Damaged and read-only caches: one warning, and the numbers of a clean cache.


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory):
    """MiniLM on a small suite (paraphrases included), made once with a fresh cache: the
    results file every damaged-cache run must equal, byte for byte."""
    folder = tmp_path_factory.mktemp("clean")
    suite = small_suite(folder / "small.jsonl")
    args = ["run", "-r", "minilm", "--suite", str(suite), "--resamples", "200", "-q"]
    cache = folder / "cache"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("INSTRUCTPROBE_CACHE_DIR", str(cache))
        assert main([*args, "--out", str(folder / "clean.json")]) == 0
    return args, cache, whole(folder / "clean.json")


def copy_cache(source: Path, target: Path) -> Path:
    import shutil

    shutil.copytree(source, target)
    return target


def damage_a_page(cache: Path) -> None:
    with sqlite3.connect(cache / FILENAME) as connection:
        (root,) = connection.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = 'vectors'"
        ).fetchone()
        (size,) = connection.execute("PRAGMA page_size").fetchone()
    connection.close()
    with (cache / FILENAME).open("r+b") as handle:
        handle.seek((root - 1) * size)
        handle.write(os.urandom(size))


def alter_values(cache: Path) -> None:
    with sqlite3.connect(cache / FILENAME) as connection:
        connection.execute(
            "UPDATE vectors SET vector = zeroblob(length(vector)) WHERE rowid % 7 = 0"
        )
    connection.close()


def cut_vectors(cache: Path) -> None:
    with sqlite3.connect(cache / FILENAME) as connection:
        connection.execute("UPDATE vectors SET vector = substr(vector, 5) WHERE rowid % 5 = 0")
    connection.close()


def damage_the_deflate_stream(cache: Path) -> None:
    for plan in (cache / "plans").glob("*.jsonl.gz"):
        data = bytearray(plan.read_bytes())
        data[len(data) // 2] ^= 0xFF
        plan.write_bytes(bytes(data))


def edit_an_instruction(cache: Path) -> None:
    """The first variant's instruction changed, the plan's checksum kept."""
    for plan in (cache / "plans").glob("*.jsonl.gz"):
        lines = [json.loads(line) for line in gzip.decompress(plan.read_bytes()).splitlines()]
        first = next(v for line in lines[1:-1] for v in line["variants"])
        first["request"][1] = "Anything at all."
        text = "".join(json.dumps(line, separators=(",", ":")) + "\n" for line in lines)
        plan.write_bytes(gzip.compress(text.encode()))


@pytest.mark.model
@pytest.mark.slow
@pytest.mark.parametrize(
    ("damage", "warning"),
    [
        (damage_a_page, "was damaged (database disk image is malformed): it was removed"),
        (alter_values, "failed their checks (altered or cut) and are computed again"),
        (cut_vectors, "failed their checks (altered or cut) and are computed again"),
        (damage_the_deflate_stream, "is damaged (unreadable: "),
        (edit_an_instruction, "is damaged (its checksum does not match its content)"),
    ],
)
def test_a_damaged_cache_is_one_warning_and_changes_no_number(
    clean_run, tmp_path, probe, damage, warning
):
    args, cache, clean = clean_run
    copied = copy_cache(cache, tmp_path / "damaged")
    damage(copied)
    outcome = probe(*args, "--out", tmp_path / "r.json", cache=copied)
    assert outcome.status == 0, outcome.err
    warnings = [line for line in outcome.err.splitlines() if line.startswith("probe: warning:")]
    assert len(warnings) == 1 and warning in warnings[0], outcome.err
    assert whole(tmp_path / "r.json") == clean
    again = probe(*args, "--out", tmp_path / "again.json", cache=copied)
    assert "probe: warning" not in again.err, "the damage was repaired"
    assert whole(tmp_path / "again.json") == clean


@pytest.mark.model
@pytest.mark.slow
def test_a_read_only_cache_is_read_and_changes_no_number(clean_run, tmp_path, probe, read_only):
    args, cache, clean = clean_run
    folder = read_only(copy_cache(cache, tmp_path / "cache-copy"))
    outcome = probe(*args, "--out", tmp_path / "r.json", cache=folder)
    assert outcome.status == 0 and "probe: warning" not in outcome.err, (
        "a full cache needs no write"
    )
    assert whole(tmp_path / "r.json") == clean
    more = probe(*args, "--seed", "1", "--out", tmp_path / "seed1.json", cache=folder)
    assert more.status == 0
    assert "cannot be written" in more.err, "new plans and vectors are made, not stored"
    cleared = probe("cache", "clear", "--cache-dir", folder)
    assert cleared.status == 2 and "read-only" in cleared.error_line()
    info = probe("cache", "info", "--cache-dir", folder)
    assert info.status == 0 and "entries" in info.out


@pytest.mark.model
def test_cache_info_on_a_damaged_file_is_one_line(probe, tmp_path):
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / FILENAME).write_bytes(b"SQLite format 3\x00" + os.urandom(20_000))
    outcome = probe("cache", "info", "--cache-dir", tmp_path / "c")
    assert outcome.status == 2 and "probe cache clear" in outcome.error_line()


def test_cache_info_or_clear_on_a_file_is_one_line(probe, tmp_path):
    file = tmp_path / "notes.txt"
    file.write_text("keep me\n")
    for action in ("info", "clear"):
        outcome = probe("cache", action, "--cache-dir", file)
        assert outcome.status == 2, action
        assert outcome.error_line() == f"probe: error: cache folder {file} is not a folder"
    assert file.read_text() == "keep me\n"


# Interrupts: 130 or 143, one line, the previous results whole, no temporary file, a valid
# cache, and a next run equal to a clean one.


def temporaries(*folders: Path) -> list[Path]:
    return [p for folder in folders if folder.exists() for p in folder.rglob("*.tmp")]


def assert_valid_cache(cache: Path) -> None:
    if (cache / FILENAME).exists():
        with sqlite3.connect(cache / FILENAME) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        connection.close()
        EmbeddingCache(cache).info()
    for plan in (cache / "plans").glob("*") if (cache / "plans").exists() else ():
        lines = gzip.decompress(plan.read_bytes()).splitlines()
        assert json.loads(lines[-1])["end"] is True, "a plan is stored whole"


@pytest.mark.model
@pytest.mark.slow
@pytest.mark.parametrize("action", ["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("phase", LOCAL_PHASES)
def test_an_interrupt_at_any_phase_stops_cleanly(
    clean_run, tmp_path, probe, monkeypatch, phase, action
):
    args, _, clean = clean_run
    results = tmp_path / "results.json"
    results.write_text("the previous results")
    cache = tmp_path / "fresh-cache"  # cold: every phase is passed, the first write is a plan
    monkeypatch.setenv(INJECT_VARIABLE, f"{phase}:{action}")
    outcome = probe(*args, "--out", results, cache=cache)
    assert outcome.status == {"SIGINT": 130, "SIGTERM": 143}[action]
    name = "Ctrl-C" if action == "SIGINT" else "SIGTERM"
    assert outcome.error_line() == f"probe: interrupted ({name}); no output file was written"
    assert results.read_text() == "the previous results"
    assert temporaries(tmp_path) == []
    assert_valid_cache(cache)
    monkeypatch.delenv(INJECT_VARIABLE)
    assert probe(*args, "--out", results, cache=cache).status == 0
    assert whole(results) == clean


@pytest.mark.model
@pytest.mark.slow
def test_an_interrupt_while_the_results_file_is_written_keeps_the_previous_one(
    clean_run, tmp_path, probe, monkeypatch
):
    args, cache, clean = clean_run
    warm = copy_cache(cache, tmp_path / "warm")  # the plan is read: the results are the only write
    results = tmp_path / "results.json"
    results.write_text("the previous results")
    monkeypatch.setenv(INJECT_VARIABLE, "write:SIGTERM")
    assert probe(*args, "--out", results, cache=warm).status == 143
    assert results.read_text() == "the previous results" and temporaries(tmp_path) == []
    monkeypatch.setenv(INJECT_VARIABLE, "write:ENOSPC")
    full = probe(*args, "--out", results, cache=warm)
    assert full.status == 2 and results.read_text() == "the previous results"
    kept = Path(re.search(r"saved to (\S+) instead", full.error_line()).group(1))
    assert whole(kept) == clean, "the computed results are not lost"
    kept.unlink()


@pytest.mark.model
@pytest.mark.slow
def test_a_ctrl_c_swallowed_by_a_finaliser_still_stops_the_run(
    clean_run, tmp_path, probe, monkeypatch
):
    """Ctrl-C used to be lost when it arrived while Python ran a ``__del__`` during plan
    generation; the run then finished with exit 0 and replaced the results file."""
    import instructprobe.probes.plan as plan_module

    class Finaliser:
        def __del__(self):
            signal.raise_signal(signal.SIGINT)  # arrives inside __del__: its exception is dropped

    perturb_case = plan_module.perturb_case

    def perturb_while_a_finaliser_runs(*args, **kwargs):
        Finaliser()
        return perturb_case(*args, **kwargs)

    monkeypatch.setattr(plan_module, "perturb_case", perturb_while_a_finaliser_runs)
    monkeypatch.setattr(sys, "unraisablehook", lambda unraisable: None)
    args, _, _ = clean_run
    results = tmp_path / "results.json"
    results.write_text("the previous results")
    outcome = probe(*args, "--out", results, cache=tmp_path / "cold")
    assert outcome.status == 130
    assert results.read_text() == "the previous results"


@pytest.mark.slow
@pytest.mark.parametrize(("phase", "number"), [("suite", signal.SIGTERM), ("write", signal.SIGINT)])
def test_a_real_process_exits_with_the_shells_status_and_one_line(tmp_path, phase, number):
    results = tmp_path / "results.json"
    results.write_text("the previous results")
    suite = small_suite(tmp_path / "small.jsonl")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "instructprobe.app.cli",
            "run",
            "-r",
            "bm25",
            "--suite",
            str(suite),
            "--perturb",
            NO_PARAPHRASE,
            "--resamples",
            "100",
            "-q",
            "--out",
            str(results),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env={
            **os.environ,
            INJECT_VARIABLE: f"{phase}:{signal.Signals(number).name}",
            "INSTRUCTPROBE_CACHE_DIR": str(tmp_path / "cache"),
        },
    )
    assert done.returncode == 128 + number, done.stderr
    assert (
        Outcome(done.returncode, done.stdout, done.stderr)
        .error_line()
        .startswith("probe: interrupted")
    )
    assert results.read_text() == "the previous results" and temporaries(tmp_path) == []


@pytest.mark.slow
@pytest.mark.parametrize("phase", ["plan", "measure"])
def test_a_killed_run_leaves_no_file_behind_and_the_next_run_is_a_clean_one(tmp_path, phase):
    """SIGKILL cannot be caught: a run killed while it made a plan left a temporary file of it
    in the cache, and one killed while it ranked left its run files' temporaries in the runs
    folder, and nothing ever removed them."""
    suite = small_suite(tmp_path / "small.jsonl")
    args = ["run", "-r", "bm25", "--suite", str(suite), "--perturb", NO_PARAPHRASE]
    args += ["--resamples", "100", "-q", "--runs-dir", str(tmp_path / "runs")]

    def probe_run(out: str, cache: str, injected: str = "") -> int:
        done = subprocess.run(
            [sys.executable, "-m", "instructprobe.app.cli", *args, "--out", str(tmp_path / out)],
            capture_output=True,
            text=True,
            timeout=600,
            env={
                **os.environ,
                "INSTRUCTPROBE_CACHE_DIR": str(tmp_path / cache),
                INJECT_VARIABLE: injected,
            },
        )
        return done.returncode

    assert probe_run("killed.json", "cache", f"{phase}:SIGKILL") == -signal.SIGKILL
    left = [p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.name.endswith(".tmp")]
    assert left == []
    assert_valid_cache(tmp_path / "cache")
    assert probe_run("again.json", "cache") == 0
    assert probe_run("clean.json", "clean-cache") == 0
    assert whole(tmp_path / "again.json") == whole(tmp_path / "clean.json")
    assert temporaries(tmp_path) == []


def whole(path):
    """A results file's run as one document: the summary and its outcomes file (their names
    differ with the run's --out)."""
    from instructprobe.probes.results import read_results

    return read_results(path).to_json()
