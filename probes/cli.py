"""The ``probe`` command. Only the standard library is imported before a subcommand runs,
so ``probe --help`` answers at once."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

FAMILIES = ("paraphrase", "negation", "reorder", "strip")
DEFAULT_RETRIEVERS = "bm25,minilm"
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class _Parser(argparse.ArgumentParser):
    """Bad input is one line on stderr, never a usage dump or a traceback."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _positive_int(text: str) -> int:
    value = _int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def _non_negative_int(text: str) -> int:
    value = _int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer, got {text}")
    return value


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer, got {text!r}") from None


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1 (exclusive), got {text}")
    return value


def _families(text: str) -> tuple[str, ...]:
    names = tuple(dict.fromkeys(n.strip() for n in text.split(",") if n.strip()))
    unknown = [n for n in names if n not in FAMILIES]
    if unknown or not names:
        named = ", ".join(unknown) if unknown else repr(text)
        raise argparse.ArgumentTypeError(
            f"unknown perturbation family {named} (choose from {','.join(FAMILIES)})"
        )
    return names


def _out_path(text: str) -> Path:
    path = Path(text)
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a directory; give a file name")
    if not (path.parent if str(path.parent) else Path(".")).is_dir():
        raise argparse.ArgumentTypeError(f"directory {path.parent} does not exist")
    return path


def _add_run(commands: argparse._SubParsersAction[_Parser]) -> None:
    run = commands.add_parser(
        "run",
        help="perturb instructions, rank with each retriever, test where following breaks",
        description=(
            "Rank the suite's queries under the original instruction and under each "
            "perturbation family, then report per family and retriever the paired change "
            "(nDCG@10, p-MRR for negations, top-10 rank shift) with a bootstrap 95%% CI, a "
            "Wilcoxon p-value and a verdict: holds / breaks / inconclusive."
        ),
    )
    run.add_argument(
        "--retriever",
        "-r",
        action="append",
        metavar="NAME",
        help="preset (see 'probe list retrievers'), local model directory, Hugging Face id, or "
        "package.module:factory; repeat or comma-separate for several "
        f"(default: {DEFAULT_RETRIEVERS})",
    )
    run.add_argument(
        "--suite",
        default="starter",
        metavar="starter|PATH",
        help="built-in suite name or JSONL suite file (default: starter)",
    )
    run.add_argument(
        "--perturb",
        type=_families,
        default=FAMILIES,
        metavar="FAMILIES",
        help=f"comma-separated families (default: {','.join(FAMILIES)})",
    )
    run.add_argument(
        "--seed",
        type=_non_negative_int,
        default=0,
        help="seed for perturbations and bootstrap (default: 0)",
    )
    run.add_argument(
        "--limit", type=_positive_int, metavar="N", help="use only the first N queries of the suite"
    )
    run.add_argument("--out", type=_out_path, metavar="FILE", help="write results as JSON")
    run.add_argument(
        "--depth",
        type=_positive_int,
        default=1000,
        help="documents ranked per request (default: 1000)",
    )
    run.add_argument(
        "--margin",
        type=_fraction,
        default=0.05,
        help="equivalence margin on ΔnDCG@10 (default: 0.05)",
    )
    run.add_argument(
        "--follow-margin",
        type=_fraction,
        default=0.05,
        help="smallest p-MRR (on [-1, 1]) that counts as following (default: 0.05)",
    )
    run.add_argument("--alpha", type=_fraction, default=0.05, help="test level (default: 0.05)")
    run.add_argument(
        "--resamples", type=_positive_int, default=9999, help="bootstrap resamples (default: 9999)"
    )
    run.add_argument(
        "--batch-size", type=_positive_int, default=64, help="encoder batch size (default: 64)"
    )
    run.add_argument("--quiet", "-q", action="store_true", help="no progress bars")
    run.set_defaults(handler=_run)


def _add_list(commands: argparse._SubParsersAction[_Parser]) -> None:
    listing = commands.add_parser(
        "list",
        help="list retrievers, perturbations or suites",
        description="List what can be named on the command line.",
    )
    listing.add_argument("what", choices=("retrievers", "perturbations", "suites"))
    listing.set_defaults(handler=_list)


def _add_setup(commands: argparse._SubParsersAction[_Parser]) -> None:
    setup = commands.add_parser(
        "setup",
        help="install nltk's WordNet data (from Debian's wordnet packages or nltk)",
        description=(
            "Make WordNet available to nltk: copy Debian's /usr/share/wordnet (apt-get install "
            "wordnet-base wordnet-sense-index) into an nltk data folder, or download it with "
            "nltk where there is internet."
        ),
    )
    setup.add_argument("--target", type=Path, help="nltk data folder (default: <venv>/nltk_data)")
    setup.add_argument(
        "--source",
        type=Path,
        default=Path("/usr/share/wordnet"),
        help="Debian WordNet folder (default: /usr/share/wordnet)",
    )
    setup.set_defaults(handler=_setup)


def parser() -> _Parser:
    root = _Parser(
        prog="probe",
        description="Adversarial instruction-following tests for text retrievers.",
        epilog="Example: probe run --retriever minilm --suite starter --out results.json",
    )
    root.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = root.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=_Parser
    )
    for add in (_add_run, _add_list, _add_setup):
        add(commands)
    return root


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("instructprobe")
    except PackageNotFoundError:
        return "unknown"


def _retriever_names(values: Sequence[str] | None) -> tuple[str, ...]:
    joined = ",".join(values or [DEFAULT_RETRIEVERS])
    return tuple(dict.fromkeys(n.strip() for n in joined.split(",") if n.strip()))


def _run(args: argparse.Namespace) -> int:
    from rich.console import Console

    from perturb import Family
    from probes.console import RichProgress
    from probes.runner import RunConfig, Runner
    from probes.suites import load_suite
    from probes.verdicts import Thresholds
    from reports.terminal import print_report
    from retrievers.dense import EncoderSettings
    from retrievers.registry import resolve

    config = RunConfig(
        retrievers=_retriever_names(args.retriever),
        families=tuple(Family(name) for name in args.perturb),
        seed=args.seed,
        limit=args.limit,
        depth=args.depth,
        resamples=args.resamples,
        thresholds=Thresholds(args.alpha, args.margin, args.follow_margin),
    )
    suite = load_suite(args.suite)
    encoder = EncoderSettings(batch_size=args.batch_size)
    retrievers = [resolve(name, encoder) for name in config.retrievers]
    progress = RichProgress(Console(stderr=True), enabled=not args.quiet)
    result = Runner(config, suite, progress).run(retrievers)
    print_report(result)
    if args.out:
        result.write_json(args.out)
        print(f"results written to {args.out}", file=sys.stderr)
    return 0


def _list(args: argparse.Namespace) -> int:
    from reports.listing import LISTINGS

    LISTINGS[args.what]()
    return 0


def _setup(args: argparse.Namespace) -> int:
    from perturb.nltk_setup import default_target, ensure_wordnet

    target = args.target or default_target()
    print(ensure_wordnet(target, args.source))
    return 0


def _user_errors() -> tuple[type[BaseException], ...]:
    from perturb.nltk_setup import WordNetSetupError
    from probes.errors import ProbeError
    from retrievers.errors import RetrieverError

    return (ProbeError, RetrieverError, WordNetSetupError)


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except KeyboardInterrupt:
        print("probe: interrupted; no results file was written", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as error:
        if isinstance(error, _user_errors()):
            print(f"probe: error: {error}", file=sys.stderr)
            return EXIT_USAGE
        raise


if __name__ == "__main__":
    sys.exit(main())
