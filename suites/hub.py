"""Data sets from the Hugging Face hub: the local cache first; a download only when online.

A data set is downloaded once (``snapshot_download(repo_type="dataset")``) into the hub cache
(``HF_HUB_CACHE`` / ``HF_HOME``) and read from there afterwards, offline. With
``HF_HUB_OFFLINE=1``, or when the hub cannot be reached within a few seconds, a data set that is
not in the cache fails at once with one line that says how to get it.
"""

from __future__ import annotations

import os
from pathlib import Path

from instructprobe.probes.errors import ProbeError

REACHABILITY_TIMEOUT_S = 3.0


def offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").lower() in {"1", "true", "yes", "on"}


def cache_dir() -> str | None:
    """``HF_HUB_CACHE`` as set now (the hub library reads it once, at import)."""
    return os.environ.get("HF_HUB_CACHE") or None


def cached(repo_id: str) -> Path | None:
    """The cached snapshot of ``repo_id``, or ``None``; never touches the network."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        path = snapshot_download(
            repo_id, repo_type="dataset", cache_dir=cache_dir(), local_files_only=True
        )
        return Path(path)
    except (LocalEntryNotFoundError, FileNotFoundError, OSError, ValueError):
        return None


def _fix(suite: str, repo_id: str, fmt: str) -> str:
    return (
        f"run 'probe fetch {suite}' where there is internet and copy the Hugging Face cache "
        f"here, or download {repo_id} yourself (hf download {repo_id} --repo-type dataset "
        f"--local-dir DIR) and pass --suite {fmt}:DIR"
    )


def locate(suite: str, repo_id: str, fmt: str) -> Path:
    """A folder holding data set ``repo_id``: the cached snapshot, else a download."""
    found = cached(repo_id)
    if found is not None:
        return found
    if offline():
        raise ProbeError(
            f"suite {suite!r} ({repo_id}) is not in the local Hugging Face cache and "
            f"HF_HUB_OFFLINE is set: {_fix(suite, repo_id, fmt)}"
        )
    _check_reachable(suite, repo_id, fmt)
    from huggingface_hub import snapshot_download

    try:
        return Path(snapshot_download(repo_id, repo_type="dataset", cache_dir=cache_dir()))
    except Exception as error:  # network and HTTP errors come from several libraries
        raise ProbeError(
            f"downloading {repo_id} failed ({type(error).__name__}): {_fix(suite, repo_id, fmt)}"
        ) from None


def _check_reachable(suite: str, repo_id: str, fmt: str) -> None:
    from huggingface_hub import HfApi
    from huggingface_hub.errors import RepositoryNotFoundError

    try:
        HfApi().dataset_info(repo_id, timeout=REACHABILITY_TIMEOUT_S)
    except RepositoryNotFoundError:
        raise ProbeError(
            f"no data set {repo_id!r} on the Hugging Face hub (check the id, or log in for a "
            "gated data set)"
        ) from None
    except Exception as error:  # network errors come from several libraries
        raise ProbeError(
            f"suite {suite!r} ({repo_id}) is not in the local Hugging Face cache and the hub "
            f"cannot be reached ({type(error).__name__}): {_fix(suite, repo_id, fmt)}"
        ) from None
