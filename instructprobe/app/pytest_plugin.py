"""pytest plugin (entry point ``pytest11``: ``instructprobe``): release gates in a model's own
test suite, with the same rules as ``probe gate``.

Fixtures:

- ``probe_request`` (session): the run to judge, from the ini options ``probe_<setting>`` (one
  per setting of a run request: ``probe_retrievers``, ``probe_suite``, ``probe_limit``,
  ``probe_seed``, ``probe_cutoff``, ``probe_families``…); override it in a ``conftest.py`` to
  name the run in code (``RunRequest(retrievers="minilm", limit=20)``).
- ``probe_runs`` (session): the runs made in this session, by request; each is made once, with
  the same caches as ``probe run``.
- ``probe_result`` (session): the run of ``probe_request``, or the results file given by
  ``--probe-results=FILE`` (or the ``probe_results`` ini option) instead of running. When the
  run is named (an ini option, or the fixture overridden), the file must be that run.
- ``probe_gate``: ``probe_gate(*rules, result=None)`` checks the rules against
  ``probe_result`` (or ``result``). On failure the test fails with every failed check's numbers
  and the strata that fail too; each check's numbers also go to the test's
  ``user_properties``, which ``--junitxml`` writes out.

``--probe-save FILE`` writes the session's ``probe_result`` to FILE (atomically)."""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from instructprobe.app.gates import Check, Rule
    from instructprobe.app.runs import RunCache
    from instructprobe.probes.request import RunRequest
    from instructprobe.probes.results import RunResult

_CACHE: pytest.StashKey[RunCache] = pytest.StashKey()
_LOADED: pytest.StashKey[list[Path]] = pytest.StashKey()
_NAMED_BY_INI: pytest.StashKey[bool] = pytest.StashKey()
_INI_REQUEST: pytest.StashKey[RunRequest] = pytest.StashKey()
INI_PREFIX = "probe_"


def pytest_addoption(parser: pytest.Parser) -> None:
    from instructprobe.probes.request import SETTINGS

    group = parser.getgroup("instructprobe", "instruction-following gates (instructprobe)")
    group.addoption(
        "--probe-results",
        metavar="FILE",
        help="judge this results file (probe run --out) instead of running the probes",
    )
    group.addoption(
        "--probe-save", metavar="FILE", help="write the session's probe run to FILE as JSON"
    )
    for setting in SETTINGS:
        parser.addini(INI_PREFIX + setting.name, f"probe run: {setting.help}", "string", "")
    parser.addini("probe_results", "results file to judge instead of running", "string", "")


def pytest_configure(config: pytest.Config) -> None:
    from instructprobe.app.runs import RunCache
    from instructprobe.core.files import writable_problem

    config.stash[_CACHE] = RunCache()
    config.stash[_LOADED] = []
    # A bad value stops the session here, in one line, not with a traceback at each test.
    config.stash[_INI_REQUEST] = _ini_request(config)
    for option in ("--probe-results", "--probe-save"):
        _refuse_a_rootdir_taken_from(config, option)
    save = config.getoption("--probe-save", default=None)
    if save and (problem := writable_problem(save)) is not None:  # before the run, not after
        raise pytest.UsageError(f"--probe-save: {problem}")


def _refuse_a_rootdir_taken_from(config: pytest.Config, option: str) -> None:
    """pytest chooses its rootdir and ini file before it loads plugins, so in ``OPTION FILE``
    (two words) it takes an existing FILE for a test path, and FILE's folder takes part in the
    choice: the project's ini options and conftest files can be passed over. ``OPTION=FILE``
    is one word. Where FILE lies outside the folder pytest runs in, or its folder became the
    rootdir, the session stops here, in one line."""
    args = [str(a) for a in config.invocation_params.args]
    here = config.invocation_params.dir.resolve()
    for flag, value in pairwise(args):
        if flag != option or not (here / value).is_file():
            continue
        folder = (here / value).resolve().parent
        moved = config.rootpath.resolve() == folder != here
        if moved or not folder.is_relative_to(here):
            raise pytest.UsageError(
                f"instructprobe: pytest takes FILE of '{option} FILE' ({folder}) for a test "
                f"path when it chooses its rootdir (now {config.rootpath}), before it reads "
                f"the plugin's options; write {option}=FILE"
            )


def _ini_values(config: pytest.Config) -> dict[str, str]:
    from instructprobe.probes.request import SETTINGS

    return {
        s.name: text for s in SETTINGS if (text := str(config.getini(INI_PREFIX + s.name)).strip())
    }


def _ini_request(config: pytest.Config) -> RunRequest:
    from instructprobe.core.errors import RequestError
    from instructprobe.probes.request import RunRequest, ini_label

    try:
        return RunRequest.create(_ini_values(config), label=ini_label)
    except RequestError as error:
        raise pytest.UsageError(f"instructprobe: {error}") from None


@pytest.fixture(scope="session")
def probe_request(pytestconfig: pytest.Config) -> RunRequest:
    """The run the gates judge, from the ini options (override the fixture to set it in code)."""
    pytestconfig.stash[_NAMED_BY_INI] = bool(_ini_values(pytestconfig))
    return pytestconfig.stash[_INI_REQUEST]


@pytest.fixture(scope="session")
def probe_runs(pytestconfig: pytest.Config) -> RunCache:
    """Runs made in this session, by request: ``probe_runs.get(RunRequest(...))`` runs once."""
    return pytestconfig.stash[_CACHE]


def _results_file(config: pytest.Config) -> Path | None:
    option = config.getoption("--probe-results")
    if option:
        return Path(option)
    ini = str(config.getini("probe_results")).strip()
    return config.rootpath / ini if ini else None


@pytest.fixture(scope="session")
def probe_result(
    pytestconfig: pytest.Config, probe_request: RunRequest, probe_runs: RunCache
) -> RunResult:
    """The run under test: the results file if one is given, else ``probe_request`` run once."""
    from instructprobe.app.runs import read_for
    from instructprobe.core.errors import InstructprobeError

    path = _results_file(pytestconfig)
    named = pytestconfig.stash.get(_NAMED_BY_INI, True)  # unset: the fixture was overridden
    try:
        if path is not None:
            request = probe_request if named else None
            result = read_for(path, request, "the probe_request fixture (or probe_* ini options)")
            pytestconfig.stash[_LOADED].append(path)
        else:
            result = probe_runs.get(probe_request)
    except InstructprobeError as error:
        pytest.fail(f"instructprobe: {error}", pytrace=False)
    save = pytestconfig.getoption("--probe-save")
    if save:
        from instructprobe.probes.results import save_results

        try:
            save_results(result, save)
        except InstructprobeError as error:  # the results are kept elsewhere; the message says
            pytest.fail(f"instructprobe: {error}", pytrace=False)
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
    for key in cache.made:
        request, _ = key
        seconds = cache.seconds.get(key)
        took = f" in {seconds:.1f} s" if seconds is not None else " (given)"
        terminalreporter.write_line(f"ran once: {request.describe()}{took}")
    for path in loaded:
        terminalreporter.write_line(f"judged results file {path}")
