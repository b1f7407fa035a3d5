"""Warnings: something went wrong that the run worked around. The ``probe`` command prints
each as one line on stderr (``probe: warning: …``); a library user sees Python's warnings."""

from __future__ import annotations


class InstructprobeWarning(UserWarning):
    """The message says what happened and what was done about it."""


class MissingDataWarning(InstructprobeWarning):
    """Data a run can use is not installed (WordNet); the run goes on without it."""


class CacheWarning(InstructprobeWarning):
    """A cache entry or file was damaged and is recomputed, or a cache cannot be written."""
