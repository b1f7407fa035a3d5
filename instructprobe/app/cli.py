"""The ``probe`` command. Only the standard library is imported before a subcommand runs,
so ``probe --help`` answers at once."""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from importlib import import_module
from typing import Any, NoReturn

from instructprobe.app.commands import COMMAND_MODULES
from instructprobe.core.errors import InstructprobeError

EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    """Bad input is one line on stderr, never a usage dump or a traceback."""

    def error(self, message: str) -> NoReturn:
        from instructprobe.core.untrusted import one_line

        # argparse quotes arguments as typed (a file name, an unknown option) in some messages
        shown = one_line(message)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {shown} (see '{self.prog} --help')\n")


def parser() -> argparse.ArgumentParser:
    root = _Parser(
        prog="probe",
        description="Adversarial instruction-following tests for text retrievers.",
        epilog="Example: probe run --retriever minilm --suite starter --out results.json",
    )
    root.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = root.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=_Parser
    )
    for module in COMMAND_MODULES:
        import_module(module).add(commands)
    return root


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("instructprobe")
    except PackageNotFoundError:
        return "unknown"


def main(argv: Sequence[str] | None = None) -> int:
    """Run one subcommand. A user error is one line and exit 2; SIGINT and SIGTERM stop it
    with one line and 130 or 143, before any output file is replaced."""
    from instructprobe.core.interrupts import Interrupted, received, stop_on_signals
    from instructprobe.core.untrusted import one_line

    with stop_on_signals(), _one_line_warnings():
        try:
            args = parser().parse_args(argv)
            handler: Callable[[argparse.Namespace], int] = args.handler
            status = handler(args)
        except Interrupted as stop:
            return _interrupted(stop.number)
        except KeyboardInterrupt:
            return _interrupted(signal.SIGINT)
        except InstructprobeError as error:
            print(f"probe: error: {one_line(error)}", file=sys.stderr)
            return EXIT_USAGE
        lost = received()  # a signal whose exception a __del__ or callback swallowed
        return _interrupted(lost) if lost is not None else status


def _interrupted(number: int) -> int:
    name = "Ctrl-C" if number == signal.SIGINT else signal.Signals(number).name
    print(f"probe: interrupted ({name}); no output file was written", file=sys.stderr)
    return 128 + number


@contextmanager
def _one_line_warnings() -> Iterator[None]:
    """instructprobe's warnings (a damaged cache entry recomputed, a read-only cache) as one
    line each on stderr; other libraries' warnings as Python shows them."""
    import warnings

    from instructprobe.core.notices import InstructprobeWarning
    from instructprobe.core.untrusted import one_line

    shown = warnings.showwarning

    def show(message: Warning | str, category: type[Warning], *args: Any, **kwargs: Any) -> None:
        if issubclass(category, InstructprobeWarning):
            print(f"probe: warning: {one_line(message)}", file=sys.stderr)
        else:
            shown(message, category, *args, **kwargs)

    with warnings.catch_warnings():
        warnings.showwarning = show
        yield


if __name__ == "__main__":
    sys.exit(main())
