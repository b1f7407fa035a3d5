"""Every shell and Python snippet of README.md and docs/*.md, run as written.

A snippet is a fenced block marked ``bash``, ``sh``, ``shell`` or ``python``, or a console
transcript (an unmarked block whose first line starts with ``$ ``, run from its commands). Each
runs in a fresh folder of its own with the checkout's ``probe`` and ``python`` first on PATH,
``HF_HUB_OFFLINE=1`` and one embedding cache for the module. What a snippet names as the
reader's own is made there first: ``base.json`` and ``candidate.json`` (the committed starter
results), ``my_package.models:make_retriever`` (BM25 under the name ``bm25``), and ``docs/`` (the
checkout's, for the transcripts that name its example files).

- A Python snippet that defines ``test_`` functions runs under pytest, in a project of its own
  with the ``ini`` snippet that follows it in the same page as its ``pytest.ini``.
- A transcript's commands run in one shell; its ``$ echo $?`` line is the status they must end
  with.
- ``SKIPPED`` lists the snippets that are not run, each with its reason (the internet, a GPU,
  setting up a virtual environment, the test suite itself). A snippet in neither is run, so a
  new snippet is tested as soon as it is written; a reason whose snippet is gone fails too.
"""

from __future__ import annotations

import gzip
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = (ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")))
SHELLS = ("bash", "sh", "shell")
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
STARTER_RESULTS = ROOT / "tests" / "data" / "starter.json.gz"

SKIPPED = {
    ("README.md", "make demo"): "sets the checkout's own .venv up (minutes of pip) and writes "
    "results.json into the checkout; `make test`, CI's command, runs the same setup",
    ("README.md", "pip install torch"): "installs from PyPI and downloads a model from the "
    "Hugging Face hub (the internet)",
    ("README.md", "make test"): "the test suite itself, and the lint CI runs after it",
    ("docs/perturbations.md", "pip install 'instructprobe[paraphrase]'  "): "installs from PyPI "
    "(the internet); `make setup` installs both lines",
    ("docs/perturbations.md", "pip install 'instructprobe[paraphrase]'"): "installs from PyPI "
    "and downloads Qwen2.5-7B-Instruct (the internet, about 15 GB, a GPU)",
    ("docs/perturbations.md", "python benchmarks/model_paraphrase_audit.py"): "rewrites the "
    "audit's instructions with Qwen2.5-7B-Instruct (the internet, a GPU, hours on a CPU)",
}
"""(page, the start of the snippet's first line) → why it is not run."""


@dataclass(frozen=True)
class Snippet:
    page: str
    line: int
    language: str
    code: str
    ini: str | None = None
    """A pytest snippet's configuration: the next ``ini`` block of its page."""

    @property
    def first(self) -> str:
        return self.code.strip().splitlines()[0]

    @property
    def id(self) -> str:
        return f"{self.page}:{self.line}"

    def skipped(self) -> str | None:
        return next(
            (
                reason
                for (page, start), reason in SKIPPED.items()
                if page == self.page and self.first.startswith(start)
            ),
            None,
        )


def snippets() -> list[Snippet]:
    found = []
    for path in PAGES:
        text = path.read_text(encoding="utf-8")
        page = str(path.relative_to(ROOT))
        blocks = [(m, text[: m.start()].count("\n") + 1) for m in FENCE.finditer(text)]
        for i, (match, line) in enumerate(blocks):
            language, code = match.group(1), match.group(2)
            if language in SHELLS or language == "python":
                ini = None
                if language == "python" and _is_test(code):
                    ini = next(
                        (m.group(2) for m, _ in blocks[i + 1 :] if m.group(1) == "ini"), None
                    )
                found.append(Snippet(page, line, language, code, ini))
            elif not language and code.startswith("$ "):
                found.append(Snippet(page, line, "console", code))
    return found


def _is_test(code: str) -> bool:
    return re.search(r"^def test_", code, re.M) is not None


ALL = snippets()


def test_every_reason_to_skip_names_a_snippet_that_exists():
    for page, start in SKIPPED:
        assert any(s.page == page and s.first.startswith(start) for s in ALL), (page, start)


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("cache")


@pytest.fixture
def folder(tmp_path):
    """The reader's folder: the files the snippets name as theirs."""
    results = gzip.decompress(STARTER_RESULTS.read_bytes())
    for name in ("base.json", "candidate.json", "baseline.json"):
        (tmp_path / name).write_bytes(results)
    package = tmp_path / "my_package"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "models.py").write_text(
        "from instructprobe.retrievers.bm25 import BM25\n\n\n"
        "def make_retriever():\n    return BM25(name='bm25')\n"
    )
    (tmp_path / "docs").symlink_to(ROOT / "docs")
    return tmp_path


def environment(cache: Path) -> dict[str, str]:
    bin_dir = str(Path(sys.executable).parent)
    return {
        **os.environ,
        "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""),
        "HF_HUB_OFFLINE": "1",
        "INSTRUCTPROBE_CACHE_DIR": str(cache),
        "PYTHONPATH": "",
    }


def run(command: list[str], folder: Path, cache: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=folder, env=environment(cache), capture_output=True, text=True, timeout=900
    )


@pytest.mark.slow
@pytest.mark.model
@pytest.mark.parametrize("snippet", ALL, ids=[s.id for s in ALL])
def test_the_snippet_runs_as_written(snippet, folder, cache):
    reason = snippet.skipped()
    if reason is not None:
        pytest.skip(reason)
    if snippet.language == "console":
        commands, status = transcript(snippet.code)
        done = run(["bash", "-c", commands], folder, cache)
        assert done.returncode == status, done.stdout[-3000:] + done.stderr[-3000:]
        return
    if snippet.language in SHELLS:
        done = run(["bash", "-e", "-o", "pipefail", "-c", snippet.code], folder, cache)
    elif _is_test(snippet.code):
        (folder / _file_name(snippet.code)).write_text(snippet.code)
        if snippet.ini is not None:
            (folder / "pytest.ini").write_text(snippet.ini)
        done = run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider"], folder, cache)
        assert done.returncode in (0, 1), done.stdout[-3000:] + done.stderr[-3000:]
        assert re.search(r"\d+ (passed|failed)", done.stdout) and " error" not in done.stdout
        return
    else:
        (folder / "snippet.py").write_text(snippet.code)
        done = run([sys.executable, "snippet.py"], folder, cache)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


def transcript(text: str) -> tuple[str, int]:
    """A transcript's commands, and the status its ``$ echo $?`` shows (0 without one)."""
    lines = text.splitlines()
    commands, status = [], 0
    for i, line in enumerate(lines):
        if line == "$ echo $?":
            status = int(lines[i + 1])
        elif line.startswith("$ "):
            commands.append(line[2:])
    return "\n".join(commands), status


def _file_name(code: str) -> str:
    named = re.match(r"#\s*(test_\w+\.py)\s*$", code.strip().splitlines()[0])
    return named.group(1) if named else "test_snippet.py"


def test_the_transcript_reader_takes_commands_and_the_shown_status():
    commands, status = transcript("$ probe gate g.toml\nFAIL  x\n$ echo $?\n1\n")
    assert (commands, status) == ("probe gate g.toml", 1)
    assert shutil.which("bash") is not None
