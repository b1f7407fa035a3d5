"""The Python entry point: ``run`` a request, as ``probe run`` does."""

from __future__ import annotations

from typing import Any

from instructprobe.core.errors import RequestError
from instructprobe.core.progress import Progress
from instructprobe.probes.request import RunRequest
from instructprobe.probes.results import RunResult


def run(
    request: RunRequest | None = None,
    /,
    *,
    progress: bool | Progress = False,
    **settings: Any,
) -> RunResult:
    """Run ``request``, or the request the keyword ``settings`` make (``RunRequest``'s names:
    ``retrievers``, ``suite``, ``families``, ``seed``, ``limit``, ``cutoff``…), with the same
    suites, retrievers, caches and statistics as ``probe run``. Retrievers may be given as
    objects (``retrievers=[my_retriever, "bm25"]``). ``progress=True`` draws progress bars on
    stderr; a ``Progress`` of your own receives the tasks instead."""
    from instructprobe.probes.runner import execute

    if request is not None and settings:
        raise RequestError("give run() a RunRequest or keyword settings, not both")
    chosen = request if request is not None else RunRequest.create(settings)
    return execute(chosen, _progress(progress))


def _progress(progress: bool | Progress) -> Progress | None:
    if progress is True:
        from rich.console import Console

        from instructprobe.app.console import RichProgress

        return RichProgress(Console(stderr=True))
    return progress or None
