"""Where models run (``--device auto|cpu|cuda|mps``) and in which precision."""

from __future__ import annotations

import re
import sys
from typing import Any

from instructprobe.core.errors import RetrieverError

DEVICES = ("auto", "cpu", "cuda", "mps")
PRECISIONS = ("auto", "float32", "float16", "bfloat16")
_CUDA_INDEX = re.compile(r"^cuda:\d+$")


def resolve_device(requested: str | None) -> str:
    """A torch device name: ``auto`` (or None) picks CUDA, then Apple's MPS, then the CPU.

    Naming a device that torch cannot see is an error with the fix, not a silent fallback.
    """
    name = (requested or "auto").strip().lower()
    if name not in DEVICES and not _CUDA_INDEX.match(name):
        raise RetrieverError(
            f"unknown device {requested!r}: use one of {', '.join(DEVICES)} (or cuda:N)"
        )
    if name == "cpu" or (name == "auto" and _cpu_only_torch()):
        return "cpu"
    import torch

    cuda = torch.cuda.is_available()
    mps = bool(getattr(torch.backends, "mps", None)) and torch.backends.mps.is_available()
    if name == "auto":
        return "cuda" if cuda else "mps" if mps else "cpu"
    if name.startswith("cuda") and not cuda:
        build = "a CPU-only build" if torch.version.cuda is None else f"CUDA {torch.version.cuda}"
        raise RetrieverError(
            f"--device {name}: torch ({torch.__version__}, {build}) sees no CUDA device; "
            "use --device cpu or --device auto"
        )
    if name.startswith("cuda") and ":" in name:
        index = int(name.split(":")[1])
        if index >= torch.cuda.device_count():
            raise RetrieverError(
                f"--device {name}: only {torch.cuda.device_count()} CUDA device(s) are visible"
            )
    if name == "mps" and not mps:
        raise RetrieverError("--device mps: Apple's MPS is not available here; use --device auto")
    return name


def _cpu_only_torch() -> bool:
    """Whether the installed torch has no GPU back-end at all, read from its distribution's
    version without importing it (seconds): then ``auto`` can only mean the CPU. A build whose
    version does not say so counts as one that may have a GPU; on macOS (MPS) it always does."""
    if sys.platform == "darwin":
        return False
    from importlib.metadata import PackageNotFoundError, version

    try:
        installed = version("torch")
    except PackageNotFoundError:
        return False
    return installed.partition("+")[2] == "cpu"  # PyTorch's CPU wheels: "2.13.0+cpu"


def resolve_precision(precision: str, device: str, prefer_bfloat16: bool = False) -> str:
    """The dtype name for ``precision`` on ``device``: ``auto`` is half precision on a GPU.

    ``prefer_bfloat16`` is for T5-based models, whose activations overflow float16; it is used
    where the GPU supports bfloat16. The CPU and MPS stay in float32 under ``auto``. Only a GPU
    needs torch to answer.
    """
    if precision not in PRECISIONS:
        raise RetrieverError(f"unknown precision {precision!r}: use one of {', '.join(PRECISIONS)}")
    if precision != "auto":
        return precision
    if not device.startswith("cuda"):
        return "float32"
    import torch

    return "bfloat16" if prefer_bfloat16 and torch.cuda.is_bf16_supported() else "float16"


def run_precision(device: str | None, precision: str, prefer_bfloat16: bool = False) -> str:
    """The dtype name a model asked to run on ``device`` in ``precision`` will use: what the
    embedding cache and results files record."""
    return resolve_precision(precision, resolve_device(device), prefer_bfloat16)


def resolve_dtype(precision: str, device: str, prefer_bfloat16: bool = False) -> Any:
    """The torch dtype of ``resolve_precision``."""
    import torch

    return getattr(torch, resolve_precision(precision, device, prefer_bfloat16))


def dtype_kwargs(dtype: Any) -> dict[str, Any]:
    """``from_pretrained`` keywords for ``dtype``: ``dtype`` (transformers >= 4.56) or
    ``torch_dtype`` (older releases), float32 too: transformers 5 otherwise loads a checkpoint
    in the dtype it was saved in, so a half-precision checkpoint would run in half precision
    on a CPU while the cache and the results say float32."""
    from importlib.metadata import version

    major, minor = (int(part) for part in version("transformers").split(".")[:2])
    return {"dtype": dtype} if (major, minor) >= (4, 56) else {"torch_dtype": dtype}
