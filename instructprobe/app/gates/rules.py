"""The gate rules: one engine behind the pytest plugin and ``probe gate``.

A rule looks at a run's results and gives one ``Check`` per retriever (per retriever and family
for ``NotWorse``): passed or failed, with the numbers that decided it and, on failure, the
strata that fail the same test. Thresholds are on the results file's scale (p-MRR on [-1, 1],
not ×100). A rule that names a family, metric or retriever the run lacks is a ``GateError``
(a mistake in the gate, not a failure of the model)."""

from __future__ import annotations

import abc
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from instructprobe.core.errors import GateError, InstructprobeError, ProbeError
from instructprobe.perturb.model import ExpectationKind, Family
from instructprobe.probes.measures import Measure, parse
from instructprobe.probes.results import Cell, RunResult, Stratum
from instructprobe.probes.verdicts import rise_is_better
from instructprobe.reports import format as fmt

STATISTICS = (
    "delta",
    "ci_low",
    "ci_high",
    "original",
    "perturbed",
    "p_value",
    "p_adjusted",
    "p_randomization",
    "effect_dz",
    "rank_biserial",
    "sd",
    "mde",
    "n",
)
"""Cell fields a ``Bound`` may test."""
STRATUM_STATISTICS = ("delta", "ci_low", "ci_high", "p_value", "p_adjusted", "n")
VERDICTS = ("holds", "breaks", "inconclusive")
STRATA_SHOWN = 5


class GateFailure(AssertionError):
    """Raised by ``check`` when a rule fails; the message has every failed check's numbers."""

    def __init__(self, checks: Sequence[Check]) -> None:
        self.checks = tuple(checks)
        failed = [c for c in checks if not c.passed]
        super().__init__(
            f"{len(failed)} of {len(checks)} gate check(s) failed\n"
            + "\n".join(c.report() for c in failed)
        )


@dataclass(frozen=True)
class Check:
    """One rule applied to one retriever (and family)."""

    gate: str
    subject: str
    """What was checked: ``retriever · family · metric``."""
    passed: bool
    outcome: str
    """One line: the tested number against its threshold."""
    numbers: str = ""
    """The cell's statistics, for the record."""
    strata: tuple[str, ...] = ()
    """On failure: the strata that fail the same test, worst first."""
    properties: tuple[tuple[str, str], ...] = ()
    """Name and value pairs (JUnit properties, pytest's ``user_properties``)."""

    @property
    def name(self) -> str:
        return f"{self.gate} [{self.subject}]"

    def report(self) -> str:
        mark = "PASS" if self.passed else "FAIL"
        lines = [f"{mark}  {self.name}: {self.outcome}"]
        if self.numbers:
            lines.append(f"      {self.numbers}")
        if self.strata:
            lines.append("      strata that fail too:")
            lines += [f"        {s}" for s in self.strata]
        return "\n".join(lines)


def _value(value: float | int | None, signed: bool = True) -> str:
    """A number as gates print it: on the results file's scale, four significant digits."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "undefined"
    if isinstance(value, int):
        return str(value)
    return f"{value:+.4g}" if signed else f"{value:.4g}"


def _against(value: float, limits: Sequence[float], signed: bool = True) -> str:
    """``value`` as ``_value`` prints it, with as many more digits as it takes to show on which
    side of each of ``limits`` it lies: a number just short of a threshold must not print as
    the threshold, or a failed check reads as if it met it."""
    if not math.isfinite(value):
        return _value(value, signed)
    text, digits = _value(value, signed), 4
    while digits < 17 and any(_side(float(text), at) != _side(value, at) for at in limits):
        digits += 1  # 17 significant digits give the float back exactly
        text = f"{value:+.{digits}g}" if signed else f"{value:.{digits}g}"
    return text


def _side(value: float, limit: float) -> int:
    return (value > limit) - (value < limit)


def _limit(limit: float) -> str:
    """A threshold as the gate was given it: short when that is exact, else every digit."""
    short = f"{limit:g}"
    return short if float(short) == limit else repr(limit)


def _p_against(p: float, alpha: float) -> str:
    """An adjusted p as the reports print it, unless rounding would put it on the other side
    of ``alpha`` from the call it decided (0.04996 is not "0.050")."""
    text = fmt.p_value(p)
    if not math.isfinite(p) or text.startswith("<") or (float(text) < alpha) == (p < alpha):
        return text
    return _against(p, (alpha,), signed=False)


def _numbers(cell: Cell, alpha: float) -> str:
    stars = fmt.stars(cell.p_adjusted, alpha)
    verdict = f"; verdict {cell.verdict}" if cell.verdict else ""
    return (
        f"Δ {_value(cell.delta)} [{_value(cell.ci_low)}, {_value(cell.ci_high)}], "
        f"p adj {fmt.p_value(cell.p_adjusted)}{stars}, d_z {fmt.plain(cell.effect_dz)}, "
        f"n {cell.n}{verdict}"
    )


def _stratum_line(s: Stratum, alpha: float) -> str:
    return (
        f"{s.dimension}={s.level}: Δ {_value(s.delta)} [{_value(s.ci_low)}, {_value(s.ci_high)}]"
        f", p adj {fmt.p_value(s.p_adjusted)}{fmt.stars(s.p_adjusted, alpha)}, n {s.n}"
    )


def _properties(cell: Cell) -> tuple[tuple[str, str], ...]:
    numbers = [
        (name, _value(getattr(cell, name), signed=name not in ("p_adjusted", "n")))
        for name in ("delta", "ci_low", "ci_high", "p_adjusted", "n")
    ]
    return (*numbers, ("verdict", str(cell.verdict or "")))


def _strata(
    result: RunResult,
    cell: Cell,
    fails: Callable[[Stratum], bool],
    badness: Callable[[Stratum], float],
) -> tuple[str, ...]:
    found = [
        s
        for s in result.strata
        if (s.retriever, s.family, s.metric) == (cell.retriever, cell.family, cell.metric)
        and fails(s)
    ]
    found.sort(key=lambda s: (-badness(s), s.dimension, s.level))
    alpha = result.request.alpha
    lines = [_stratum_line(s, alpha) for s in found[:STRATA_SHOWN]]
    if len(found) > STRATA_SHOWN:
        lines.append(f"… and {len(found) - STRATA_SHOWN} more")
    return tuple(lines)


def _finite(value: float | int | None) -> float:
    return float(value) if value is not None and math.isfinite(value) else math.nan


@dataclass(frozen=True)
class Rule(abc.ABC):
    """What every rule has: a family, optionally a metric (default: the family's deciding
    one), the retrievers it applies to (default: all) and a name for reports."""

    family: str
    metric: str | None = None
    retrievers: tuple[str, ...] = ()
    name: str = ""

    @abc.abstractmethod
    def describe(self) -> str: ...

    @abc.abstractmethod
    def evaluate(self, result: RunResult) -> list[Check]: ...

    @property
    def title(self) -> str:
        return self.name or self.describe()

    def measure(self) -> Measure | None:
        """The measure the rule names (``metric``), or None for the family's deciding one."""
        if self.metric is None:
            return None
        try:
            return parse(self.metric)
        except ValueError as error:
            raise GateError(f"gate {self.title!r}: {error}") from None

    def _check(
        self,
        result: RunResult,
        cell: Cell,
        passed: bool,
        outcome: str,
        strata: tuple[str, ...] = (),
    ) -> Check:
        return Check(
            gate=self.title,
            subject=f"{cell.retriever} · {cell.family} · {cell.metric}",
            passed=passed,
            outcome=outcome,
            numbers=_numbers(cell, result.request.alpha),
            strata=() if passed else strata,
            properties=_properties(cell),
        )


@dataclass(frozen=True)
class CellRule(Rule):
    """A rule that judges each retriever's cell of one (family, metric) on its own."""

    @abc.abstractmethod
    def judge(self, result: RunResult, cell: Cell) -> Check: ...

    def evaluate(self, result: RunResult) -> list[Check]:
        return [self.judge(result, cell) for cell in cells_for(result, self)]


def cells_for(result: RunResult, rule: Rule) -> list[Cell]:
    """The cells a rule tests, or one line naming what the run lacks."""
    gate = f"gate {rule.title!r}"
    families = [f.value for f in result.families()]
    if rule.family not in families:
        raise GateError(
            f"{gate}: the run has no family {rule.family!r} (it has {', '.join(families)})"
        )
    family = Family(rule.family)
    names = result.retriever_names()
    unknown = [r for r in rule.retrievers if r not in names]
    if unknown:
        raise GateError(
            f"{gate}: the run has no retriever {', '.join(unknown)} (it has {', '.join(names)})"
        )
    metric = rule.measure() or fmt.deciding_metric(result.cells, family)
    chosen = [
        c
        for c in result.cells
        if c.family is family
        and c.metric == metric
        and (not rule.retrievers or c.retriever in rule.retrievers)
    ]
    if not chosen:
        metrics = dict.fromkeys(str(c.metric) for c in result.cells if c.family is family)
        raise GateError(
            f"{gate}: {rule.family} has no metric {str(metric)!r} (it has {', '.join(metrics)})"
        )
    return chosen


@dataclass(frozen=True)
class Bound(CellRule):
    """A statistic of the cell lies within bounds, e.g. negation p-MRR's ``ci_low`` ≥ 0."""

    statistic: str = "ci_low"
    at_least: float | None = None
    at_most: float | None = None

    def __post_init__(self) -> None:
        if self.statistic not in STATISTICS:
            raise GateError(
                f"gate {self.title!r}: unknown statistic {self.statistic!r} "
                f"(choose from {', '.join(STATISTICS)})"
            )
        if self.at_least is None and self.at_most is None:
            raise GateError(f"gate {self.title!r}: give at_least, at_most or both")
        if self.at_least is not None and self.at_most is not None and self.at_least > self.at_most:
            raise GateError(
                f"gate {self.title!r}: at_least {self.at_least:g} > at_most {self.at_most:g}"
            )

    def _bounds(self) -> str:
        parts = []
        if self.at_least is not None:
            parts.append(f"≥ {_limit(self.at_least)}")
        if self.at_most is not None:
            parts.append(f"≤ {_limit(self.at_most)}")
        return " and ".join(parts)

    def describe(self) -> str:
        metric = self.metric or "deciding measure"
        return f"{self.family} {metric} {self.statistic} {self._bounds()}"

    def _holds(self, value: float) -> bool:
        if not math.isfinite(value):
            return False
        low_ok = self.at_least is None or value >= self.at_least
        return low_ok and (self.at_most is None or value <= self.at_most)

    def _badness(self, value: float) -> float:
        if not math.isfinite(value):
            return math.inf
        below = (self.at_least - value) if self.at_least is not None else 0.0
        above = (value - self.at_most) if self.at_most is not None else 0.0
        return max(below, above)

    def judge(self, result: RunResult, cell: Cell) -> Check:
        value = _finite(getattr(cell, self.statistic))
        passed = self._holds(value)
        signed = not self.statistic.startswith("p_") and self.statistic != "n"
        limits = [b for b in (self.at_least, self.at_most) if b is not None]
        whole = self.statistic == "n" and math.isfinite(value)
        shown = str(int(value)) if whole else _against(value, limits, signed)
        outcome = f"{self.statistic} {shown}, needs {self._bounds()}"
        if self.statistic in STRATUM_STATISTICS:
            strata = _strata(
                result,
                cell,
                lambda s: not self._holds(_finite(getattr(s, self.statistic))),
                lambda s: self._badness(_finite(getattr(s, self.statistic))),
            )
        else:
            strata = _strata(result, cell, lambda s: s.significant, lambda s: abs(s.delta))
        return self._check(result, cell, passed, outcome, strata)


@dataclass(frozen=True)
class Equivalent(CellRule):
    """The change is shown to be small: its 95% CI lies inside ±margin (TOST at 2.5% a
    side), e.g. paraphrase ΔnDCG@10 equivalent within ±0.02."""

    margin: float = 0.05

    def __post_init__(self) -> None:
        if not (math.isfinite(self.margin) and self.margin > 0):
            raise GateError(f"gate {self.title!r}: margin must be > 0, got {self.margin:g}")

    def describe(self) -> str:
        metric = self.metric or "deciding measure"
        return f"{self.family} Δ{metric} equivalent within ±{_limit(self.margin)}"

    def _inside(self, low: float, high: float) -> bool:
        return (
            math.isfinite(low) and math.isfinite(high) and -self.margin < low <= high < self.margin
        )

    def judge(self, result: RunResult, cell: Cell) -> Check:
        low, high = _finite(cell.ci_low), _finite(cell.ci_high)
        limits = (-self.margin, self.margin)
        outcome = (
            f"95% CI [{_against(low, limits)}, {_against(high, limits)}], "
            f"needs inside ±{_limit(self.margin)}"
        )
        strata = _strata(
            result,
            cell,
            lambda s: math.isfinite(s.delta) and abs(s.delta) >= self.margin,
            lambda s: abs(s.delta),
        )
        return self._check(result, cell, self._inside(low, high), outcome, strata)


@dataclass(frozen=True)
class VerdictIs(CellRule):
    """The family's verdict is one of ``allowed`` (e.g. not ``breaks``)."""

    allowed: tuple[str, ...] = ("holds",)

    def __post_init__(self) -> None:
        unknown = [v for v in self.allowed if v not in VERDICTS]
        if unknown or not self.allowed:
            raise GateError(
                f"gate {self.title!r}: unknown verdict {', '.join(unknown) or '(none)'} "
                f"(choose from {', '.join(VERDICTS)})"
            )
        if self.metric is not None:
            raise GateError(f"gate {self.title!r}: a verdict gate takes no metric")

    def describe(self) -> str:
        return f"{self.family} verdict is {fmt.join(list(self.allowed), 'or')}"

    def judge(self, result: RunResult, cell: Cell) -> Check:
        passed = cell.verdict is not None and cell.verdict.value in self.allowed
        outcome = f"verdict {cell.verdict}, needs {fmt.join(list(self.allowed), 'or')}"
        if cell.expectation is ExpectationKind.SENSITIVE:
            # a significant drop is the reading a sensitive family wants: only rises fail
            strata = _strata(result, cell, *_worse_strata(cell))
        else:
            strata = _strata(result, cell, lambda s: s.significant, lambda s: abs(s.delta))
        return self._check(result, cell, passed, outcome, strata)


@dataclass(frozen=True)
class NotWorse(Rule):
    """Not significantly worse than a baseline run: the paired change over the shared queries
    (``probe compare``) must not be a significant step in the bad direction. ``family`` may be
    ``"*"`` for every family both runs have."""

    baseline: str | Path | RunResult = ""
    alpha: float | None = None
    pairs: tuple[tuple[str, str], ...] = ()
    _loaded: list[RunResult] = field(default_factory=list, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.baseline, RunResult) and not str(self.baseline):
            raise GateError(f"gate {self.title!r}: give the baseline results file")
        if self.alpha is not None and not 0 < self.alpha < 1:
            raise GateError(f"gate {self.title!r}: alpha must be in (0, 1), got {self.alpha:g}")

    def describe(self) -> str:
        family = "any family" if self.family == "*" else self.family
        label = (
            "the baseline"
            if isinstance(self.baseline, RunResult)
            else Path(str(self.baseline)).name
        )
        return f"not significantly worse than {label} on {family}"

    def base(self) -> RunResult:
        if isinstance(self.baseline, RunResult):
            return self.baseline
        if not self._loaded:
            from instructprobe.probes.results import read_results

            try:
                self._loaded.append(read_results(self.baseline))
            except InstructprobeError as error:
                raise GateError(f"gate {self.title!r}: baseline {error}") from None
        return self._loaded[0]

    def evaluate(self, result: RunResult) -> list[Check]:
        from instructprobe.probes.compare import Call, compare

        families = [f.value for f in result.families()]
        if self.family != "*" and self.family not in families:
            raise GateError(
                f"gate {self.title!r}: the run has no family {self.family!r} "
                f"(it has {', '.join(families)})"
            )
        pairs = self.pairs or tuple((r, r) for r in self.retrievers)
        try:
            comparison = compare(
                self.base(), result, pairs, all_metrics=self.metric is not None, alpha=self.alpha
            )
        except GateError:
            raise
        except ProbeError as error:
            raise GateError(f"gate {self.title!r}: {error}") from None
        checks = []
        measure = self.measure()
        for change in comparison.changes:
            if self.family not in ("*", change.family.value):
                continue
            if measure is not None and change.metric != measure:
                continue
            if self.metric is None and not change.decides:
                continue
            if self.retrievers and change.retriever not in self.retrievers:
                continue
            cell = next(
                c
                for c in result.cells
                if (c.retriever, c.family, c.metric)
                == (change.retriever, change.family, change.metric)
            )
            outcome = (
                f"change {_value(change.change)} [{_value(change.ci_low)}, "
                f"{_value(change.ci_high)}] against {change.base_retriever} (Δ "
                f"{_value(change.base)} → {_value(change.candidate)} over {change.n} shared "
                f"queries), {comparison.correction}-adjusted p "
                f"{_p_against(change.p_adjusted, comparison.alpha)}: "
                f"{change.call}"
            )
            strata = _strata(result, cell, *_worse_strata(cell))
            check = self._check(result, cell, change.call is not Call.WORSE, outcome, strata)
            change_numbers = (
                ("change", _value(change.change)),
                ("change_p_adjusted", _value(change.p_adjusted, signed=False)),
            )
            checks.append(replace(check, properties=(*check.properties, *change_numbers)))
        if not checks:
            raise GateError(f"gate {self.title!r}: nothing in common with the baseline to compare")
        return checks


def _worse_strata(
    cell: Cell,
) -> tuple[Callable[[Stratum], bool], Callable[[Stratum], float]]:
    """Strata that moved significantly the bad way for the cell's metric and expectation, and
    how far."""
    down = -1.0 if rise_is_better(cell.metric, cell.expectation) else 1.0
    return (lambda s: s.significant and down * s.delta > 0), (lambda s: down * s.delta)


def evaluate(result: RunResult, rules: Iterable[Rule]) -> list[Check]:
    return [check for rule in rules for check in rule.evaluate(result)]


def check(result: RunResult, *rules: Rule) -> list[Check]:
    """Evaluate ``rules``; raise ``GateFailure`` (an AssertionError, so pytest shows it as a
    test failure with every number) when any check fails."""
    __tracebackhide__ = True
    checks = evaluate(result, rules)
    if not all(c.passed for c in checks):
        raise GateFailure(checks)
    return checks
