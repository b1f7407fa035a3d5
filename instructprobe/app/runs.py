"""Making runs for the application: a request executed once per process, and a results file
checked against the request that claims it."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from instructprobe.core.errors import ResultsError
from instructprobe.core.progress import Progress
from instructprobe.probes.request import RunRequest
from instructprobe.probes.results import RunResult, read_results


def make(request: RunRequest, progress: Progress | None = None) -> RunResult:
    """``request`` run as ``probe run`` runs it (the same caches; errors are one line)."""
    from instructprobe.probes.runner import execute

    return execute(request, progress)


@dataclass
class RunCache:
    """Runs made in this process, by request: a session of tests runs each one once."""

    make: Callable[[RunRequest], RunResult] = field(default=make)
    made: dict[RunRequest, RunResult] = field(default_factory=dict)
    seconds: dict[RunRequest, float] = field(default_factory=dict)

    def get(self, request: RunRequest) -> RunResult:
        if request not in self.made:
            start = time.perf_counter()
            self.made[request] = self.make(request)
            self.seconds[request] = time.perf_counter() - start
        return self.made[request]


def read_for(path: str | Path, request: RunRequest | None, named_by: str) -> RunResult:
    """The results file at ``path``; when a request names the run, the file must be that run
    (equal requests), else one line lists what differs."""
    result = read_results(path)
    if request is not None:
        differences = result.request.differences(request)
        if differences:
            raise ResultsError(
                f"{path} is not the run {named_by} names: {'; '.join(differences)} "
                "(file ≠ request); judge it without a run, or make the run again"
            )
    return result
