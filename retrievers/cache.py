"""A content-addressed embedding cache on disk: one SQLite file of float32 blobs, no pickle.

An entry's address is (namespace, sha256 of the exact model input text). The namespace is a
hash of everything else the vector depends on: the model's identity (the hub revision, or a
sha256 of the weight files), the role (query, document, or a scored (query, document) pair),
the prompt or instruction added around the text, the maximum length, the similarity
(normalised or not) and the precision. So the corpus is encoded once per model and setting,
across every perturbation and every run, and a rerun encodes only texts it has not seen.

Each encoded chunk is committed in one transaction (SQLite's journal makes it atomic), so a
Ctrl-C or a killed process leaves a valid cache holding every chunk finished before it.
Several processes may share one cache: SQLite serialises their writes.

The cache is untrusted input: every entry carries a checksum over its namespace, text and
vector, and every namespace the width of its vectors, so an entry that was altered or cut is
recomputed (and stored again) instead of used. A file SQLite finds damaged is removed and
rebuilt as vectors are computed; each of these says so in one warning. A cache that cannot be
written (a read-only mount, another user's folder) is read, and what it lacks is computed
without being stored.

The location is ``$INSTRUCTPROBE_CACHE_DIR``, else ``$XDG_CACHE_HOME/instructprobe``, else
``~/.cache/instructprobe``; ``probe run --cache-dir`` overrides it and ``--no-cache`` skips it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import time
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from instructprobe.core.errors import CacheError, RetrieverError
from instructprobe.core.files import remove_cache_files
from instructprobe.core.notices import CacheWarning

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

ENV_VAR = "INSTRUCTPROBE_CACHE_DIR"
FILENAME = "embeddings-v2.sqlite3"
"""The schema version is in the name: a new layout starts a new file, never misreads an old one
(version 2 added the checksums and widths)."""
OLD_FILENAMES = ("embeddings-v1.sqlite3",)
"""Files of earlier layouts, never read; ``probe cache clear`` removes them too."""
JOURNALS = ("-wal", "-shm", "-journal")
QUERY, DOCUMENT, PAIR = "query", "document", "pair"
_LOOKUP_CHUNK = 500
_HASH_BLOCK = 1 << 20
_CHECKSUM_BYTES = 16
_BUSY_SECONDS = 60
"""How long a process waits for another's lock on the cache file."""
_BUSY_PAUSE = 0.05
R = TypeVar("R")

# Rowid tables keep a row of up to a page in its leaf, so with 16 KiB pages a vector of up to
# ~4,000 float32 sits beside its key instead of in overflow pages (which a WITHOUT ROWID table
# needs for anything over ~1/4 page, tripling the size of MiniLM's 1.5 KiB vectors).
_SCHEMA = """
PRAGMA page_size = 16384;
CREATE TABLE IF NOT EXISTS namespaces (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL,
    width INTEGER
);
CREATE TABLE IF NOT EXISTS vectors (
    namespace INTEGER NOT NULL,
    text_hash BLOB NOT NULL,
    vector BLOB NOT NULL,
    checksum BLOB NOT NULL,
    UNIQUE (namespace, text_hash)
);
CREATE TABLE IF NOT EXISTS fingerprints (
    path TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    checksum BLOB NOT NULL
);
"""


def default_cache_dir() -> Path:
    """``$INSTRUCTPROBE_CACHE_DIR``, else ``$XDG_CACHE_HOME/instructprobe``, else ~/.cache/…"""
    if explicit := os.environ.get(ENV_VAR):
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "instructprobe"


def cache_dir_for(option: str | None, disabled: bool) -> str | None:
    """What ``probe run --cache-dir/--no-cache`` means for ``EncoderSettings.cache_dir``."""
    if disabled:
        return None
    return str(Path(option).expanduser() if option else default_cache_dir())


@dataclass(frozen=True)
class Namespace:
    """Everything an embedding depends on besides its input text."""

    model: str
    role: str
    prompt: str = ""
    max_length: int | None = None
    settings: Mapping[str, str] = field(default_factory=dict)
    """Other inputs to the vector: similarity, precision, pooling, the back-end."""
    label: str = field(default="", compare=False)
    """A readable name for ``probe cache info`` (the retriever's name); not part of the key."""

    def key_fields(self) -> dict[str, object]:
        return {
            "model": self.model,
            "role": self.role,
            "prompt": self.prompt,
            "max_length": self.max_length,
            "settings": dict(sorted(self.settings.items())),
        }

    def description(self) -> dict[str, object]:
        return {**self.key_fields(), "label": self.label}

    @property
    def id(self) -> str:
        canonical = json.dumps(self.key_fields(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class NamespaceUsage:
    description: dict[str, object]
    entries: int
    bytes: int


@dataclass(frozen=True)
class CacheInfo:
    directory: Path
    files: tuple[Path, ...]
    size_bytes: int
    entries: int
    namespaces: tuple[NamespaceUsage, ...]


def _text_hash(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


def checksum(*parts: bytes) -> bytes:
    """What an entry is checked against: a hash of its parts, each with its length."""
    digest = hashlib.blake2b(digest_size=_CHECKSUM_BYTES)
    for part in parts:
        digest.update(len(part).to_bytes(8, "little"))
        digest.update(part)
    return digest.digest()


def _fingerprint_checksum(path: str, size: int, mtime_ns: int, sha256: str) -> bytes:
    return checksum(path.encode("utf-8", "surrogatepass"), f"{size}:{mtime_ns}:{sha256}".encode())


def _damaged(error: sqlite3.DatabaseError) -> bool:
    """Whether SQLite says the file itself is damaged (not busy, locked or read-only)."""
    name = getattr(error, "sqlite_errorname", "")
    return name in ("SQLITE_CORRUPT", "SQLITE_NOTADB") or type(error) is sqlite3.DatabaseError


def _busy(error: sqlite3.DatabaseError) -> bool:
    """Whether another connection holds the lock asked for ("database is locked")."""
    name = getattr(error, "sqlite_errorname", "")
    return name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "database is locked" in str(error)


def _prepared(connection: sqlite3.Connection) -> sqlite3.Connection:
    """``connection`` with the tables made and the journal in WAL mode. While processes that
    started together make a new file, SQLite can answer "database is locked" at once instead
    of waiting (each would wait for the other: one holds the file for reading and asks to
    write, the other writes and waits for readers to leave); the loser tries again once its
    locks are let go, until the busy timeout."""
    deadline = time.monotonic() + _BUSY_SECONDS
    while True:
        try:
            connection.executescript(_SCHEMA)  # the page size only takes on a new file
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            return connection
        except sqlite3.OperationalError as error:
            if not _busy(error) or time.monotonic() > deadline:
                connection.close()
                raise
        time.sleep(_BUSY_PAUSE)


def _read_only_error(error: sqlite3.DatabaseError) -> bool:
    name = getattr(error, "sqlite_errorname", "")
    return name.startswith("SQLITE_READONLY") or "readonly" in str(error)


class EmbeddingCache:
    """The cache file in ``directory`` (created on first write)."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory).expanduser()
        self.path = self.directory / FILENAME
        self._connection: sqlite3.Connection | None = None
        self._read_only = False
        self._set_aside = False
        """Damaged and not removable: this process goes on without the cache."""
        self._said: set[str] = set()

    def __repr__(self) -> str:
        return f"EmbeddingCache({str(self.directory)!r})"

    @property
    def read_only(self) -> bool:
        """Whether the cache is read and never written (found so when it was opened)."""
        return self._read_only

    def _warn(self, kind: str, message: str) -> None:
        if kind not in self._said:
            self._said.add(kind)
            warnings.warn(message, CacheWarning, stacklevel=3)

    def _writable(self) -> bool:
        """Whether this process can write the cache: tried for a folder that does not exist
        yet, asked of the file system (which knows read-only mounts) otherwise."""
        if not self.directory.exists():
            try:
                self.directory.mkdir(parents=True, exist_ok=True)
            except OSError:
                return False
        if not os.access(self.directory, os.W_OK):
            return False
        return not self.path.exists() or os.access(self.path, os.W_OK)

    def _open(self) -> sqlite3.Connection:
        if self._writable():
            return _prepared(sqlite3.connect(self.path, timeout=_BUSY_SECONDS))
        self._read_only = True
        # SQLite reads a WAL database read-only when its -wal and -shm files exist or can be
        # made; in a folder that cannot be written and holds neither, immutable=1 reads the
        # file alone (then nothing can be writing it).
        journals = all(Path(f"{self.path}{suffix}").exists() for suffix in ("-wal", "-shm"))
        immutable = not journals and not os.access(self.directory, os.W_OK)
        mode = "ro&immutable=1" if immutable else "ro"
        uri = f"{self.path.resolve().as_uri()}?mode={mode}"
        return sqlite3.connect(uri, uri=True, timeout=_BUSY_SECONDS)

    def _use(self, action: Callable[[sqlite3.Connection], R], fallback: R) -> R:
        """``action`` on the open database. A damaged file is removed and ``action`` tried
        again on a new one; ``fallback`` when the cache was set aside (damaged and read-only)."""
        for _ in range(2):
            if self._set_aside:
                return fallback
            try:
                if self._connection is None:
                    self._connection = self._open()
                return action(self._connection)
            except sqlite3.DatabaseError as error:
                if not _damaged(error):
                    raise RetrieverError(
                        f"embedding cache {self.path} cannot be used ({error}): pass another "
                        "--cache-dir or --no-cache"
                    ) from None
                self._remove_damaged(error)
        return fallback

    def _remove_damaged(self, error: sqlite3.DatabaseError) -> None:
        self.close()
        if self._read_only or not self._writable():
            self._set_aside = True
            self._warn(
                "damaged",
                f"embedding cache {self.path} is damaged ({error}) and cannot be written: this "
                "run goes on without it",
            )
            return
        for suffix in ("", *JOURNALS):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        self._warn(
            "damaged",
            f"embedding cache {self.path} was damaged ({error}): it was removed, and vectors are "
            "computed and stored again",
        )

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def get(self, namespace: Namespace, texts: Sequence[str]) -> dict[str, npt.NDArray[np.float32]]:
        """The cached vectors of those ``texts`` that have one and pass their checks (a text →
        vector dict); an entry that fails them is left out, to be computed again."""
        if not texts or not self.path.exists():
            return {}
        return self._use(lambda connection: self._lookup(connection, namespace, texts), {})

    def _lookup(
        self, connection: sqlite3.Connection, namespace: Namespace, texts: Sequence[str]
    ) -> dict[str, npt.NDArray[np.float32]]:
        import numpy as np

        row = connection.execute(
            "SELECT id, width FROM namespaces WHERE key = ?", (namespace.id,)
        ).fetchone()
        if row is None:
            return {}
        number, width = row
        key = namespace.id.encode()
        by_hash = {_text_hash(t): t for t in texts}
        hashes = list(by_hash)
        found: dict[str, npt.NDArray[np.float32]] = {}
        failed = 0
        for start in range(0, len(hashes), _LOOKUP_CHUNK):
            chunk = hashes[start : start + _LOOKUP_CHUNK]
            marks = ",".join("?" * len(chunk))
            rows = connection.execute(
                f"SELECT text_hash, vector, checksum FROM vectors WHERE namespace = ? "
                f"AND text_hash IN ({marks})",
                (number, *chunk),
            )
            for text_hash, blob, stored in rows:
                text = by_hash.get(text_hash) if isinstance(text_hash, bytes) else None
                if (
                    text is None
                    or not isinstance(blob, bytes)
                    or not isinstance(width, int)
                    or len(blob) != 4 * width
                    or stored != checksum(key, text_hash, blob)
                ):
                    failed += 1
                    continue
                found[text] = np.frombuffer(blob, dtype="<f4")
        if failed:
            self._warn(
                "entries",
                f"embedding cache {self.path}: {failed} entr{'y' if failed == 1 else 'ies'} "
                "failed their checks (altered or cut) and are computed again",
            )
        return found

    def put(
        self, namespace: Namespace, texts: Sequence[str], vectors: npt.NDArray[np.floating]
    ) -> None:
        """Store one vector per text, all in one transaction (nothing when the cache cannot be
        written: the first such call says so in a warning)."""
        import numpy as np

        if len(texts) != len(vectors):
            raise ValueError(f"{len(texts)} texts but {len(vectors)} vectors")
        if not texts:
            return
        rows = np.ascontiguousarray(np.asarray(vectors).reshape(len(texts), -1), dtype="<f4")
        self._use(lambda connection: self._store(connection, namespace, texts, rows), None)

    def _store(
        self,
        connection: sqlite3.Connection,
        namespace: Namespace,
        texts: Sequence[str],
        rows: npt.NDArray[np.float32],
    ) -> None:
        if self._read_only:
            self._warn_read_only()
            return
        description = json.dumps(namespace.description(), sort_keys=True, ensure_ascii=False)
        key = namespace.id.encode()
        width = int(rows.shape[1])
        try:
            with connection:
                connection.execute(
                    "INSERT INTO namespaces (key, description, width) VALUES (?, ?, ?) "
                    "ON CONFLICT (key) DO UPDATE SET width = excluded.width",
                    (namespace.id, description, width),
                )
                (number,) = connection.execute(
                    "SELECT id FROM namespaces WHERE key = ?", (namespace.id,)
                ).fetchone()
                connection.executemany(
                    "INSERT OR REPLACE INTO vectors (namespace, text_hash, vector, checksum) "
                    "VALUES (?, ?, ?, ?)",
                    (
                        (number, text_hash, blob, checksum(key, text_hash, blob))
                        for text_hash, blob in (
                            (_text_hash(t), row.tobytes())
                            for t, row in zip(texts, rows, strict=True)
                        )
                    ),
                )
        except sqlite3.OperationalError as error:
            if not _read_only_error(error):
                raise
            self._read_only = True
            self._warn_read_only()

    def _warn_read_only(self) -> None:
        self._warn(
            "read-only",
            f"embedding cache {self.directory} cannot be written: it is read, and the vectors it "
            "lacks are computed but not stored",
        )

    def fingerprint(self, files: Iterable[tuple[str, Path]]) -> str:
        """A sha256 over (name, contents) of the files; each file's hash is remembered by its
        (path, size, mtime), so a large model is read once, not on every run."""
        overall = hashlib.sha256()
        for name, path in sorted(files):
            overall.update(f"{name}\0{self._file_digest(path)}\n".encode())
        return overall.hexdigest()

    def _file_digest(self, path: Path) -> str:
        stat = path.stat()
        key = str(path.resolve())
        remembered = self._use(
            lambda connection: connection.execute(
                "SELECT sha256, checksum FROM fingerprints "
                "WHERE path = ? AND size = ? AND mtime_ns = ?",
                (key, stat.st_size, stat.st_mtime_ns),
            ).fetchone(),
            None,
        )
        if remembered is not None:
            digest, stored = remembered
            expected = _fingerprint_checksum(key, stat.st_size, stat.st_mtime_ns, str(digest))
            if stored == expected:
                return str(digest)
        digest = _file_sha256(path)
        self._use(lambda connection: self._remember(connection, key, stat, digest), None)
        return digest

    def _remember(
        self, connection: sqlite3.Connection, key: str, stat: os.stat_result, digest: str
    ) -> None:
        if self._read_only:
            return
        row = (key, stat.st_size, stat.st_mtime_ns, digest)
        try:
            with connection:
                connection.execute(
                    "INSERT OR REPLACE INTO fingerprints VALUES (?, ?, ?, ?, ?)",
                    (*row, _fingerprint_checksum(*row)),
                )
        except sqlite3.OperationalError as error:
            if not _read_only_error(error):
                raise
            self._read_only = True  # the digest is used, not remembered

    def files(self) -> tuple[Path, ...]:
        """The cache file, SQLite's journal files beside it and files of earlier layouts,
        where they exist."""
        found = []
        for name in (FILENAME, *OLD_FILENAMES):
            base = self.directory / name
            found += [base, *(Path(f"{base}{suffix}") for suffix in JOURNALS)]
        return tuple(p for p in found if p.exists())

    def info(self) -> CacheInfo:
        """Size on disk, entries, and what each namespace (model × role × prompt) holds."""
        files = self.files()
        usage: list[NamespaceUsage] = []
        if self.path.exists():
            try:
                if self._connection is None:
                    self._connection = self._open()
                usage = self._usage(self._connection)
            except sqlite3.DatabaseError as error:
                raise CacheError(
                    f"embedding cache {self.path} cannot be read ({error}): the next run "
                    f"rebuilds it, or `probe cache clear --cache-dir {self.directory}` removes it"
                ) from None
        return CacheInfo(
            directory=self.directory,
            files=files,
            size_bytes=sum(p.stat().st_size for p in files),
            entries=sum(u.entries for u in usage),
            namespaces=tuple(usage),
        )

    def _usage(self, connection: sqlite3.Connection) -> list[NamespaceUsage]:
        rows = connection.execute(
            "SELECT n.description, COUNT(*), SUM(LENGTH(v.vector)) FROM vectors v "
            "JOIN namespaces n ON n.id = v.namespace GROUP BY v.namespace "
            "ORDER BY SUM(LENGTH(v.vector)) DESC"
        )
        usage = []
        for description, count, size in rows:
            try:
                described = json.loads(description)
            except (TypeError, ValueError):
                described = None
            if not isinstance(described, dict):
                described = {"label": "(unreadable description)"}
            usage.append(NamespaceUsage(described, int(count), int(size or 0)))
        return usage

    def clear(self) -> int:
        """Delete the cache files; returns the bytes they took on disk."""
        found = self.files()
        taken = sum(p.stat().st_size for p in found)
        self.close()
        remove_cache_files(found)
        return taken


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(_HASH_BLOCK):
            digest.update(block)
    return digest.hexdigest()


_SNAPSHOT = re.compile(r"^[0-9a-f]{40}$")


def hub_revision(model_path: str | Path) -> str | None:
    """``org/name@commit`` when ``model_path`` is a snapshot folder of the Hugging Face cache."""
    path = Path(model_path)
    repo_folder = path.parent.parent.name
    if (
        path.parent.name == "snapshots"
        and repo_folder.startswith("models--")
        and _SNAPSHOT.match(path.name)
    ):
        org, _, name = repo_folder.removeprefix("models--").partition("--")
        return f"{org}/{name}@{path.name}" if name else f"{org}@{path.name}"
    return None


def model_files(model_path: str | Path) -> list[tuple[str, Path]]:
    """(relative name, path) of the files that make up a local model folder (hidden ones and
    README files left out); a model in one file (GGUF) is that file."""
    root = Path(model_path)
    if root.is_file():
        return [(root.name, root)]
    found = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in filenames:
            if not name.startswith(".") and not name.upper().startswith("README"):
                path = Path(dirpath) / name
                found.append((path.relative_to(root).as_posix(), path))
    return found


def model_identity(model_path: str | Path, cache: EmbeddingCache | None = None) -> str:
    """What names a model's weights: the hub revision, else a sha256 of its files (each file's
    hash remembered in ``cache`` where there is one)."""
    if (revision := hub_revision(model_path)) is not None:
        return f"hub:{revision}"
    files = model_files(model_path)
    if not files:
        raise RetrieverError(f"{model_path} holds no model files")
    if cache is not None:
        return f"sha256:{cache.fingerprint(files)}"
    overall = hashlib.sha256()
    for name, path in sorted(files):
        overall.update(f"{name}\0{_file_sha256(path)}\n".encode())
    return f"sha256:{overall.hexdigest()}"
