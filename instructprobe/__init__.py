"""instructprobe: adversarial instruction-following tests for text retrievers.

Perturb the instructions a retriever is given, rank with it, and learn with paired statistics
where instruction following breaks::

    from instructprobe import run

    result = run(retrievers="bm25,minilm", suite="starter", limit=20)
    for (retriever, family), cell in result.verdicts().items():
        print(retriever, family, cell.verdict)

The names below are loaded on first use, so ``import instructprobe`` costs nothing. The layers
behind them (``instructprobe.suites``, ``.perturb``, ``.retrievers``, ``.probes``,
``.reports``, ``.app``) are documented in docs/architecture.md.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from instructprobe.app.api import run
    from instructprobe.app.gates import Bound, Equivalent, GateFailure, NotWorse, VerdictIs, check
    from instructprobe.core.errors import InstructprobeError
    from instructprobe.perturb.model import Family
    from instructprobe.probes.compare import compare
    from instructprobe.probes.request import RetrieverChoice, RunRequest
    from instructprobe.probes.results import RunResult, Verdict, read_results
    from instructprobe.retrievers.registry import resolve
    from instructprobe.suites import load_suite

_HOMES = {
    "run": "instructprobe.app.api",
    "RunRequest": "instructprobe.probes.request",
    "RetrieverChoice": "instructprobe.probes.request",
    "RunResult": "instructprobe.probes.results",
    "Verdict": "instructprobe.probes.results",
    "read_results": "instructprobe.probes.results",
    "compare": "instructprobe.probes.compare",
    "load_suite": "instructprobe.suites",
    "resolve": "instructprobe.retrievers.registry",
    "Family": "instructprobe.perturb.model",
    "Bound": "instructprobe.app.gates",
    "Equivalent": "instructprobe.app.gates",
    "NotWorse": "instructprobe.app.gates",
    "VerdictIs": "instructprobe.app.gates",
    "GateFailure": "instructprobe.app.gates",
    "check": "instructprobe.app.gates",
    "InstructprobeError": "instructprobe.core.errors",
}

__all__ = [
    "Bound",
    "Equivalent",
    "Family",
    "GateFailure",
    "InstructprobeError",
    "NotWorse",
    "RetrieverChoice",
    "RunRequest",
    "RunResult",
    "Verdict",
    "VerdictIs",
    "check",
    "compare",
    "load_suite",
    "read_results",
    "resolve",
    "run",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'instructprobe' has no attribute {name!r}")
    value = getattr(import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
