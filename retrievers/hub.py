"""Find a Hugging Face model locally, or fail fast with the fix; download only when online."""

from __future__ import annotations

from instructprobe.core.errors import RetrieverError
from instructprobe.core.hub import RepoType, Wanted, snapshot


def locate(model_id: str, revision: str | None = None, local_hint: str | None = None) -> str:
    """A local directory holding ``model_id``: the hub cache if it is there, else a download.

    ``local_hint`` is how to name a local copy on the command line (``instructor-xl=DIR`` for
    a preset).
    """
    fix = (
        f"download it where there is internet (`hf download {model_id}`, then copy the hub "
        "cache) or pass a local model directory"
        + (f" as --retriever {local_hint}" if local_hint else "")
    )
    wanted = Wanted(model_id, RepoType.MODEL, f"model {model_id!r}", fix, RetrieverError, revision)
    return str(snapshot(wanted))
