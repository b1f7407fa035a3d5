"""Rich progress bars behind the ``retrievers.progress.Progress`` hook (on stderr)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from instructprobe.core.progress import Advance
from instructprobe.core.untrusted import printable


class RichProgress:
    def __init__(self, console: Console, enabled: bool = True, prefix: str = "") -> None:
        self._console = console
        self._enabled = enabled
        self._prefix = prefix

    def prefixed(self, prefix: str) -> RichProgress:
        return RichProgress(self._console, self._enabled, prefix)

    def task(self, description: str, total: int) -> AbstractContextManager[Advance]:
        # The column reads its text as markup, and a description may name a query of the suite.
        return self._task(escape(printable(f"{self._prefix}{description}")), total)

    @contextmanager
    def _task(self, description: str, total: int) -> Iterator[Advance]:
        bar = Progress(
            SpinnerColumn(),
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self._console,
            transient=True,
            # A dumb terminal cannot erase a finished bar: each would leave a blank line.
            disable=not self._enabled or self._console.is_dumb_terminal,
        )
        with bar:
            task = bar.add_task(description, total=total)
            yield lambda n: bar.advance(task, n)
