"""``probe report``: a results file as a terminal, Markdown, HTML or JSON report."""

from __future__ import annotations

import argparse
import sys

from instructprobe.app.commands import Commands
from instructprobe.app.commands import args as types

FORMATS = ("term", "md", "html", "json")


def add(commands: Commands) -> None:
    report = commands.add_parser(
        "report",
        help="render a results file: terminal, Markdown, self-contained HTML (with plots), JSON",
        description=(
            "Render a results file written by 'probe run --out'. term: the terminal report "
            "(colour only on a terminal, none with NO_COLOR); md and html: the long report with "
            "plots (per-family delta distributions, dose-response, rank moves), the worst "
            "examples and the environment; the HTML file needs no network; json: the results "
            "file itself, checked against the schema's version. --out writes atomically."
        ),
    )
    report.add_argument("results", type=types.existing_file, metavar="RESULTS.json")
    report.add_argument(
        "--format",
        "-f",
        choices=FORMATS,
        default=None,
        help="report format (default: from --out's suffix, else term)",
    )
    report.add_argument("--out", "-o", type=types.output_file, metavar="FILE", help="write here")
    report.add_argument(
        "--examples",
        type=types.non_negative_int,
        default=None,
        metavar="N",
        help="worst examples per family and retriever (default: 1 in term, 3 in md/html)",
    )
    report.add_argument(
        "--no-images",
        dest="images",
        action="store_false",
        help="md and html: leave the plots out (a Markdown report then holds only text)",
    )
    report.add_argument(
        "--width", type=types.positive_int, default=None, help="terminal width (default: auto)"
    )
    report.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from instructprobe.core.files import save_output
    from instructprobe.probes.results import read_results
    from instructprobe.reports.render import SUFFIXES, report

    result = read_results(args.results)
    form = args.format or (SUFFIXES.get(args.out.suffix.lower(), "term") if args.out else "term")
    if form == "term" and not args.out:
        from rich.console import Console

        from instructprobe.reports.terminal import EXAMPLES_PER_CELL, print_report

        console = Console(width=args.width) if args.width else Console()
        examples = EXAMPLES_PER_CELL if args.examples is None else args.examples
        print_report(result, console, examples)
        return 0
    text = report(result, form, args.examples, args.width or 80, args.images)
    if args.out:
        save_output(args.out, text, f"{form} report")
        print(
            f"{form} report written to {args.out} ({len(text.encode()):,} bytes)", file=sys.stderr
        )
    else:
        sys.stdout.write(text)
    return 0
