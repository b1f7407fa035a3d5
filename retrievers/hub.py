"""Find a Hugging Face model locally, or fail fast with the fix; download only when online."""

from __future__ import annotations

import os

from instructprobe.retrievers.errors import RetrieverError

REACHABILITY_TIMEOUT_S = 3.0


def _offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").lower() in {"1", "true", "yes", "on"}


def locate(model_id: str, revision: str | None = None, local_hint: str | None = None) -> str:
    """A local directory holding ``model_id``: the hub cache if it is there, else a download.

    Never retries against an unreachable hub: one short reachability check, then a one-line
    error that says how to get the model. ``local_hint`` is how to name a local copy on the
    command line (``instructor-xl=DIR`` for a preset).
    """
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        return str(snapshot_download(model_id, revision=revision, local_files_only=True))
    except LocalEntryNotFoundError:
        pass
    fix = (
        f"download it where there is internet (`hf download {model_id}`, then copy the hub "
        "cache) or pass a local model directory"
        + (f" as --retriever {local_hint}" if local_hint else "")
    )
    if _offline():
        raise RetrieverError(
            f"model {model_id!r} is not in the local Hugging Face cache and HF_HUB_OFFLINE is set: "
            + fix
        )
    _check_reachable(model_id, revision, fix)
    return str(snapshot_download(model_id, revision=revision))


def _check_reachable(model_id: str, revision: str | None, fix: str) -> None:
    from huggingface_hub import HfApi
    from huggingface_hub.errors import RepositoryNotFoundError, RevisionNotFoundError

    try:
        HfApi().model_info(model_id, revision=revision, timeout=REACHABILITY_TIMEOUT_S)
    except (RepositoryNotFoundError, RevisionNotFoundError):
        raise RetrieverError(
            f"no model {model_id!r} on the Hugging Face hub (check the id, or log in for a "
            "gated model)"
        ) from None
    except Exception as error:  # network errors come from several libraries
        raise RetrieverError(
            f"model {model_id!r} is not in the local Hugging Face cache and the hub cannot be "
            f"reached ({type(error).__name__}): {fix}"
        ) from None
