"""Reading results files with one-line errors, and writing reports atomically: a Ctrl-C during
a write leaves the previous file (or none), never half of one."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from instructprobe.probes.errors import ProbeError
from instructprobe.probes.results import RunResult


def read_results(path: str | Path) -> RunResult:
    """A results file, or one line saying why it cannot be read."""
    target = Path(path)
    if not target.is_file():
        raise ProbeError(f"{target}: no such results file")
    try:
        with target.open(encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, UnicodeDecodeError) as error:
        raise ProbeError(f"{target}: cannot be read ({error})") from None
    except json.JSONDecodeError as error:
        raise ProbeError(f"{target}:{error.lineno}: not JSON ({error.msg})") from None
    if not isinstance(data, dict):
        raise ProbeError(f"{target}: not a results file (the top level is not an object)")
    try:
        return RunResult.from_dict(data)
    except ValueError as error:
        raise ProbeError(f"{target}: {error}") from None
    except (KeyError, TypeError, AttributeError) as error:
        raise ProbeError(f"{target}: not a results file (missing or malformed {error})") from None


def write_atomic(path: str | Path, content: str | bytes) -> None:
    """Write to a temporary file beside ``path``, then rename it over ``path``."""
    target = Path(path)
    descriptor, temporary = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
    )
    try:
        os.chmod(temporary, 0o666 & ~_umask())
        data = content.encode("utf-8") if isinstance(content, str) else content
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
