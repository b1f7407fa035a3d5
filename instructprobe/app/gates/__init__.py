"""Release gates over a run's results: one rule engine (``rules``) with two front ends, the
pytest plugin (``instructprobe.app.pytest_plugin``) and ``probe gate gates.toml``.

In a test (the rules are also in the façade, ``from instructprobe import Bound``)::

    from instructprobe import Bound, Equivalent, NotWorse

    def test_release(probe_gate):
        probe_gate(
            Bound("negation", "p-MRR", statistic="ci_low", at_least=0.0),
            Equivalent("paraphrase", "nDCG@10", margin=0.02),
            NotWorse("*", baseline="baseline.json"),
        )
"""

from instructprobe.app.gates.rules import (
    STATISTICS,
    Bound,
    Check,
    Equivalent,
    GateFailure,
    NotWorse,
    Rule,
    VerdictIs,
    check,
    evaluate,
)
from instructprobe.core.errors import GateError

__all__ = [
    "STATISTICS",
    "Bound",
    "Check",
    "Equivalent",
    "GateError",
    "GateFailure",
    "NotWorse",
    "Rule",
    "VerdictIs",
    "check",
    "evaluate",
]
