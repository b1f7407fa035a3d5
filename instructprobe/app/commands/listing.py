"""``probe list``: what can be named on the command line."""

from __future__ import annotations

import argparse

from instructprobe.app.commands import Commands


def add(commands: Commands) -> None:
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
