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


RunKey = tuple[RunRequest, tuple[int, ...]]
"""A request and the retriever objects it was given (by identity)."""


def run_key(request: RunRequest) -> RunKey:
    """Requests are equal whatever retriever objects they hold (a results file cannot record
    an object), so two checkpoints of one encoder class, or two encode functions of one name,
    make equal requests: the objects themselves tell their runs apart."""
    return request, tuple(id(c.instance) for c in request.retrievers if c.instance is not None)


@dataclass
class RunCache:
    """Runs made in this process, by request and the objects it holds: a session of tests runs
    each one once."""

    make: Callable[[RunRequest], RunResult] = field(default=make)
    made: dict[RunKey, RunResult] = field(default_factory=dict)
    seconds: dict[RunKey, float] = field(default_factory=dict)

    def get(self, request: RunRequest) -> RunResult:
        key = run_key(request)  # the request it holds keeps the objects, and so their ids
        if key not in self.made:
            start = time.perf_counter()
            self.made[key] = self.make(request)
            self.seconds[key] = time.perf_counter() - start
        return self.made[key]


def read_for(path: str | Path, request: RunRequest | None, named_by: str) -> RunResult:
    """The results file at ``path``; when a request names the run, the file must be that run
    (equal requests, and the suite as it reads now: a suite named by a path keeps its name
    when its files change), else one line lists what differs."""
    result = read_results(path)
    if request is not None:
        differences = result.request.differences(request) or _suite_differences(
            result, request, path, named_by
        )
        if differences:
            raise ResultsError(
                f"{path} is not the run {named_by} names: {'; '.join(differences)} "
                "(file ≠ request); judge it without a run, or make the run again"
            )
    return result


def _suite_differences(
    result: RunResult, request: RunRequest, path: str | Path, named_by: str
) -> list[str]:
    """``suite: sha256 A ≠ B`` when the suite the request names is no longer the one the file
    read (nothing when the file records no hash)."""
    from instructprobe.core.errors import InstructprobeError
    from instructprobe.suites import Suite, load_suite

    read = result.suite.sha256
    if not read:
        return []
    try:
        now = (
            request.suite.sha256
            if isinstance(request.suite, Suite)
            else load_suite(request.suite, instruction=request.instruction).sha256
        )
    except InstructprobeError as error:
        raise ResultsError(
            f"cannot check that {path} is the run {named_by} names ({error}); judge it "
            "without a run"
        ) from None
    if now and now != read:
        return [f"suite: {request.suite_name} sha256 {read[:12]} ≠ {now[:12]}"]
    return []
