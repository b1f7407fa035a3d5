"""``probe fetch``: download known hub suites into the Hugging Face cache, for offline runs."""

from __future__ import annotations

import argparse

from instructprobe.app.commands import Commands


def add(commands: Commands) -> None:
    fetch = commands.add_parser(
        "fetch",
        help="download hub suites (InstructIR, FollowIR, NevIR) for offline use",
        description=(
            "Download each named suite's data set once into the Hugging Face cache "
            "(HF_HUB_CACHE), then read and check it; later runs read it offline. "
            "'probe list suites' shows which are here already."
        ),
    )
    fetch.add_argument("suites", nargs="+", metavar="NAME", help="known suite names")
    fetch.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from instructprobe.core.errors import SuiteError
    from instructprobe.core.untrusted import printable
    from instructprobe.suites import KNOWN, inspect_suite

    unknown = [name for name in args.suites if name not in KNOWN]
    if unknown:
        raise SuiteError(f"unknown suite {', '.join(unknown)} (known suites: {', '.join(KNOWN)})")
    failed = False
    for name in args.suites:
        known = KNOWN[name]
        if known.hub_id is None:
            where = "built in" if known.builtin else "read from local files"
            print(f"{name}: {where}, nothing to download")
        loaded = inspect_suite(name)
        print(printable(f"{name}: {loaded.summary()}"))
        failed = failed or bool(loaded.errors)
    return 1 if failed else 0
