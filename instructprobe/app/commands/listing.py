"""``probe list``: what can be named on the command line."""

from __future__ import annotations

import argparse


def add(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    listing = commands.add_parser(
        "list",
        help="list retrievers, perturbations or suites",
        description="List what can be named on the command line.",
    )
    listing.add_argument("what", choices=("retrievers", "perturbations", "suites"))  # LISTINGS
    listing.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from instructprobe.app.listing import show

    show(args.what)
    return 0
