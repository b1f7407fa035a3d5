import os
import subprocess
import sys
import time

import pytest

from instructprobe.app.cli import main
from instructprobe.probes.results import read_results


def probe(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "instructprobe.app.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})},
    )


def assert_one_line_error(result, *fragments):
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["run", "--retriever", "no-such-model"], ["unknown retriever 'no-such-model'", "bm25"]),
        (["run", "--suite", "missing/suite.jsonl"], ["does not exist"]),
        (["run", "--limit", "0"], ["--limit", "must be an integer ≥ 1, got '0'"]),
        (["run", "--seed", "-1"], ["--seed", "must be an integer ≥ 0, got '-1'"]),
        (["run", "--perturb", "paraphrase,typo"], ["unknown perturbation family 'typo'"]),
        (["run", "--resamples", "50"], ["--resamples", "between 100 and 100,000, got '50'"]),
        (["run", "--depth", "5"], ["--depth: must be at least the cutoff (10), got 5"]),
        (["run", "--cutoff", "0"], ["--cutoff", "must be an integer ≥ 1"]),
        (["run", "-r", ""], ["--retriever: needs at least one retriever"]),
        (["run", "-r", ","], ["--retriever: needs at least one retriever"]),
        (["run", "-r", "a=bm25,a=minilm"], ["two retrievers are named 'a'"]),
        (["run", "--device", "bogus"], ["--device", "auto, cpu, cuda, cuda:N or mps"]),
        (["run", "--alpha", "nan"], ["--alpha", "between 0 and 1"]),
        (["run", "--out", "/no/such/dir/results.json"], ["does not exist"]),
        (["list", "models"], ["invalid choice"]),
        (["frobnicate"], ["invalid choice"]),
    ],
)
def test_bad_input_gets_one_line_and_a_non_zero_exit(args, fragments):
    assert_one_line_error(probe(*args), *fragments)


def test_malformed_suite_line_names_file_and_line(tmp_path):
    suite = tmp_path / "suite.jsonl"
    suite.write_text('{"kind": "document", "id": "d1", "text": "x"}\n{"kind": "query", "id": \n')
    assert_one_line_error(probe("run", "--suite", str(suite)), f"{suite}:2:", "not valid JSON")


def test_model_not_available_offline_fails_fast_with_the_fix():
    start = time.monotonic()
    result = probe("run", "--retriever", "hkunlp/instructor-xl-not-here", "--limit", "1")
    assert time.monotonic() - start < 30  # no hub retries (about 70 s), on a loaded machine too
    assert_one_line_error(result, "not in the local Hugging Face cache", "hf download")


def test_help_does_not_import_the_heavy_libraries(fresh_python):
    code = (
        "import contextlib, io, sys; from instructprobe.app.cli import main\n"
        "for command in ('run', 'list', 'setup', 'validate', 'fetch', 'cache', 'search',"
        " 'report', 'compare', 'gate'):\n"
        "    with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "        main([command, '--help'])\n"
        "heavy = {'torch', 'transformers', 'sentence_transformers', 'scipy', 'rich', 'nltk',"
        " 'numpy'};"
        "print(sorted(heavy & set(sys.modules)))"
    )
    assert fresh_python(code) == "[]"


@pytest.mark.parametrize("command", ["run", "list", "setup"])
def test_every_command_documents_itself(command, capsys):
    with pytest.raises(SystemExit) as exited:
        main([command, "--help"])
    assert exited.value.code == 0
    assert "usage: probe " + command in capsys.readouterr().out


@pytest.mark.parametrize("command", ["run", "compare"])
def test_help_shows_a_percent_sign_once(command, capsys):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    text = capsys.readouterr().out
    assert "95% CI" in " ".join(text.split()) and "%%" not in text


def test_run_option_help_is_complete(capsys):
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    text = capsys.readouterr().out
    for option in ("--retriever", "--suite", "--perturb", "--seed", "--limit", "--cutoff", "--out"):
        assert option in text
    assert "(default: bm25,minilm)" in text and "(default: 9999)" in text


def _small_bm25_run(tmp_path, *options):
    """``probe run`` with BM25 on 6 starter queries: the process and its results file."""
    out = tmp_path / "results.json"
    common = ("--limit", "6", "--resamples", "500", "--out", str(out), "--quiet")
    result = probe("run", "--retriever", "bm25", *options, *common)
    assert result.returncode == 0, result.stderr
    return result, read_results(out).to_dict()  # the summary and its outcomes file, as one


@pytest.mark.model
def test_run_end_to_end_writes_the_report_and_results(tmp_path):
    result, data = _small_bm25_run(tmp_path)
    assert "Verdicts" in result.stdout and "negation" in result.stdout
    assert data["request"]["retrievers"] == ["bm25"]
    assert data["request"]["limit"] == 6


def test_run_accepts_the_keywords_family(tmp_path):
    result, data = _small_bm25_run(tmp_path, "--perturb", "keywords,strip")
    assert "keywords" in result.stdout and "sensitive" in result.stdout
    assert data["request"]["families"] == ["keywords", "strip"]
    deciding = {c["family"]: c for c in data["cells"] if c["verdict"] is not None}
    assert set(deciding) == {"keywords", "strip"}
    assert deciding["keywords"]["expectation"] == "sensitive"
    assert "holds if ΔnDCG@10 < -0.05 is shown" in deciding["keywords"]["rule"]
    assert deciding["strip"]["expectation"] == "reliance"
    assert "holds if |ΔnDCG@10| < 0.05 is shown" in deciding["strip"]["rule"]
    operators = {v["family"]: set() for v in data["variants"]}
    for v in data["variants"]:
        operators[v["family"]].add(v["operator"])
    assert operators == {"keywords": {"keywords-only"}, "strip": {"strip-overlap"}}


def test_list_commands(capsys):
    assert main(["list", "retrievers"]) == 0
    assert "minilm" in capsys.readouterr().out
    assert main(["list", "perturbations"]) == 0
    listed = capsys.readouterr().out
    assert "exclusion-clause" in listed and "expectation: sensitive" in listed
    assert main(["list", "suites"]) == 0
    assert "starter" in capsys.readouterr().out


@pytest.mark.model
def test_the_cutoff_names_every_measure_and_rule(tmp_path):
    result, data = _small_bm25_run(tmp_path, "--cutoff", "5", "--perturb", "paraphrase")
    metrics = {c["metric"] for c in data["cells"]}
    assert {"nDCG@5", "worst-nDCG@5", "rank-shift@5"} <= metrics and "nDCG@10" not in metrics
    rules = {c["rule"] for c in data["cells"] if c["rule"]}
    assert rules and all("ΔnDCG@5" in rule for rule in rules)
    assert "ΔnDCG@5: holds if |ΔnDCG@5| < 0.05" in result.stdout
    assert "nDCG@10" not in result.stdout


def test_run_takes_a_template_and_the_order_per_run(tmp_path):
    result, data = _small_bm25_run(
        tmp_path,
        "--perturb",
        "reorder",
        "--template",
        "bm25=search: {query} || {instruction}",
        "--order",
        "query-first",
    )
    assert data["request"]["templates"] == {"bm25": "search: {query} || {instruction}"}
    assert data["request"]["order"] == "query_first"
    (described,) = data["retrievers"]
    assert described["template_query_first"] == "search: {query} || {instruction}"
    assert described["prompts_from"] == "user"
    swaps = [v for v in data["variants"] if v["operator"] == "template-swap"]
    assert swaps and {v["order"] for v in swaps} == {"instruction_first"}
    assert "bm25 reads a template you gave" in result.stdout
