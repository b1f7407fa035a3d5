"""Shared fixtures: the real models are loaded once per test session."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(scope="session")
def fresh_python():
    """Runs a script in a new interpreter (nothing imported yet) and returns its stdout."""
    import subprocess
    import sys

    def run(script: str) -> str:
        done = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, check=True
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
