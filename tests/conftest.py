"""Shared fixtures: the real models are loaded once per test session."""

from __future__ import annotations

import dataclasses
import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(scope="session")
def fresh_python():
    """Runs a script in a new interpreter (nothing imported yet) and returns its stdout; from
    a folder of its own, so only what is installed can be imported, not the checkout's folders."""
    import subprocess
    import sys
    import tempfile

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
    from instructprobe.probes.runner import RunConfig, Runner

    config = RunConfig(retrievers=("bm25", "minilm"), resamples=2000)
    return Runner(config, starter).run([bm25, minilm])


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
def results_file(starter_result, tmp_path_factory):
    path = tmp_path_factory.mktemp("results") / "starter.json"
    starter_result.write_json(path)
    return path


@pytest.fixture(scope="session")
def bm25_only(starter_result):
    return only(starter_result, "bm25")


@pytest.fixture(scope="session")
def minilm_only(starter_result):
    return only(starter_result, "minilm")
