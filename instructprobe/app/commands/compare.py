"""``probe compare``: a candidate run against a base run, paired over their shared queries."""

from __future__ import annotations

import argparse
import sys

from instructprobe.app.commands import Commands
from instructprobe.app.commands import args as types


def pair(text: str) -> tuple[str, str]:
    base, equals, candidate = text.partition("=")
    if not equals or not base.strip() or not candidate.strip():
        raise argparse.ArgumentTypeError(f"expected BASE=CANDIDATE retriever names, got {text!r}")
    return base.strip(), candidate.strip()


def add(commands: Commands) -> None:
    compare = commands.add_parser(
        "compare",
        help="what got better, what got worse, and is it real: candidate vs base results",
        description=(
            "Compare two results files of the same suite. For each cell both runs have, the "
            "candidate's change (candidate Δ − base Δ) is paired over the queries both runs "
            "measured, with a BCa bootstrap 95% CI and a Wilcoxon p-value adjusted over all "
            "compared cells (the candidate's correction unless --correction). Retrievers are "
            "paired by name, or the only one of each, or by --pair. Runs of different suites "
            "(sha256) or with no shared query are refused."
        ),
    )
    compare.add_argument("base", type=types.existing_file, metavar="BASE.json")
    compare.add_argument("candidate", type=types.existing_file, metavar="CANDIDATE.json")
    compare.add_argument(
        "--pair",
        type=pair,
        action="append",
        default=[],
        metavar="BASE=CANDIDATE",
        help="compare these retrievers (repeatable)",
    )
    compare.add_argument(
        "--all-metrics",
        action="store_true",
        help="compare every measure, not only each family's deciding one",
    )
    compare.add_argument("--alpha", type=types.fraction, default=None, help="test level")
    compare.add_argument("--correction", choices=("holm", "bh"), default=None)
    compare.add_argument(
        "--format", "-f", choices=("term", "md", "json"), default="term", help="(default: term)"
    )
    compare.add_argument("--out", "-o", type=types.output_file, metavar="FILE", help="write here")
    compare.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    import json

    from instructprobe.core.files import save_output
    from instructprobe.core.untrusted import json_printable
    from instructprobe.probes.compare import compare, to_dict
    from instructprobe.probes.results import read_results
    from instructprobe.reports.compare import render, render_markdown, render_text

    base, candidate = read_results(args.base), read_results(args.candidate)
    comparison = compare(
        base,
        candidate,
        tuple(args.pair),
        all_metrics=args.all_metrics,
        alpha=args.alpha,
        correction=args.correction,
    )
    labels = (str(args.base), str(args.candidate))
    if args.format == "term" and not args.out:
        from rich.console import Console

        Console().print(render(comparison, *labels))
        return 0
    if args.format == "json":
        text = json.dumps(to_dict(comparison), indent=1, ensure_ascii=False, allow_nan=False)
        text = json_printable(text) + "\n"
    elif args.format == "md":
        text = render_markdown(comparison, *labels)
    else:
        text = render_text(comparison, *labels)
    if args.out:
        save_output(args.out, text, "comparison")
        print(f"comparison written to {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0
