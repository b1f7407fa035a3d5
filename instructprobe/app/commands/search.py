"""``probe search``: adversarial, shrunk instruction edits that should not move the ranking."""

from __future__ import annotations

import argparse
from pathlib import Path

from instructprobe.app.commands import Commands
from instructprobe.app.commands import args as types


def add(commands: Commands) -> None:
    search = commands.add_parser(
        "search",
        help="search for minimal meaning-preserving edits that flip the top result",
        description=(
            "For each query, hypothesis searches chains of invariant edits (paraphrase, "
            "reorder, noise) for one that changes the top result or pushes a relevant document "
            "out of the top 10, shrinks it to a minimal edit and prints it. Failures are kept in "
            "a replay database and re-checked first next time."
        ),
    )
    search.add_argument(
        "--retriever",
        "-r",
        required=True,
        metavar="NAME",
        help="one retriever (as for 'probe run')",
    )
    search.add_argument(
        "--suite",
        default="starter",
        metavar="starter|PATH",
        help="suite name or path (default: starter)",
    )
    search.add_argument(
        "--query",
        action="append",
        metavar="ID",
        help="query id to search (repeatable; default: every query)",
    )
    search.add_argument(
        "--max-examples",
        type=types.positive_int,
        default=100,
        help="edits drawn per query; shrinking a break tries more (default: 100)",
    )
    search.add_argument(
        "--timeout",
        type=types.positive_int,
        default=60,
        metavar="S",
        help="seconds per query before giving up (default: 60)",
    )
    search.add_argument(
        "--seed",
        type=types.non_negative_int,
        default=0,
        help="seed of the search: the same seed and database give the same findings (default: 0)",
    )
    search.add_argument(
        "--database",
        type=types.output_folder,
        metavar="DIR",
        help="replay database (default: search-db in the cache folder, $INSTRUCTPROBE_CACHE_DIR "
        "else $XDG_CACHE_HOME/instructprobe else ~/.cache/instructprobe)",
    )
    search.add_argument("--quiet", "-q", action="store_true", help="no progress bars")
    search.set_defaults(handler=handle)


def default_database() -> Path:
    """``search-db`` in the cache folder a run uses (``$INSTRUCTPROBE_CACHE_DIR`` included)."""
    from instructprobe.retrievers.cache import default_cache_dir

    return default_cache_dir() / "search-db"


def handle(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.markup import escape

    from instructprobe.core.errors import OutputError, ProbeError
    from instructprobe.core.files import folder_problem
    from instructprobe.core.untrusted import printable
    from instructprobe.probes.plan import case_for, corpus_stats
    from instructprobe.probes.search import RankingCache, SearchSettings, search_case
    from instructprobe.reports.search import print_findings
    from instructprobe.retrievers.registry import resolve
    from instructprobe.suites import load_suite

    retriever = resolve(args.retriever)
    suite = load_suite(args.suite)
    queries = [q for q in suite.queries if not args.query or q.id in args.query]
    unknown = sorted(set(args.query or ()) - {q.id for q in queries})
    if unknown:
        raise ProbeError(f"unknown query id(s) in suite {suite.name!r}: {', '.join(unknown)}")
    database = args.database or default_database()
    if (problem := folder_problem(database)) is not None:  # before the search, not after it
        raise OutputError(f"replay database: {problem} (pass --database DIR)")
    settings = SearchSettings(
        max_examples=args.max_examples,
        timeout_s=float(args.timeout),
        seed=args.seed,
        database=database,
    )
    console = Console(stderr=True)
    index = retriever.index([d.id for d in suite.documents], [d.text for d in suite.documents])
    stats = corpus_stats(suite)
    findings = []
    from rich.progress import Progress

    with Progress(console=console, transient=True, disable=args.quiet) as bar:
        task = bar.add_task("searching", total=len(queries))
        for query in queries:
            bar.update(task, description=escape(printable(f"searching {query.id}")))
            cache = RankingCache(retriever, index, 1000, query.candidates)
            key = f"{retriever.name}|{suite.sha256}|{query.id}"
            found = search_case(case_for(query, suite), cache, stats, settings, key)
            findings.append((query.id, found))
            bar.advance(task)
    print_findings(findings, retriever.name)
    return 1 if any(f for _, f in findings) else 0
