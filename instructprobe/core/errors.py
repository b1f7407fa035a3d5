"""One error root for everything instructprobe raises on purpose.

An ``InstructprobeError`` is a problem the user can fix (a bad setting, a missing model, an
unreadable file): its message is the whole story, and the ``probe`` command prints it as one
line and exits 2. Any other exception is a bug and keeps its traceback. Each layer raises its
own subclass, so a caller can catch as narrowly as it likes.
"""

from __future__ import annotations


class InstructprobeError(Exception):
    """A problem with the user's input or environment; the message says what to do."""


class RequestError(InstructprobeError):
    """A setting of a run request is invalid (named by where it was given: a flag, a key)."""


class SuiteError(InstructprobeError):
    """A suite cannot be found, fetched or read."""


class PerturbError(InstructprobeError):
    """A perturbation cannot be made: an unknown operator, missing WordNet data."""


class RetrieverError(InstructprobeError):
    """A retriever cannot be resolved or loaded; the message says what to do instead."""


class ProbeError(InstructprobeError):
    """A run, comparison or search cannot proceed as asked."""


class ResultsError(InstructprobeError):
    """A results file cannot be read, or does not belong to the request that judges it."""


class CacheError(InstructprobeError):
    """The embedding or plan cache cannot be used as asked."""


class OutputError(InstructprobeError):
    """An output file (results, a report, JUnit XML) cannot be written; the message says where
    the content went instead, if anywhere."""


class GateError(InstructprobeError):
    """A release gate cannot be evaluated: a bad setting, or a family or metric the run lacks
    (a mistake in the gate, not a failure of the model)."""
