"""Suites by name or path. Issue-level loaders for published benchmarks plug in here."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from probes.errors import ProbeError
from probes.suites.jsonl import SuiteFormatError, read_suite, write_suite
from probes.suites.model import Document, InstructionChange, Query, Suite

__all__ = [
    "BUILTIN_SUITES",
    "Document",
    "InstructionChange",
    "Query",
    "Suite",
    "SuiteFormatError",
    "load_suite",
    "read_suite",
    "write_suite",
]

BUILTIN_SUITES = {"starter": "starter.jsonl"}


def _builtin_path(name: str) -> Path:
    return Path(str(resources.files("probes.suites") / "data" / BUILTIN_SUITES[name]))


def load_suite(spec: str) -> Suite:
    """A built-in suite by name, or a suite file by path."""
    if spec in BUILTIN_SUITES:
        return read_suite(_builtin_path(spec))
    path = Path(spec)
    if path.is_file():
        return read_suite(path)
    if path.exists():
        raise ProbeError(f"suite {spec!r} is not a file (expected a JSONL suite file)")
    known = ", ".join(BUILTIN_SUITES)
    raise ProbeError(
        f"suite {spec!r} does not exist (built-in suites: {known}; or a JSONL file path)"
    )
