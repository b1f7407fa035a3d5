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

The location is ``$INSTRUCTPROBE_CACHE_DIR``, else ``$XDG_CACHE_HOME/instructprobe``, else
``~/.cache/instructprobe``; ``probe run --cache-dir`` overrides it and ``--no-cache`` skips it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from instructprobe.core.errors import RetrieverError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

ENV_VAR = "INSTRUCTPROBE_CACHE_DIR"
FILENAME = "embeddings-v1.sqlite3"
"""The schema version is in the name: a new layout starts a new file, never misreads an old one."""
QUERY, DOCUMENT, PAIR = "query", "document", "pair"
_LOOKUP_CHUNK = 500
_HASH_BLOCK = 1 << 20

# Rowid tables keep a row of up to a page in its leaf, so with 16 KiB pages a vector of up to
# ~4,000 float32 sits beside its key instead of in overflow pages (which a WITHOUT ROWID table
# needs for anything over ~1/4 page, tripling the size of MiniLM's 1.5 KiB vectors).
_SCHEMA = """
PRAGMA page_size = 16384;
CREATE TABLE IF NOT EXISTS namespaces (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS vectors (
    namespace INTEGER NOT NULL,
    text_hash BLOB NOT NULL,
    vector BLOB NOT NULL,
    UNIQUE (namespace, text_hash)
);
CREATE TABLE IF NOT EXISTS fingerprints (
    path TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    sha256 TEXT NOT NULL
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


class EmbeddingCache:
    """The cache file in ``directory`` (created on first write)."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory).expanduser()
        self.path = self.directory / FILENAME
        self._connection: sqlite3.Connection | None = None

    def __repr__(self) -> str:
        return f"EmbeddingCache({str(self.directory)!r})"

    def _connect(self) -> sqlite3.Connection:
        if self._connection is not None:
            return self._connection
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=60)
            connection.executescript(_SCHEMA)  # the page size only takes on a new file
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
        except (sqlite3.DatabaseError, OSError) as error:
            raise RetrieverError(
                f"embedding cache {self.path} cannot be used ({error}): run `probe cache clear "
                f"--cache-dir {self.directory}` or pass --no-cache"
            ) from None
        self._connection = connection
        return connection

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def get(self, namespace: Namespace, texts: Sequence[str]) -> dict[str, npt.NDArray[np.float32]]:
        """The cached vectors of those ``texts`` that have one (a text → vector dict)."""
        import numpy as np

        if not texts or not self.path.exists():
            return {}
        connection = self._connect()
        row = connection.execute(
            "SELECT id FROM namespaces WHERE key = ?", (namespace.id,)
        ).fetchone()
        if row is None:
            return {}
        number = int(row[0])
        by_hash = {_text_hash(t): t for t in texts}
        hashes = list(by_hash)
        found: dict[str, npt.NDArray[np.float32]] = {}
        for start in range(0, len(hashes), _LOOKUP_CHUNK):
            chunk = hashes[start : start + _LOOKUP_CHUNK]
            marks = ",".join("?" * len(chunk))
            rows = connection.execute(
                f"SELECT text_hash, vector FROM vectors WHERE namespace = ? "
                f"AND text_hash IN ({marks})",
                (number, *chunk),
            )
            for text_hash, blob in rows:
                found[by_hash[text_hash]] = np.frombuffer(blob, dtype="<f4")
        return found

    def put(
        self, namespace: Namespace, texts: Sequence[str], vectors: npt.NDArray[np.floating]
    ) -> None:
        """Store one vector per text, all in one transaction."""
        import numpy as np

        if len(texts) != len(vectors):
            raise ValueError(f"{len(texts)} texts but {len(vectors)} vectors")
        if not texts:
            return
        rows = np.ascontiguousarray(np.asarray(vectors).reshape(len(texts), -1), dtype="<f4")
        connection = self._connect()
        description = json.dumps(namespace.description(), sort_keys=True, ensure_ascii=False)
        with connection:
            connection.execute(
                "INSERT OR IGNORE INTO namespaces (key, description) VALUES (?, ?)",
                (namespace.id, description),
            )
            (number,) = connection.execute(
                "SELECT id FROM namespaces WHERE key = ?", (namespace.id,)
            ).fetchone()
            connection.executemany(
                "INSERT OR REPLACE INTO vectors (namespace, text_hash, vector) VALUES (?, ?, ?)",
                (
                    (number, _text_hash(t), row.tobytes())
                    for t, row in zip(texts, rows, strict=True)
                ),
            )

    def fingerprint(self, files: Iterable[tuple[str, Path]]) -> str:
        """A sha256 over (name, contents) of the files; each file's hash is remembered by its
        (path, size, mtime), so a large model is read once, not on every run."""
        connection = self._connect()
        overall = hashlib.sha256()
        for name, path in sorted(files):
            stat = path.stat()
            key = str(path.resolve())
            row = connection.execute(
                "SELECT sha256 FROM fingerprints WHERE path = ? AND size = ? AND mtime_ns = ?",
                (key, stat.st_size, stat.st_mtime_ns),
            ).fetchone()
            if row is None:
                digest = _file_sha256(path)
                with connection:
                    connection.execute(
                        "INSERT OR REPLACE INTO fingerprints VALUES (?, ?, ?, ?)",
                        (key, stat.st_size, stat.st_mtime_ns, digest),
                    )
            else:
                digest = row[0]
            overall.update(f"{name}\0{digest}\n".encode())
        return overall.hexdigest()

    def files(self) -> tuple[Path, ...]:
        """The cache file and SQLite's journal files beside it, where they exist."""
        return tuple(
            p
            for p in (self.path, *(Path(f"{self.path}{s}") for s in ("-wal", "-shm", "-journal")))
            if p.exists()
        )

    def info(self) -> CacheInfo:
        """Size on disk, entries, and what each namespace (model × role × prompt) holds."""
        files = self.files()
        usage: list[NamespaceUsage] = []
        entries = 0
        if self.path.exists():
            rows = self._connect().execute(
                "SELECT n.description, COUNT(*), SUM(LENGTH(v.vector)) FROM vectors v "
                "JOIN namespaces n ON n.id = v.namespace GROUP BY v.namespace "
                "ORDER BY SUM(LENGTH(v.vector)) DESC"
            )
            for description, count, size in rows:
                usage.append(NamespaceUsage(json.loads(description), int(count), int(size)))
                entries += int(count)
        return CacheInfo(
            directory=self.directory,
            files=files,
            size_bytes=sum(p.stat().st_size for p in files),
            entries=entries,
            namespaces=tuple(usage),
        )

    def clear(self) -> int:
        """Delete the cache file; returns the bytes it took on disk."""
        taken = sum(p.stat().st_size for p in self.files())
        self.close()
        for path in self.files():
            path.unlink(missing_ok=True)
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
