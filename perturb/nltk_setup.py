"""Make WordNet available to nltk, offline from Debian's packages or online through nltk.

Debian's ``wordnet-base`` ships the WordNet 3.0 database files nltk reads, except ``lexnames``
(lexnames(5WN)); we copy the files (not links: nltk's reader opens them by name inside the
corpus folder) and write ``lexnames`` from the manual page's table.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from instructprobe.core.errors import PerturbError

WORDNET_FILES = (
    "adj.exc",
    "adv.exc",
    "cntlist",
    "cntlist.rev",
    "data.adj",
    "data.adv",
    "data.noun",
    "data.verb",
    "index.adj",
    "index.adv",
    "index.noun",
    "index.sense",
    "index.verb",
    "noun.exc",
    "verb.exc",
)

LEXNAMES = (
    "adj.all",
    "adj.pert",
    "adv.all",
    "noun.Tops",
    "noun.act",
    "noun.animal",
    "noun.artifact",
    "noun.attribute",
    "noun.body",
    "noun.cognition",
    "noun.communication",
    "noun.event",
    "noun.feeling",
    "noun.food",
    "noun.group",
    "noun.location",
    "noun.motive",
    "noun.object",
    "noun.person",
    "noun.phenomenon",
    "noun.plant",
    "noun.possession",
    "noun.process",
    "noun.quantity",
    "noun.relation",
    "noun.shape",
    "noun.state",
    "noun.substance",
    "noun.time",
    "verb.body",
    "verb.change",
    "verb.cognition",
    "verb.communication",
    "verb.competition",
    "verb.consumption",
    "verb.contact",
    "verb.creation",
    "verb.emotion",
    "verb.motion",
    "verb.perception",
    "verb.possession",
    "verb.social",
    "verb.stative",
    "verb.weather",
    "adj.ppl",
)
_SYNTACTIC_CATEGORY = {"noun": 1, "verb": 2, "adj": 3, "adv": 4}


class WordNetSetupError(PerturbError):
    """WordNet cannot be installed or read for nltk."""


def lexnames_text() -> str:
    """The 45-line lexnames file: file number, lexicographer file name, syntactic category."""
    lines = (
        f"{number:02d}\t{name}\t{_SYNTACTIC_CATEGORY[name.split('.')[0]]}"
        for number, name in enumerate(LEXNAMES)
    )
    return "\n".join(lines) + "\n"


def default_target() -> Path:
    """``<prefix>/nltk_data``: on nltk's default search path for this interpreter."""
    return Path(sys.prefix) / "nltk_data"


def install_from_debian(source: Path, target: Path) -> Path:
    missing = [name for name in WORDNET_FILES if not (source / name).is_file()]
    if missing:
        raise WordNetSetupError(
            f"{source} lacks {', '.join(missing[:3])}: apt-get install wordnet-base "
            "wordnet-sense-index"
        )
    corpus = target / "corpora" / "wordnet"
    corpus.mkdir(parents=True, exist_ok=True)
    for name in WORDNET_FILES:
        shutil.copyfile(source / name, corpus / name)
    (corpus / "lexnames").write_text(lexnames_text(), encoding="ascii")
    return corpus


def wordnet_loads(target: Path) -> bool:
    import nltk

    if str(target) not in nltk.data.path:
        nltk.data.path.insert(0, str(target))
    try:
        from nltk.corpus import wordnet

        return bool(wordnet.synsets("dog"))
    except LookupError:
        return False


def ensure_wordnet(target: Path, source: Path) -> str:
    """Install WordNet for nltk if it is not loadable yet; say what was done."""
    if wordnet_loads(target):
        return f"WordNet already available to nltk ({target})"
    if source.is_dir():
        corpus = install_from_debian(source, target)
    else:
        import nltk

        if not nltk.download("wordnet", download_dir=str(target), quiet=True):
            raise WordNetSetupError(
                f"no WordNet at {source} and nltk.download failed: on Debian, apt-get install "
                "wordnet-base wordnet-sense-index, then run 'probe setup' again"
            )
        corpus = target / "corpora" / "wordnet"
    if not wordnet_loads(target):
        raise WordNetSetupError(f"WordNet was installed in {corpus} but nltk cannot read it")
    return f"WordNet installed for nltk in {corpus}"
