"""pytest plugin (entry point ``pytest11``: ``instructprobe``): release gates in a model's own
test suite, with the same rules as ``probe gate``.

Fixtures:

- ``probe_spec`` (session): the run to judge, from the ini options ``probe_retrievers``,
  ``probe_suite``, ``probe_limit``, ``probe_seed``, ``probe_resamples`` and ``probe_families``;
  override it in a ``conftest.py`` to name the run in code.
- ``probe_runs`` (session): the runs made in this session, by spec; each is made once.
- ``probe_result`` (session): the run of ``probe_spec``, or the results file given by
  ``--probe-results FILE`` (or the ``probe_results`` ini option) instead of running.
- ``probe_gate``: ``probe_gate(*rules, result=None)`` checks the rules against
  ``probe_result`` (or ``result``). On failure the test fails with every failed check's numbers
  and the strata that fail too; each check's numbers also go to the test's
  ``user_properties``, which ``--junitxml`` writes out.

``--probe-save FILE`` writes the session's ``probe_result`` to FILE (atomically)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from instructprobe.app.gates import Check, Rule, RunCache, RunSpec
    from instructprobe.probes.results import RunResult

_CACHE: pytest.StashKey[RunCache] = pytest.StashKey()
_LOADED: pytest.StashKey[list[Path]] = pytest.StashKey()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("instructprobe", "instruction-following gates (instructprobe)")
    group.addoption(
        "--probe-results",
        metavar="FILE",
        help="judge this results file (probe run --out) instead of running the probes",
    )
    group.addoption(
        "--probe-save", metavar="FILE", help="write the session's probe run to FILE as JSON"
    )
    parser.addini("probe_retrievers", "retrievers to probe (default: bm25 minilm)", "args", [])
    parser.addini("probe_suite", "suite to probe (default: starter)", "string", "starter")
    parser.addini("probe_limit", "use only the first N queries", "string", "")
    parser.addini("probe_seed", "seed of perturbations and bootstrap (default 0)", "string", "0")
    parser.addini("probe_resamples", "bootstrap resamples (default 9999)", "string", "9999")
    parser.addini("probe_families", "perturbation families (default: all)", "args", [])
    parser.addini("probe_results", "results file to judge instead of running", "string", "")


def pytest_configure(config: pytest.Config) -> None:
    from instructprobe.app.gates import RunCache

    config.stash[_CACHE] = RunCache()
    config.stash[_LOADED] = []


def _integer(config: pytest.Config, name: str, minimum: int) -> int | None:
    text = str(config.getini(name)).strip()
    if not text:
        return None
    try:
        value = int(text)
    except ValueError:
        raise pytest.UsageError(f"ini option {name} must be an integer, got {text!r}") from None
    if value < minimum:
        raise pytest.UsageError(f"ini option {name} must be ≥ {minimum}, got {value}")
    return value


@pytest.fixture(scope="session")
def probe_spec(pytestconfig: pytest.Config) -> RunSpec:
    """The run the gates judge, from the ini options (override the fixture to set it in code)."""
    from instructprobe.app.gates import RunSpec

    settings: dict[str, Any] = {}
    retrievers = pytestconfig.getini("probe_retrievers")
    if retrievers:
        settings["retrievers"] = tuple(r for name in retrievers for r in name.split(",") if r)
    settings["suite"] = str(pytestconfig.getini("probe_suite")) or "starter"
    families = pytestconfig.getini("probe_families")
    if families:
        settings["families"] = tuple(families)
    for name, key, minimum in (
        ("probe_limit", "limit", 1),
        ("probe_seed", "seed", 0),
        ("probe_resamples", "resamples", 100),
    ):
        value = _integer(pytestconfig, name, minimum)
        if value is not None:
            settings[key] = value
    return RunSpec(**settings)


@pytest.fixture(scope="session")
def probe_runs(pytestconfig: pytest.Config) -> RunCache:
    """Runs made in this session, by spec: ``probe_runs.get(RunSpec(...))`` runs once."""
    return pytestconfig.stash[_CACHE]


def _results_file(config: pytest.Config) -> Path | None:
    option = config.getoption("--probe-results")
    if option:
        return Path(option)
    ini = str(config.getini("probe_results")).strip()
    return config.rootpath / ini if ini else None


@pytest.fixture(scope="session")
def probe_result(
    pytestconfig: pytest.Config, probe_spec: RunSpec, probe_runs: RunCache
) -> RunResult:
    """The run under test: the results file if one is given, else ``probe_spec`` run once."""
    from instructprobe.core.errors import InstructprobeError
    from instructprobe.probes.results import read_results

    path = _results_file(pytestconfig)
    try:
        if path is not None:
            result = read_results(path)
            pytestconfig.stash[_LOADED].append(path)
        else:
            result = probe_runs.get(probe_spec)
    except InstructprobeError as error:
        pytest.fail(f"instructprobe: {error}", pytrace=False)
    save = pytestconfig.getoption("--probe-save")
    if save:
        result.write_json(save)
    return result


@pytest.fixture
def probe_gate(
    request: pytest.FixtureRequest, probe_result: RunResult
) -> Callable[..., list[Check]]:
    """``probe_gate(*rules, result=None)``: check the rules; fail the test with the numbers."""
    from instructprobe.app.gates import GateError, evaluate

    def gate(*rules: Rule, result: RunResult | None = None) -> list[Check]:
        __tracebackhide__ = True
        try:
            checks = evaluate(result if result is not None else probe_result, rules)
        except GateError as error:
            pytest.fail(f"gate error: {error}", pytrace=False)
        for check in checks:
            for name, value in check.properties:
                request.node.user_properties.append((f"{check.subject} {name}", value))
            request.node.user_properties.append((f"{check.subject} passed", str(check.passed)))
        failed = [c for c in checks if not c.passed]
        if failed:
            pytest.fail(
                f"{len(failed)} of {len(checks)} gate check(s) failed\n"
                + "\n".join(c.report() for c in failed),
                pytrace=False,
            )
        return checks

    return gate


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    cache = config.stash.get(_CACHE, None)
    loaded = config.stash.get(_LOADED, [])
    if cache is None or not (cache.made or loaded):
        return
    terminalreporter.section("instructprobe")
    for spec in cache.made:
        seconds = cache.seconds.get(spec)
        took = f" in {seconds:.1f} s" if seconds is not None else " (given)"
        terminalreporter.write_line(f"ran once: {spec.describe()}{took}")
    for path in loaded:
        terminalreporter.write_line(f"judged results file {path}")
