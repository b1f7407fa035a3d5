"""The base of every enum a record holds (families, verdicts, corrections…)."""

from __future__ import annotations

import enum


class ValueEnum(enum.Enum):
    """An enum that reads as its value in text (``f"{Family.NEGATION}"`` is ``negation``), and
    is written to files by value."""

    def __str__(self) -> str:
        return str(self.value)
