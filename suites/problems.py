"""What a loader found wrong with a data set, where, and how bad; and what it counted.

Every loader reports into a ``Report``: an *error* makes the data unusable as it stands (a
malformed line, a missing field, a duplicate id); a *warning* is a record that is left out, with a
count, or something suspicious that is kept. Nothing is dropped without a warning, and the counts
say how much was read and how much was kept.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from instructprobe.suites.model import Suite


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


def where(path: str | Path, line: int | None = None) -> str:
    """``path:line`` (or the path alone), the way compilers name a place in a file."""
    return f"{path}:{line}" if line else str(path)


@dataclass(frozen=True)
class Problem:
    severity: Severity
    kind: str
    """A short name for the sort of problem (``duplicate-id``), to group repeats."""
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


@dataclass
class Report:
    """Filled by a loader: problems found and counts of what was read and kept."""

    problems: list[Problem] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    files: list[Path] = field(default_factory=list)
    """Every file read, for the suite's digest."""
    pools_optional: bool = False
    """Full retrieval was asked for (``@full``): a layout without candidate pools is no error."""
    instruction: str | None = None
    """The run's instruction (``--instruction``) for queries that carry none, or None."""

    def default_instruction(self) -> str | None:
        """The run's instruction for a query that carries none (counted), or None."""
        if self.instruction is not None:
            self.count("queries given --instruction")
        return self.instruction

    def error(self, at: str, message: str, kind: str = "error") -> None:
        self.problems.append(Problem(Severity.ERROR, kind, at, message))

    def warn(self, at: str, message: str, kind: str = "warning") -> None:
        self.problems.append(Problem(Severity.WARNING, kind, at, message))

    def count(self, label: str, n: int = 1) -> None:
        self.counts[label] += n

    def read(self, path: Path) -> None:
        self.files.append(path)

    def digest(self) -> str:
        """sha256 over the files read (names relative to their common folder, and contents)."""
        import hashlib

        from instructprobe.suites.model import sha256_of

        if len(self.files) == 1:
            return sha256_of(str(self.files[0]))
        base = Path(os.path.commonpath([str(p) for p in self.files])) if self.files else Path()
        digest = hashlib.sha256()
        for path in sorted(self.files):
            name = path.relative_to(base) if base != path else Path(path.name)
            digest.update(f"{name.as_posix()}\0{sha256_of(str(path))}\n".encode())
        return digest.hexdigest()

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.WARNING]


@dataclass(frozen=True)
class Loaded:
    """A loader's result: the suite (``None`` when there are errors), its counts and problems."""

    suite: Suite | None
    name: str
    format: str
    source: str
    counts: tuple[tuple[str, int], ...]
    problems: tuple[Problem, ...]

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity is Severity.WARNING)

    def summary(self) -> str:
        """One line: what was loaded, how much, and how many problems."""
        head = f"{self.name} ({self.format}, {self.source})"
        if self.suite is None:
            return f"{head}: {len(self.errors)} error(s), {len(self.warnings)} warning(s)"
        return f"{head}: {describe_suite(self.suite)}; {len(self.warnings)} warning(s)"


def describe_suite(suite: Suite) -> str:
    """The suite's counts in one phrase: queries, documents, judgments and curated extras."""
    queries = suite.queries
    parts = [
        f"{len(queries)} queries",
        f"{len(suite.documents)} documents",
        f"{sum(len(q.qrels) for q in queries)} judgments",
    ]
    extras = [
        ("changed instructions", sum(q.changed is not None for q in queries)),
        ("negation pairs", sum(q.negated is not None for q in queries)),
        ("paraphrases", sum(len(q.paraphrases) for q in queries)),
        ("candidate pools", sum(q.candidates is not None for q in queries)),
    ]
    parts += [f"{n} {label}" for label, n in extras if n]
    return ", ".join(parts)


def grouped(problems: Iterable[Problem]) -> list[tuple[str, list[Problem]]]:
    """Problems by kind, kinds in order of first appearance."""
    groups: dict[str, list[Problem]] = {}
    for problem in problems:
        groups.setdefault(problem.kind, []).append(problem)
    return list(groups.items())
