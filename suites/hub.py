"""Data sets from the Hugging Face hub: the local cache first; a download only when online.

A data set is downloaded once (``snapshot_download(repo_type="dataset")``) into the hub cache
(``HF_HUB_CACHE`` / ``HF_HOME``) and read from there afterwards, offline. With
``HF_HUB_OFFLINE=1``, or when the hub cannot be reached within a few seconds, a data set that is
not in the cache fails at once with one line that says how to get it.
"""

from __future__ import annotations

from pathlib import Path

from instructprobe.core.errors import SuiteError
from instructprobe.core.hub import RepoType, Wanted, snapshot
from instructprobe.core.hub import cached as cached_snapshot


def cached(repo_id: str, revision: str | None = None) -> Path | None:
    """The cached snapshot of data set ``repo_id`` (at ``revision``), or ``None``; never
    touches the network."""
    return cached_snapshot(repo_id, RepoType.DATASET, revision)


def _fix(suite: str, repo_id: str, fmt: str, revision: str | None) -> str:
    pinned = f" --revision {revision}" if revision else ""
    return (
        f"run 'probe fetch {suite}' where there is internet and copy the Hugging Face cache "
        f"here, or download {repo_id} yourself (hf download {repo_id} --repo-type dataset"
        f"{pinned} --local-dir DIR) and pass --suite {fmt}:DIR"
    )


def locate(suite: str, repo_id: str, fmt: str, revision: str | None = None) -> Path:
    """A folder holding data set ``repo_id`` at ``revision`` (``None``: the newest): the
    cached snapshot, else a download."""
    at = f"@{revision[:12]}" if revision else ""
    subject = f"suite {suite!r} ({repo_id}{at})"
    fix = _fix(suite, repo_id, fmt, revision)
    return snapshot(Wanted(repo_id, RepoType.DATASET, subject, fix, SuiteError, revision))


def snapshot_revision(path: Path) -> str:
    """The commit a hub cache snapshot folder holds (``…/snapshots/<commit>``), else ``""``."""
    return path.name if path.parent.name == "snapshots" else ""
