"""The Hugging Face hub, offline first: models and data sets come from the local cache; a
download happens only when the hub is reachable, and never after a long retry.

``HF_HUB_OFFLINE=1`` (set by ``make``) means: the cache or a one-line error. Online, one short
reachability check comes first, so an unreachable hub fails within seconds with the fix instead
of the hub library's minute of retries.
"""

from __future__ import annotations

import enum
import os
from dataclasses import dataclass
from pathlib import Path

from instructprobe.core.errors import InstructprobeError

REACHABILITY_TIMEOUT_S = 3.0


class RepoType(enum.Enum):
    MODEL = "model"
    DATASET = "dataset"

    @property
    def noun(self) -> str:
        return "model" if self is RepoType.MODEL else "data set"


@dataclass(frozen=True)
class Wanted:
    """A repository to find, and how to talk about it in an error."""

    repo_id: str
    kind: RepoType
    subject: str
    """What the user asked for, e.g. ``model 'org/name'`` or ``suite 'x' (org/name)``."""
    fix: str
    """How to get it without this machine's help."""
    error: type[InstructprobeError]
    revision: str | None = None


def offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").lower() in {"1", "true", "yes", "on"}


def cache_dir() -> str | None:
    """``HF_HUB_CACHE`` as set now (the hub library reads it once, at import)."""
    return os.environ.get("HF_HUB_CACHE") or None


def quiet_progress() -> None:
    """Turn off transformers' and the hub's own progress bars, which would tear through ours."""
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]


def cached(repo_id: str, kind: RepoType, revision: str | None = None) -> Path | None:
    """The cached snapshot of ``repo_id``, or ``None``; never touches the network."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        path = snapshot_download(
            repo_id,
            repo_type=kind.value,
            revision=revision,
            cache_dir=cache_dir(),
            local_files_only=True,
        )
    except (LocalEntryNotFoundError, FileNotFoundError, OSError, ValueError):
        return None
    return Path(path)


def snapshot(wanted: Wanted) -> Path:
    """A local folder holding ``wanted``: the cached snapshot, else a download."""
    found = cached(wanted.repo_id, wanted.kind, wanted.revision)
    if found is not None:
        return found
    if offline():
        raise wanted.error(
            f"{wanted.subject} is not in the local Hugging Face cache and HF_HUB_OFFLINE is "
            f"set: {wanted.fix}"
        )
    _check_reachable(wanted)
    from huggingface_hub import snapshot_download

    try:
        path = snapshot_download(
            wanted.repo_id,
            repo_type=wanted.kind.value,
            revision=wanted.revision,
            cache_dir=cache_dir(),
        )
    except Exception as error:  # network and HTTP errors come from several libraries
        raise wanted.error(
            f"downloading {wanted.repo_id} failed ({type(error).__name__}): {wanted.fix}"
        ) from None
    return Path(path)


def _check_reachable(wanted: Wanted) -> None:
    from huggingface_hub import HfApi
    from huggingface_hub.errors import RepositoryNotFoundError, RevisionNotFoundError

    api = HfApi()
    info = api.model_info if wanted.kind is RepoType.MODEL else api.dataset_info
    try:
        info(wanted.repo_id, revision=wanted.revision, timeout=REACHABILITY_TIMEOUT_S)
    except (RepositoryNotFoundError, RevisionNotFoundError):
        noun = wanted.kind.noun
        raise wanted.error(
            f"no {noun} {wanted.repo_id!r} on the Hugging Face hub (check the id, or log in "
            f"for a gated {noun})"
        ) from None
    except Exception as error:  # network errors come from several libraries
        raise wanted.error(
            f"{wanted.subject} is not in the local Hugging Face cache and the hub cannot be "
            f"reached ({type(error).__name__}): {wanted.fix}"
        ) from None
