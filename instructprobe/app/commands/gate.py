"""``probe gate``: release gates for pipelines without pytest. Exit 0 when every check passes,
1 when one fails, 2 when the gates cannot be evaluated (a bad setting, a run that fails)."""

from __future__ import annotations

import argparse
import sys

from instructprobe.app.commands import Commands
from instructprobe.app.commands import args as types

EXIT_PASS, EXIT_FAIL, EXIT_ERROR = 0, 1, 2


def add(commands: Commands) -> None:
    gate = commands.add_parser(
        "gate",
        help="check release gates (a TOML file of rules) on a run: exit 0 pass, 1 fail, 2 error",
        description=(
            "Read a gates file (the run to make, or a results file, and the rules: bound, "
            "equivalent, verdict, not-worse; see docs/gates.md), make or read the run, and check "
            "every rule for every retriever. Prints one line per check, with the numbers and the "
            "failing strata. Exit 0 when all pass, 1 when any fails, 2 when the gates cannot be "
            "evaluated. --junit writes JUnit XML for CI."
        ),
    )
    gate.add_argument("gates", metavar="GATES.toml", help="the gates file")
    gate.add_argument(
        "--results",
        type=types.existing_file,
        metavar="FILE",
        help="judge this results file instead of making the run; it must be the run that "
        "the gates file's [run] names",
    )
    gate.add_argument("--junit", type=types.output_file, metavar="FILE", help="write JUnit XML")
    gate.add_argument(
        "--save", type=types.output_file, metavar="FILE", help="write the run's results as JSON"
    )
    gate.add_argument("--quiet", "-q", action="store_true", help="no progress bars")
    gate.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """A user error is one line and exit 2; a bug keeps its traceback but exits 2 as well,
    so that 1 always means a gate failed."""
    from instructprobe.core.errors import InstructprobeError, OutputError
    from instructprobe.core.untrusted import one_line

    try:
        return _gate(args)
    except OutputError as error:  # the outputs are what failed: none is tried again
        print(f"probe gate: error: {one_line(error)}", file=sys.stderr)
        return EXIT_ERROR
    except InstructprobeError as error:
        message = one_line(error)
        print(f"probe gate: error: {message}", file=sys.stderr)
    except Exception as error:
        import traceback

        traceback.print_exc()
        message = one_line(f"internal error ({type(error).__name__}: {error})")
    if args.junit:
        from instructprobe.app.gates.junit import error_document
        from instructprobe.core.files import save_output

        try:
            save_output(
                args.junit, error_document(f"gates.{_stem(args.gates)}", message), "JUnit XML"
            )
        except OutputError as error:
            print(f"probe gate: error: {one_line(error)}", file=sys.stderr)
    return EXIT_ERROR


def _stem(path: str) -> str:
    from pathlib import Path

    return Path(path).stem


def _gate(args: argparse.Namespace) -> int:
    import time

    from instructprobe.app.gates import evaluate
    from instructprobe.app.gates.config import load
    from instructprobe.app.gates.junit import write
    from instructprobe.app.runs import make, read_for
    from instructprobe.core.untrusted import printable

    start = time.perf_counter()
    gates = load(args.gates)
    path = args.results or gates.results
    if path is not None:
        print(f"judging results file {printable(str(path))}", file=sys.stderr)
        result = read_for(path, gates.run, f"{args.gates}'s [run]")
    else:
        from rich.console import Console

        from instructprobe.app.console import RichProgress

        assert gates.run is not None  # load() requires [run] or results
        print(f"running {printable(gates.run.describe())}", file=sys.stderr)
        progress = RichProgress(Console(stderr=True), enabled=not args.quiet)
        result = make(gates.run, progress)
    if args.save:
        from instructprobe.probes.results import save_results

        save_results(result, args.save)
    checks = evaluate(result, gates.rules)
    for check in checks:
        print(printable(check.report(), lines=True))
    failed = sum(1 for c in checks if not c.passed)
    verdict = "FAILED" if failed else "passed"
    print(f"{verdict}: {len(checks) - failed} of {len(checks)} check(s) passed")
    if args.junit:
        write(args.junit, checks, f"gates.{_stem(args.gates)}", time.perf_counter() - start)
    return EXIT_FAIL if failed else EXIT_PASS
