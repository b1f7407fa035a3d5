"""The progress hook retrievers report to; the CLI plugs a rich progress bar into it."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Protocol

Advance = Callable[[int], None]


class Progress(Protocol):
    def task(self, description: str, total: int) -> AbstractContextManager[Advance]:
        """A unit of long work with ``total`` steps; the context yields ``advance(n)``."""
        ...


def task(
    progress: Progress | None, description: str, total: int
) -> AbstractContextManager[Advance]:
    """``progress.task(…)``, or a no-op when there is no progress hook."""
    from contextlib import nullcontext

    if progress is None:
        return nullcontext(lambda n: None)
    return progress.task(description, total)
