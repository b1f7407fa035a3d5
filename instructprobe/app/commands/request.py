"""``probe run``'s flags, made from the run request's settings (one place for every default,
help text and check), and the request they give."""

from __future__ import annotations

import argparse
from typing import Any

from instructprobe.app.commands.args import output_folder
from instructprobe.probes.request import BY_NAME, SETTINGS, RunRequest, Setting, cli_label

DEFAULTS = RunRequest.__dataclass_fields__
SPECIAL = ("retrievers", "cache")


def add_request_arguments(parser: argparse.ArgumentParser) -> None:
    """One flag per setting of a run request; only the flags given reach the request."""
    retrievers = BY_NAME["retrievers"]
    parser.add_argument(
        *retrievers.cli_flags,
        dest="retrievers",
        action="append",
        default=argparse.SUPPRESS,
        metavar=retrievers.metavar,
        help=f"{retrievers.help} (default: {_default('retrievers')})",
    )
    cache = BY_NAME["cache"]
    parser.add_argument(
        *cache.cli_flags,
        dest="cache",
        action="store_false",
        default=argparse.SUPPRESS,
        help=f"neither {cache.help[0].lower()}{cache.help[1:]}",
    )
    for setting in SETTINGS:
        if setting.name in SPECIAL:
            continue
        default = _default(setting.name)
        if setting.repeatable:  # each value checked with the others, when the request is made
            parser.add_argument(
                *setting.cli_flags,
                dest=setting.name,
                action="append",
                default=argparse.SUPPRESS,
                metavar=setting.metavar,
                help=setting.help,
            )
            continue
        parser.add_argument(
            *setting.cli_flags,
            dest=setting.name,
            type=_checked(setting),
            default=argparse.SUPPRESS,
            metavar=setting.metavar,
            help=setting.help + (f" (default: {default})" if default else ""),
        )


def request_from_args(args: argparse.Namespace) -> RunRequest:
    values = {s.name: getattr(args, s.name) for s in SETTINGS if hasattr(args, s.name)}
    return RunRequest.create(values, label=cli_label)


def _checked(setting: Setting) -> Any:
    """argparse's ``type``: the setting's own conversion, its problem as argparse's error."""

    def convert(text: str) -> Any:
        try:
            value = setting.convert(text)
        except (ValueError, TypeError) as error:
            raise argparse.ArgumentTypeError(str(error)) from None
        if setting.folder and value is not None:
            output_folder(value)  # as --out is: an unwritable folder stops the command at once
        return value

    convert.__name__ = setting.name
    return convert


def _default(name: str) -> str:
    value = DEFAULTS[name].default
    if value is None:
        return ""
    if isinstance(value, tuple):
        return ",".join(str(v) for v in value)
    return str(value)
