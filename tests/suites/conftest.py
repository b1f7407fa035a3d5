"""Fixtures for the suite loaders: small data sets in each published layout, and the real
InstructIR files in ../shared/data/instructir where they exist."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parents[2]
SHARED_INSTRUCTIR = REPO / ".." / "shared" / "data" / "instructir"


@pytest.fixture
def fixture_copy(tmp_path):
    """A writable copy of a fixture folder, to break on purpose."""

    def copy(name: str) -> Path:
        target = tmp_path / name
        shutil.copytree(FIXTURES / name, target)
        return target

    return copy


@pytest.fixture(scope="session")
def shared_instructir() -> Path:
    path = SHARED_INSTRUCTIR.resolve()
    if not (path / "INSTRUCTIR" / "only_instruction_queries.jsonl").is_file():
        pytest.skip(
            f"the InstructIR files are not at {path} (docs/datasets.md says where they come from)"
        )
    return path


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def write_jsonl(path: Path, rows: list) -> None:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))


def fake_hub_cache(cache: Path, repo_id: str, source: Path, commit: str = "0" * 40) -> Path:
    """A Hugging Face hub cache holding ``source`` as data set ``repo_id`` at ``commit`` (as a
    download leaves it: refs/main names the snapshot)."""
    repo = cache / ("datasets--" + repo_id.replace("/", "--"))
    shutil.copytree(source, repo / "snapshots" / commit)
    (repo / "refs").mkdir(parents=True, exist_ok=True)
    (repo / "refs" / "main").write_text(commit)
    return repo / "snapshots" / commit


def probe(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None):
    return subprocess.run(
        [sys.executable, "-m", "instructprobe.app.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
        env={**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})},
    )


@pytest.fixture
def run_probe():
    """``probe`` in a subprocess (HF_HUB_OFFLINE=1 unless ``env`` says otherwise)."""
    return probe


@pytest.fixture
def hub_cache(tmp_path, monkeypatch):
    """An empty Hugging Face hub cache for this test; ``add(repo_id, fixture)`` fills it."""
    cache = tmp_path / "hub-cache"
    cache.mkdir()
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")

    class Cache:
        path = cache

        @staticmethod
        def add(repo_id: str, fixture: str | Path, commit: str = "0" * 40) -> Path:
            return fake_hub_cache(cache, repo_id, FIXTURES / fixture, commit)

    return Cache
