"""Shared fixtures. Where a test goes and which tier it is in: tests/README.md.

- ``small_result`` (and ``results_file``, ``bm25_only``, ``minilm_only``): the committed results
  of a real run (tests/data/starter.json.gz), for the report, compare and gate tests; no
  model is loaded.
- ``starter``, ``bm25``, ``minilm``, ``starter_result``: the real suite and models, loaded once
  per session. A test that uses a model fixture is marked ``model`` automatically.
- ``read_only``: makes a folder read-only for one test, for root too (a read-only mount).
"""

from __future__ import annotations

import dataclasses
import gzip
import os
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# The tests' embedding and plan cache: never the user's own.
os.environ["INSTRUCTPROBE_CACHE_DIR"] = tempfile.mkdtemp(prefix="instructprobe-tests-")

DATA = Path(__file__).parent / "data"
SMALL_RESULTS = DATA / "starter.json.gz"
"""`probe run -r bm25,minilm --suite starter --resamples 2000` (seed 0), 141 kB; the
model-tier test tests/probes/test_committed_results.py checks that its request still gives it."""
MODEL_FIXTURES = frozenset(
    {
        "bm25",
        "minilm",
        "starter_result",
        "tokenizer",
        "instructor_dir",
        "monot5_dir",
        "cross_encoder_dir",
        "causal_dir",
    }
)
"""A test that uses one of these (directly or through another fixture) loads a model: the real
MiniLM or BM25, or a small random model built from a config. A test that loads one another way
(a probe run whose paraphrases go through MiniLM's meaning filter) is marked by hand."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if MODEL_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.model)


@pytest.fixture(scope="session")
def fresh_python():
    """Runs a script in a new interpreter (nothing imported yet) and returns its stdout; from
    a folder of its own, so only what is installed can be imported, not the checkout's folders."""
    import subprocess
    import sys

    def run(script: str) -> str:
        with tempfile.TemporaryDirectory() as elsewhere:
            done = subprocess.run(
                [sys.executable, "-c", script],
                capture_output=True,
                text=True,
                check=True,
                cwd=elsewhere,
            )
        return done.stdout.strip()

    return run


def small_results_text() -> str:
    return gzip.decompress(SMALL_RESULTS.read_bytes()).decode("utf-8")


@pytest.fixture(scope="session")
def small_result():
    """The committed results of a real run: BM25 and MiniLM on the 45 starter queries."""
    import json

    from instructprobe.probes.results import RunResult

    return RunResult.from_dict(json.loads(small_results_text()))


@pytest.fixture(scope="session")
def results_file(tmp_path_factory):
    """``small_result`` as a results file on disk."""
    path = tmp_path_factory.mktemp("results") / "starter.json"
    path.write_text(small_results_text(), encoding="utf-8")
    return path


def only(result, retriever):
    """The run as if it had probed ``retriever`` alone (same suite, seed and queries)."""
    return dataclasses.replace(
        result,
        cells=tuple(c for c in result.cells if c.retriever == retriever),
        strata=tuple(s for s in result.strata if s.retriever == retriever),
        dose_response=tuple(d for d in result.dose_response if d.retriever == retriever),
        outcomes=tuple(o for o in result.outcomes if o.retriever == retriever),
        retrievers=tuple(r for r in result.retrievers if r.get("name") == retriever),
    )


@pytest.fixture(scope="session")
def bm25_only(small_result):
    return only(small_result, "bm25")


@pytest.fixture(scope="session")
def minilm_only(small_result):
    return only(small_result, "minilm")


@pytest.fixture(scope="session")
def starter():
    from instructprobe.suites import load_suite

    return load_suite("starter")


@pytest.fixture(scope="session")
def minilm():
    from instructprobe.retrievers import resolve

    return resolve("minilm")


@pytest.fixture(scope="session")
def bm25():
    from instructprobe.retrievers import resolve

    return resolve("bm25")


@pytest.fixture(scope="session")
def starter_result(starter, bm25, minilm):
    """Both embedded retrievers over the whole starter suite (the README's demo run)."""
    from instructprobe.probes.request import RunRequest
    from instructprobe.probes.runner import Runner

    request = RunRequest(retrievers=[bm25, minilm], resamples=2000)
    return Runner(request, starter, [bm25, minilm]).run()


@pytest.fixture(scope="module")
def ray_cluster():
    """A local Ray cluster of two CPUs for a module's tests (a new one: ``address="local"``
    ignores the address a `ray start` of this machine left in /tmp/ray). Its workers start
    with ``OMP_NUM_THREADS=1``, as many containers set it: a replica must still compute on the
    CPUs it is given."""
    ray = pytest.importorskip("ray", reason="the ray extra: pip install 'instructprobe[ray]'")
    with pytest.MonkeyPatch.context() as environment:
        environment.setenv("OMP_NUM_THREADS", "1")
        ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


@pytest.fixture
def read_only():
    """``read_only(folder)`` returns a read-only view of ``folder``: the folder itself with its
    write permissions removed, or, for root (whom permissions do not stop), a read-only bind
    mount of it. The test is skipped where neither makes the folder read-only."""
    import shutil
    import stat
    import subprocess

    from instructprobe.core.files import writable_problem

    mounts: list[Path] = []
    restore: list[tuple[Path, int]] = []

    def make(folder: Path) -> Path:
        if os.geteuid() != 0:
            for path in [folder, *folder.rglob("*")]:
                restore.append((path, path.stat().st_mode))
                path.chmod(stat.S_IMODE(path.stat().st_mode) & ~0o222)
            view = folder
        else:
            view = folder.with_name(folder.name + "-read-only")
            view.mkdir()
            steps = (
                ["mount", "--bind", str(folder), str(view)],
                ["mount", "-o", "remount,bind,ro", str(view)],
            )
            for step in steps:
                if (
                    not shutil.which(step[0])
                    or subprocess.run(step, capture_output=True).returncode
                ):
                    break
                if step is steps[0]:
                    mounts.append(view)
        if writable_problem(view / "probe") is None:
            pytest.skip("cannot make a read-only folder here")
        return view

    yield make
    for view in reversed(mounts):
        subprocess.run(["umount", "--lazy", str(view)], check=True)  # files may still be open
    for path, mode in reversed(restore):
        path.chmod(mode)
