"""One module per ``probe`` subcommand. Each has ``add(commands)``, which registers its parser
and sets ``handler``; modules import only the standard library at the top, so ``--help`` is
instant."""

from __future__ import annotations

import argparse
from typing import Any, Protocol

COMMAND_MODULES = (
    "instructprobe.app.commands.run",
    "instructprobe.app.commands.listing",
    "instructprobe.app.commands.setup",
    "instructprobe.app.commands.validate",
    "instructprobe.app.commands.fetch",
    "instructprobe.app.commands.cache",
    "instructprobe.app.commands.search",
    "instructprobe.app.commands.report",
    "instructprobe.app.commands.compare",
    "instructprobe.app.commands.gate",
)


class Commands(Protocol):
    """What ``ArgumentParser.add_subparsers()`` returns, as the commands use it (argparse
    names that type only privately)."""

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser: ...
