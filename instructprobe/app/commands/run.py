"""``probe run``: perturb, rank with each retriever, measure, test, report."""

from __future__ import annotations

import argparse
import sys

from instructprobe.app.commands import Commands
from instructprobe.app.commands import args as types
from instructprobe.app.commands.request import add_request_arguments, request_from_args


def add(commands: Commands) -> None:
    run = commands.add_parser(
        "run",
        help="perturb instructions, rank with each retriever, test where following breaks",
        description=(
            "Rank the suite's queries under the original instruction and under each "
            "perturbation family, then report per family and retriever the paired change "
            "(nDCG@k, p-MRR for negations, top-k rank shift) with a 95% CI, a "
            "Wilcoxon p-value and a verdict from bounded-mean tests: holds / breaks / inconclusive."
        ),
    )
    add_request_arguments(run)
    run.add_argument(
        "--out",
        type=types.output_file,
        metavar="FILE",
        help="write the results: a JSON summary at FILE, the per-variant outcomes and the "
        "per-query values beside it (results.json: results.outcomes.parquet, "
        "results.per-query.parquet)",
    )
    run.add_argument("--quiet", "-q", action="store_true", help="no progress bars")
    run.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from rich.console import Console

    from instructprobe.app.console import RichProgress
    from instructprobe.probes.results import save_results
    from instructprobe.probes.runner import execute
    from instructprobe.reports.terminal import print_report

    request = request_from_args(args)
    progress = RichProgress(Console(stderr=True), enabled=not args.quiet)
    result = execute(request, progress, echo=echo)
    if args.out:  # before the report, so a closed terminal cannot lose the results
        save_results(result, args.out)
    print_report(result)
    if args.out:
        print(f"results written to {args.out}", file=sys.stderr)
    if request.runs_dir:
        print(f"run files written to {request.runs_dir} (manifest.json)", file=sys.stderr)
    return 0


def echo(line: str) -> None:
    """A line about the run on stderr (it may name the suite: made printable)."""
    from instructprobe.core.untrusted import printable

    print(printable(line), file=sys.stderr)
