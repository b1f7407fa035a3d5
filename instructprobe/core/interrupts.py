"""Interrupts that always stop a run: SIGINT (Ctrl-C) and SIGTERM.

Inside ``stop_on_signals()`` (the ``probe`` command runs every subcommand in it) both signals
raise ``Interrupted``, a ``KeyboardInterrupt``, so every ``finally`` and ``except BaseException``
on the way out runs: a file being written is removed, a cache transaction is rolled back. A
signal that arrives while Python runs a ``__del__`` or a callback raises there, and Python only
prints "Exception ignored in …" and goes on; so the signal is also remembered, and the next
``checkpoint`` (there is one between the phases of a run, in long loops and before a file is
renamed into place) raises it again. The run then stops before it writes anything.

``checkpoint(phase)`` is also where tests inject faults, deterministically:
``INSTRUCTPROBE_INJECT=PHASE:ACTION`` makes each checkpoint of that phase send the process
``SIGINT`` or ``SIGTERM``, or raise ``OSError`` (``ENOSPC``, a full disk); ``SIGKILL`` kills
the process outright (a worker that dies mid-chunk: the ``compute`` phase runs in executors'
workers). With ``INSTRUCTPROBE_INJECT_ONCE=PATH`` the fault fires once across all processes:
only where PATH can still be created. The phases are listed in ``PHASES``.
"""

from __future__ import annotations

import errno
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType

INJECT_VARIABLE = "INSTRUCTPROBE_INJECT"
ONCE_VARIABLE = "INSTRUCTPROBE_INJECT_ONCE"
STOPPING = (signal.SIGINT, signal.SIGTERM)
PHASES = ("suite", "plan", "compute", "encode", "rank", "measure", "test", "write")
"""Checkpoints of a run, in order: the suite read; each case planned; each chunk a worker
computes (in the worker); each encoded chunk stored; each retriever's ranking; its measures;
the statistics; a file about to be renamed into place (results, reports, plans)."""
ACTIONS = ("SIGINT", "SIGTERM", "SIGKILL", "ENOSPC")


class Interrupted(KeyboardInterrupt):
    """A stop asked for by a signal; ``exit_status`` is the shell's 128 + its number."""

    def __init__(self, number: int) -> None:
        super().__init__(signal.Signals(number).name)
        self.number = number

    @property
    def name(self) -> str:
        return signal.Signals(self.number).name

    @property
    def exit_status(self) -> int:
        return 128 + self.number


@dataclass
class _State:
    received: int | None = None


_state = _State()


def received() -> int | None:
    """The signal that asked this process to stop, if one did (even if its exception was lost)."""
    return _state.received


def _stop(number: int, frame: FrameType | None) -> None:
    _state.received = number
    raise Interrupted(number)


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """SIGINT and SIGTERM raise ``Interrupted`` inside the block (the main thread only: Python
    runs signal handlers there); the previous handlers come back after it. A signal the
    process was started to ignore (a background job's SIGINT, ``nohup``) stays ignored."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {number: signal.getsignal(number) for number in STOPPING}
    _state.received = None
    for number, handler in previous.items():
        if handler is not signal.SIG_IGN:
            signal.signal(number, _stop)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        _state.received = None


def checkpoint(phase: str) -> None:
    """A point between steps of long work: raise a stop that was asked for and lost, and fire
    a fault injected for this phase."""
    if _state.received is not None:
        raise Interrupted(_state.received)
    injected = os.environ.get(INJECT_VARIABLE)
    if injected:
        _inject(phase, injected)


def _inject(phase: str, injected: str) -> None:
    wanted, _, action = injected.partition(":")
    if wanted != phase or not _first_time():
        return
    if action == "ENOSPC":
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC) + " (injected)")
    if action == "SIGKILL":
        os.kill(os.getpid(), signal.SIGKILL)
    if action in ("SIGINT", "SIGTERM"):
        signal.raise_signal(signal.Signals[action])
        return
    raise ValueError(f"{INJECT_VARIABLE}={injected!r}: the action is one of {', '.join(ACTIONS)}")


def _first_time() -> bool:
    """Whether an injected fault fires here: always, unless ``ONCE_VARIABLE`` names a marker
    file, which only the first process to get there creates."""
    marker = os.environ.get(ONCE_VARIABLE)
    if not marker:
        return True
    try:
        os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return False
    return True


@contextmanager
def signals_deferred() -> Iterator[None]:
    """SIGINT and SIGTERM wait until the block ends (for a step that must not be cut in two,
    such as creating a temporary file and remembering its name)."""
    if not hasattr(signal, "pthread_sigmask"):  # not on Windows
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, STOPPING)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
