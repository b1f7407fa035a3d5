"""``probe setup``: WordNet for nltk, offline from Debian's packages or online through nltk."""

from __future__ import annotations

import argparse
from pathlib import Path

from instructprobe.app.commands import Commands


def add(commands: Commands) -> None:
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
    setup.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from instructprobe.perturb.nltk_setup import default_target, ensure_wordnet

    print(ensure_wordnet(args.target or default_target(), args.source))
    return 0
