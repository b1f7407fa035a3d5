"""``probe validate``: read a suite as ``probe run`` would, and list every problem in it.

Exit status: 0 when there is no error (warnings are listed and allowed; ``--strict`` makes them
fail too), 1 when there are errors, 2 for bad usage (a name or path that reads nothing)."""

from __future__ import annotations

import argparse

from instructprobe.app.commands import Commands

EXIT_PROBLEMS = 1
SHOWN_PER_KIND = 5


def add(commands: Commands) -> None:
    validate = commands.add_parser(
        "validate",
        help="check a suite or data set: errors, warnings and counts",
        description=(
            "Read a suite (a known name, FORMAT:PATH, hf:OWNER/NAME or a path) and report every "
            "problem with its file and line: errors (malformed lines, missing fields, duplicate "
            "ids, empty texts) make it unusable; warnings are records left out, with counts, or "
            "suspicious data. Exit 0 without errors, 1 with errors (or warnings, with --strict)."
        ),
    )
    validate.add_argument("suite", metavar="NAME|FORMAT:PATH|PATH", help="the suite to check")
    validate.add_argument(
        "--instruction",
        metavar="TEXT",
        help="the instruction of every query that carries none, as 'probe run --instruction'",
    )
    validate.add_argument("--strict", action="store_true", help="warnings count as errors (exit 1)")
    validate.add_argument(
        "--all", action="store_true", help=f"list every problem (default: {SHOWN_PER_KIND} a kind)"
    )
    validate.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from instructprobe.core.untrusted import printable
    from instructprobe.suites import inspect_suite
    from instructprobe.suites.problems import describe_suite, grouped

    loaded = inspect_suite(args.suite, args.instruction)
    print(printable(f"{loaded.name} ({loaded.format}): {loaded.source}"))  # names from the file
    print("read: " + "; ".join(f"{n} {label}" for label, n in loaded.counts))
    if loaded.suite is not None:
        print(f"suite: {describe_suite(loaded.suite)}")
    for title, problems in (("errors", loaded.errors), ("warnings", loaded.warnings)):
        print(f"{title} ({len(problems)})")
        for kind, group in grouped(problems):
            shown = group if args.all else group[:SHOWN_PER_KIND]
            for problem in shown:
                print(f"  {printable(str(problem))}")
            if len(group) > len(shown):
                print(f"  … and {len(group) - len(shown)} more {kind} (--all lists them)")
    failed = bool(loaded.errors) or (args.strict and bool(loaded.warnings))
    verdict = "INVALID" if failed else "valid"
    print(f"{verdict}: {len(loaded.errors)} error(s), {len(loaded.warnings)} warning(s)")
    return EXIT_PROBLEMS if failed else 0
