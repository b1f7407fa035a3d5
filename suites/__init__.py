"""Suites by name, format or path: the project's JSONL format and the published benchmarks
(InstructIR, FollowIR, NevIR, BEIR and MTEB folders), read as published and checked.

``load_suite(spec)`` gives a ``Suite`` or raises one line naming the first problem;
``inspect_suite(spec)`` gives every problem found and the counts (``probe validate``).
"""

from __future__ import annotations

from collections.abc import Callable

from instructprobe.suites.jsonl import SuiteFormatError, read_suite, write_suite
from instructprobe.suites.model import Document, InstructionChange, Query, Suite
from instructprobe.suites.problems import Loaded, Problem, Severity
from instructprobe.suites.registry import BUILTIN_SUITES, FORMATS, KNOWN

__all__ = [
    "BUILTIN_SUITES",
    "FORMATS",
    "KNOWN",
    "Document",
    "InstructionChange",
    "Loaded",
    "Problem",
    "Query",
    "Severity",
    "Suite",
    "SuiteFormatError",
    "inspect_suite",
    "load_suite",
    "read_suite",
    "write_suite",
]


def inspect_suite(spec: str, instruction: str | None = None) -> Loaded:
    """Read and check ``spec``: the suite (``None`` if it has errors), counts and every problem.
    ``instruction`` is given to every query that carries none (plain BEIR and MTEB sets).

    Raises SuiteError only when ``spec`` names nothing readable (an unknown name, a missing
    path, a hub data set that is not cached while offline)."""
    from instructprobe.suites.registry import inspect

    return inspect(spec, instruction)


def load_suite(
    spec: str, echo: Callable[[str], None] | None = None, instruction: str | None = None
) -> Suite:
    """A suite by name (``KNOWN``), ``FORMAT:PATH``, ``hf:OWNER/NAME`` or path.

    Errors raise a SuiteFormatError naming the first one (``file:line: problem``). ``echo``, when
    given, receives one line with what was loaded, its counts and the number of warnings."""
    loaded = inspect_suite(spec, instruction)
    if loaded.suite is None:
        raise SuiteFormatError.first_of(loaded.errors)
    if echo is not None:
        tail = f" ('probe validate {spec}' lists them)" if loaded.warnings else ""
        echo(f"suite {loaded.summary()}{tail}")
    return loaded.suite
