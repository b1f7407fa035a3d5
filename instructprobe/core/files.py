"""Files written whole or not at all: a Ctrl-C, a SIGTERM or a crash during a write leaves the
previous file (or none), never half of one, and no temporary file beside it. An output is
checked before the work that fills it starts, and content that cannot be written where asked
is kept elsewhere, never lost."""

from __future__ import annotations

import errno
import os
import secrets
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

from instructprobe.core.errors import CacheError, OutputError
from instructprobe.core.interrupts import checkpoint, signals_deferred


def write_atomic(path: str | Path, content: str | bytes) -> None:
    """Write to a temporary file beside ``path``, then rename it over ``path``.

    The file gets the permissions a plain ``open(path, "w")`` would give (0o666 less the
    umask), not ``mkstemp``'s private 0o600. ``OSError`` propagates; the temporary is removed,
    also when a signal stops the write.
    """
    target = Path(path)
    temporary = staged(target, content)
    try:
        checkpoint("write")
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def staged(path: str | Path, content: str | bytes) -> Path:
    """``content`` in a new temporary file beside ``path`` (a ``PendingFile``), to be renamed
    over it. ``OSError`` propagates; the temporary is removed, also when a signal stops the
    write."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    pending = PendingFile(path)
    try:
        with os.fdopen(pending.descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            return pending.named()
    except BaseException:
        pending.remove()
        raise


def replace_together(renames: Sequence[tuple[Path, Path]]) -> None:
    """Rename each temporary over its target (``(temporary, target)`` pairs): the files of one
    output, such as a results summary and the files it names by their hashes. No signal stops
    the renames half-way, and another process renaming in the same folder waits for them, so
    a reader finds the previous files or the new ones, never a mix. ``OSError`` propagates;
    the caller removes the temporaries."""
    checkpoint("write")
    folder = Path(os.path.commonpath([target.parent for _, target in renames]))
    with signals_deferred(), _folder_locked(folder):
        for temporary, target in renames:
            os.replace(temporary, target)


@contextmanager
def _folder_locked(folder: Path) -> Iterator[None]:
    """An exclusive lock on ``folder`` itself (``flock``): no file is made for it, and none is
    left when the process dies. Where the system or file system has no such lock, none."""
    try:
        import fcntl

        descriptor = os.open(folder, os.O_RDONLY)
    except (ImportError, OSError):
        yield
        return
    try:
        with suppress(OSError):
            fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # releases the lock


class PendingFile:
    """A new file for ``target``, written for long and named when it is done. Where the system
    can (Linux's ``O_TMPFILE``) it has no name until ``named`` gives it one beside ``target``,
    so a process killed while it writes leaves nothing behind; elsewhere it is a temporary file
    beside ``target`` from the start. ``descriptor`` is the open file (its mode 0o666 less the
    umask); ``remove`` takes the name away again. ``OSError`` propagates."""

    def __init__(self, target: str | Path) -> None:
        self.target = Path(target)
        self.temporary: Path | None = None
        with signals_deferred():  # the file and its name, or neither
            descriptor = _unnamed(self.target.parent)
            if descriptor is None:
                descriptor, name = tempfile.mkstemp(
                    dir=self.target.parent, prefix=f".{self.target.name}.", suffix=".tmp"
                )
                self.temporary = Path(name)
        self.descriptor = descriptor
        if self.temporary is not None:
            try:
                os.chmod(self.temporary, 0o666 & ~_umask())
            except BaseException:
                os.close(descriptor)
                self.remove()
                raise

    def named(self) -> Path:
        """Its name beside ``target``, to be renamed over it (given now if it had none; the
        descriptor must still be open)."""
        if self.temporary is None:
            with signals_deferred():  # the name, and knowing it
                self.temporary = _linked(self.descriptor, self.target)
        return self.temporary

    def remove(self) -> None:
        if self.temporary is not None:
            self.temporary.unlink(missing_ok=True)


def _unnamed(folder: Path) -> int | None:
    """A file in ``folder`` without a name, or None where the system or its file system makes
    none (or ``/proc``, through which it is named, is missing)."""
    flag = getattr(os, "O_TMPFILE", None)
    if flag is None or not os.path.isdir(_OPEN_FILES):
        return None
    try:
        return os.open(folder, flag | os.O_RDWR, 0o666)
    except OSError as error:
        if error.errno in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL):
            return None
        raise


_OPEN_FILES = "/proc/self/fd"


def _linked(descriptor: int, target: Path) -> Path:
    """A new temporary name beside ``target`` for the unnamed file ``descriptor``."""
    folder = os.open(target.parent, os.O_RDONLY)
    try:
        for _ in range(tempfile.TMP_MAX):
            name = f".{target.name}.{secrets.token_hex(4)}.tmp"
            with suppress(FileExistsError):
                # dst_dir_fd makes Python call linkat, which follows /proc's link to the file
                os.link(f"{_OPEN_FILES}/{descriptor}", name, dst_dir_fd=folder)
                return target.parent / name
    finally:
        os.close(folder)
    raise FileExistsError(errno.EEXIST, f"no free temporary name beside {target}")


class StreamedFile:
    """A text file written in pieces (a ``PendingFile``), which ``written`` closes and names,
    to be renamed over ``path`` with the other files of its output (``replace_together``), so
    it too appears whole or not at all; ``discard`` closes it and removes its name (after the
    rename it does nothing). ``OSError`` propagates."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._pending = PendingFile(self.path)
        self._handle = os.fdopen(self._pending.descriptor, "w", encoding="utf-8", newline="")

    def write(self, lines: Iterable[str]) -> None:
        self._handle.writelines(lines)

    def written(self) -> tuple[Path, Path]:
        """Close the file: (its temporary, its path), to rename with others
        (``replace_together``)."""
        self._handle.flush()
        temporary = self._pending.named()
        self._handle.close()
        return temporary, self.path

    def discard(self) -> None:
        self._handle.close()
        self._pending.remove()


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def writable_problem(path: str | Path) -> str | None:
    """Why a file cannot be written at ``path`` (a missing folder, no permission, a read-only
    file system), or None. It is tried, not inferred from permission bits, which say nothing
    of read-only mounts and of root."""
    target = Path(path)
    if target.is_dir():
        return f"{target} is a directory; give a file name"
    folder = target.parent
    if not folder.is_dir():
        return f"directory {folder} does not exist"
    try:
        descriptor, probe = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as error:
        return f"cannot write in {folder} ({error.strerror or error})"
    os.close(descriptor)
    os.unlink(probe)
    return None


def folder_problem(path: str | Path) -> str | None:
    """Why files cannot be written in the folder ``path`` (made when missing), or None."""
    folder = Path(path).expanduser()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        return f"cannot make folder {folder} ({error.strerror or error})"
    return writable_problem(folder / "probe")


def check_writable(path: str | Path) -> None:
    """``OutputError`` unless a file can be written at ``path``."""
    problem = writable_problem(path)
    if problem is not None:
        raise OutputError(problem)


def save_output(path: str | Path, content: str | bytes, what: str) -> None:
    """Write ``content`` atomically at ``path``. When that fails, it goes to a file in the
    temporary folder instead, and the ``OutputError`` raised says where: computed results are
    never lost to a full disk or a folder that became read-only."""
    try:
        write_atomic(path, content)
    except OSError as error:
        reason = error.strerror or str(error)
        kept = _keep_elsewhere(Path(path), content)
        where = f"it was saved to {kept} instead" if kept else "it could not be saved anywhere"
        raise OutputError(f"cannot write the {what} to {path} ({reason}); {where}") from None


def _keep_elsewhere(target: Path, content: str | bytes) -> Path | None:
    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        descriptor, name = tempfile.mkstemp(prefix=f"{target.stem}-", suffix=target.suffix)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
    except OSError:
        return None
    return Path(name)


def remove_cache_files(found: Sequence[Path]) -> None:
    """Delete a cache's files; a file that cannot be removed is a ``CacheError`` naming it."""
    for path in found:
        try:
            path.unlink(missing_ok=True)
        except OSError as error:
            raise CacheError(
                f"cannot remove {path} ({error.strerror or error}): the cache folder is "
                "read-only or not yours"
            ) from None
