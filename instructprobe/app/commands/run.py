"""``probe run``: perturb, rank with each retriever, measure, test, report."""

from __future__ import annotations

import argparse
import sys

from instructprobe.app.commands import args as types
from instructprobe.perturb.model import Family

FAMILIES = tuple(f.value for f in Family)
DEFAULT_RETRIEVERS = "bm25,minilm"


def families(text: str) -> tuple[str, ...]:
    names = tuple(dict.fromkeys(n.strip() for n in text.split(",") if n.strip()))
    unknown = [n for n in names if n not in FAMILIES]
    if unknown or not names:
        named = ", ".join(unknown) if unknown else repr(text)
        raise argparse.ArgumentTypeError(
            f"unknown perturbation family {named} (choose from {','.join(FAMILIES)})"
        )
    return names


def add(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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
        metavar="NAME|FORMAT:PATH|PATH",
        help="suite name (see 'probe list suites'), FORMAT:PATH (beir, followir, mteb, nevir, "
        "instructir, instructir-lite, jsonl), hf:OWNER/NAME, or a suite file or data set "
        "folder; NAME@full ranks the whole corpus instead of candidate pools (default: starter)",
    )
    run.add_argument(
        "--perturb",
        type=families,
        default=FAMILIES,
        metavar="FAMILIES",
        help=f"comma-separated families (default: {','.join(FAMILIES)})",
    )
    run.add_argument(
        "--seed",
        type=types.non_negative_int,
        default=0,
        help="seed for perturbations and bootstrap (default: 0)",
    )
    run.add_argument(
        "--limit",
        type=types.positive_int,
        metavar="N",
        help="use only the first N queries of the suite",
    )
    run.add_argument("--out", type=types.output_file, metavar="FILE", help="write results as JSON")
    run.add_argument(
        "--depth",
        type=types.positive_int,
        default=1000,
        help="documents ranked per request (default: 1000)",
    )
    run.add_argument(
        "--margin",
        type=types.fraction,
        default=0.05,
        help="equivalence margin on ΔnDCG@10 (default: 0.05)",
    )
    run.add_argument(
        "--follow-margin",
        type=types.fraction,
        default=0.05,
        help="smallest p-MRR (on [-1, 1]) that counts as following (default: 0.05)",
    )
    run.add_argument(
        "--alpha", type=types.fraction, default=0.05, help="test level (default: 0.05)"
    )
    run.add_argument(
        "--correction",
        choices=("holm", "bh"),
        default="holm",
        help="multiple-comparison correction over the grid: Holm (family-wise) or "
        "Benjamini-Hochberg (false discovery rate) (default: holm)",
    )
    run.add_argument(
        "--resamples",
        type=types.positive_int,
        default=9999,
        help="bootstrap resamples (default: 9999)",
    )
    run.add_argument(
        "--batch-size", type=types.positive_int, default=64, help="encoder batch size (default: 64)"
    )
    run.add_argument(
        "--device",
        default=None,
        metavar="auto|cpu|cuda|mps",
        help="where models run (default: auto)",
    )
    run.add_argument(
        "--cache-dir",
        metavar="DIR",
        help="embedding cache (default: $INSTRUCTPROBE_CACHE_DIR, else "
        "$XDG_CACHE_HOME/instructprobe; see 'probe cache info')",
    )
    run.add_argument(
        "--no-cache", action="store_true", help="neither read nor write the embedding cache"
    )
    run.add_argument("--quiet", "-q", action="store_true", help="no progress bars")
    run.set_defaults(handler=handle)


def retriever_names(values: list[str] | None) -> tuple[str, ...]:
    joined = ",".join(values or [DEFAULT_RETRIEVERS])
    return tuple(dict.fromkeys(n.strip() for n in joined.split(",") if n.strip()))


def handle(args: argparse.Namespace) -> int:
    from rich.console import Console

    from instructprobe.app.console import RichProgress
    from instructprobe.probes.runner import RunConfig, Runner
    from instructprobe.probes.stats import Correction
    from instructprobe.probes.verdicts import Thresholds
    from instructprobe.reports.terminal import print_report
    from instructprobe.retrievers.cache import cache_dir_for
    from instructprobe.retrievers.dense import EncoderSettings
    from instructprobe.retrievers.registry import resolve
    from instructprobe.suites import load_suite

    cache_dir = cache_dir_for(args.cache_dir, args.no_cache)
    config = RunConfig(
        retrievers=retriever_names(args.retriever),
        families=tuple(Family(name) for name in args.perturb),
        seed=args.seed,
        limit=args.limit,
        depth=args.depth,
        resamples=args.resamples,
        thresholds=Thresholds(
            args.alpha, args.margin, args.follow_margin, Correction(args.correction)
        ),
        cache_dir=cache_dir,
    )
    encoder = EncoderSettings(batch_size=args.batch_size, device=args.device, cache_dir=cache_dir)
    retrievers = [resolve(name, encoder) for name in config.retrievers]
    suite = load_suite(args.suite, echo=lambda line: print(line, file=sys.stderr))
    progress = RichProgress(Console(stderr=True), enabled=not args.quiet)
    result = Runner(config, suite, progress).run(retrievers)
    print_report(result)
    if args.out:
        result.write_json(args.out)
        print(f"results written to {args.out}", file=sys.stderr)
    return 0
