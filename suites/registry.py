"""Suites by name, format and path: what ``--suite`` accepts, and where each one comes from.

``--suite`` takes:

- a known name (``KNOWN``): built in, local files (instructir-lite), or a hub data set that is
  downloaded once and then read offline;
- ``FORMAT:PATH`` with a format of ``FORMATS`` (``beir:DIR``, ``followir:DIR``, …);
- ``hf:OWNER/NAME``: any hub data set in one of the formats (told apart by its files);
- ``PATH``: a suite file or a folder in one of the formats (told apart by its files).

``@REVISION`` after a known name or a hub id reads that revision of the data set (a commit, a
branch or a tag): the known hub suites are pinned to the revisions MTEB 2.26 reads, and
FollowIR's original-layout repositories to those MTEB v1 read (``KNOWN``); this overrides the
pin. A known hub suite with no published revision (instructir, nevir) warns which one it read.
``@full`` at the end drops the candidate pools: full retrieval instead of reranking, which is not
the published protocol of FollowIR or NevIR; their loaders refuse a layout without pools unless
``@full`` asks for it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from instructprobe.core.errors import SuiteError
from instructprobe.suites.model import Protocol, Suite
from instructprobe.suites.problems import Loaded, Report

FULL = "@full"

Loader = Callable[[Path, Report], "Suite | None"]


def _jsonl(path: Path, report: Report) -> Suite | None:
    from instructprobe.suites.jsonl import load_jsonl

    if path.is_dir():
        report.error(str(path), "is a folder; the JSONL format is one file", "missing-file")
        return None
    return load_jsonl(path, report)


def _beir(path: Path, report: Report) -> Suite | None:
    from instructprobe.suites.beir import load_beir

    return load_beir(path, report)


def _instructir(path: Path, report: Report) -> Suite | None:
    from instructprobe.suites.instructir import load_instructir

    return load_instructir(path, report)


def _lite(path: Path, report: Report) -> Suite | None:
    from instructprobe.suites.instructir import load_instructir_lite

    return load_instructir_lite(path, report)


def _followir(path: Path, report: Report) -> Suite | None:
    from instructprobe.suites.followir import load_followir

    return load_followir(path, report)


def _mteb(path: Path, report: Report) -> Suite | None:
    from instructprobe.suites.mteb import load_mteb

    return load_mteb(path, report)


def _nevir(path: Path, report: Report) -> Suite | None:
    from instructprobe.suites.nevir import load_nevir

    return load_nevir(path, report)


FORMATS: dict[str, tuple[Loader, str]] = {
    "jsonl": (_jsonl, "the project's suite file (docs/suite-format.md)"),
    "beir": (_beir, "BEIR folder: corpus.jsonl, queries.jsonl (with instructions), qrels/test.tsv"),
    "instructir": (_instructir, "InstructIR's BEIR folder ('instruction [SEP] query' queries)"),
    "instructir-lite": (_lite, "the InstructIR GitHub files (INSTRUCTIR/, data_creation/)"),
    "followir": (_followir, "FollowIR folder: queries with instruction_og/_changed, qrels_og/"),
    "mteb": (_mteb, "MTEB v2 data set: corpus, queries, default qrels [instruction, top_ranked]"),
    "nevir": (_nevir, "NevIR: a {split}.jsonl of q1, q2, doc1, doc2 (or its folder)"),
}


@dataclass(frozen=True)
class Known:
    name: str
    format: str
    summary: str
    hub_id: str | None = None
    """Hugging Face data set; ``None`` for built-in and local suites."""
    builtin: str | None = None
    """File in ``suites/data``."""
    revision: str | None = None
    """The data set's pinned revision (``MTEB_REVISIONS``, ``MTEB_V1_REVISIONS``); ``None``: no
    revision was ever published for it, so the newest is read, with a warning that names it."""


MTEB_REVISIONS = {
    "mteb/Robust04InstructionRetrieval": "0495a5cb69aa8fa5bca81bd56ac248911c19eeb6",
    "mteb/News21InstructionRetrieval": "c6fffeb9cdd95c1ffa81c62c687b48b56352872b",
    "mteb/Core17InstructionRetrieval": "67d8733dd0691f08f34ed9dda5941578cba8d91c",
    "mteb/InstructIR-mteb": "42c3afabe480643b755a7099dbf0f9ebeedaf6ca",
    "orionweller/NevIR-mteb": "eab99575c01c6a8e39f8d2adc6e3c3adcfe84413",
}
"""The repositories and revisions MTEB 2.26 reads these benchmarks from (its task metadata)."""

MTEB_V1_REVISIONS = {
    "jhu-clsp/robust04-instructions": "a5a1c4fe2bc528ac12e83f8cdf82178da85d2f1d",
    "jhu-clsp/news21-instructions": "e0144086b45fe31ac125e9ac1a83b6a409bb6ca6",
    "jhu-clsp/core17-instructions": "e39ff896cf3efbbdeeb950e6bd7c79f266995b07",
}
"""The revisions of FollowIR's original-layout repositories that MTEB v1 read, from its task
metadata (mteb/tasks/InstructionRetrieval/eng/*InstructionRetrieval.py): set by MTEB commit
7b6d2ecc ("bump datasets revision id to the fixed version", 2024-04-24) and unchanged from
mteb 1.7.27 to the last v1 release, 1.39.7. The paper's tables were computed by MTEB v1.
kaist-ai/InstructIR and orionweller/NevIR have no published revision: neither MTEB release
reads them (MTEB 2 reads mteb/InstructIR-mteb and orionweller/NevIR-mteb, above)."""


def _followir_suites(name: str, collection: str, task: str) -> list[Known]:
    repository = f"mteb/{task}"
    return [
        Known(
            f"followir-{name}",
            "followir",
            f"FollowIR, {collection}: original and changed narratives, pools",
            f"jhu-clsp/{name}-instructions",
            revision=MTEB_V1_REVISIONS[f"jhu-clsp/{name}-instructions"],
        ),
        Known(
            f"followir-{name}-mteb",
            "mteb",
            f"FollowIR, {collection}: as MTEB 2.26 reads it ({repository})",
            repository,
            revision=MTEB_REVISIONS[repository],
        ),
    ]


KNOWN: dict[str, Known] = {
    k.name: k
    for k in [
        Known(
            "starter",
            "jsonl",
            "45 queries in 5 topics, changed instructions and negations",
            builtin="starter.jsonl",
        ),
        Known(
            "instructir",
            "instructir",
            "InstructIR: 9,906 instances, revised targets",
            "kaist-ai/InstructIR",
        ),
        Known(
            "instructir-mteb",
            "mteb",
            "InstructIR, as MTEB 2.26 reads it",
            "mteb/InstructIR-mteb",
            revision=MTEB_REVISIONS["mteb/InstructIR-mteb"],
        ),
        Known(
            "instructir-lite",
            "instructir-lite",
            "InstructIR instances judged by the original MS MARCO passage, with paraphrases",
        ),
        *_followir_suites("robust04", "TREC Robust 2004", "Robust04InstructionRetrieval"),
        *_followir_suites("news21", "TREC News 2021", "News21InstructionRetrieval"),
        *_followir_suites("core17", "TREC Common Core 2017", "Core17InstructionRetrieval"),
        Known(
            "nevir",
            "nevir",
            "NevIR test pairs: one question per passage of a negation pair",
            "orionweller/NevIR",
        ),
        Known(
            "nevir-mteb",
            "mteb",
            "NevIR test pairs, as MTEB 2.26 reads them",
            "orionweller/NevIR-mteb",
            revision=MTEB_REVISIONS["orionweller/NevIR-mteb"],
        ),
    ]
}

BUILTIN_SUITES = {k.name: k.builtin for k in KNOWN.values() if k.builtin}


@dataclass(frozen=True)
class Resolved:
    """Where a spec's data is and how to read it."""

    name: str
    format: str
    path: Path
    full: bool = False
    named: bool = False
    """The suite takes ``name`` (a known name or a hub id), not the name its loader gives."""
    repository: str = ""
    """The hub data set, for a known hub suite or ``hf:``; "" for local files."""
    revision: str = ""
    """The hub revision read (the snapshot's commit)."""


def builtin_path(file: str) -> Path:
    return Path(str(resources.files("instructprobe.suites") / "data" / file))


def lite_path() -> Path:
    from instructprobe.suites.instructir import instructir_dir

    return instructir_dir()


def detect(path: Path) -> str:
    """The format of a file or folder, told by what it holds."""
    if path.is_file():
        first = _first_record(path)
        if first is not None and "kind" in first:
            return "jsonl"
        if first is not None and {"q1", "q2", "doc1", "doc2"} <= first.keys():
            return "nevir"
        if path.suffix == ".jsonl":
            return "jsonl"  # its reader says what is wrong, line by line
        raise SuiteError(
            f"cannot tell the format of {path} (give FORMAT:PATH; formats: {', '.join(FORMATS)})"
        )
    if (path / "INSTRUCTIR" / "only_instruction_queries.jsonl").is_file():
        return "instructir-lite"
    if (path / "qrels_og").is_dir():
        return "followir"
    if _mteb_card(path):
        return "mteb"  # an MTEB repository can hold BEIR-like files (orionweller/NevIR-mteb)
    if (path / "corpus.jsonl").is_file() and (path / "qrels").is_dir():
        return "beir"
    pairs = _first_record(path / "test.jsonl") if (path / "test.jsonl").is_file() else None
    if pairs is not None and {"q1", "q2", "doc1", "doc2"} <= pairs.keys():
        return "nevir"
    from instructprobe.suites.mteb import config_files

    if "corpus" in config_files(path):
        return "mteb"
    raise SuiteError(
        f"cannot tell the format of folder {path} (expected one of: "
        + "; ".join(f"{name}: {summary}" for name, (_, summary) in FORMATS.items())
        + ")"
    )


def _mteb_card(path: Path) -> bool:
    """Whether a dataset card names MTEB's configs (``corpus`` and ``queries``)."""
    from instructprobe.suites.mteb import card_configs

    card = path / "README.md"
    return card.is_file() and {"corpus", "queries"} <= card_configs(card).keys()


def _first_record(path: Path) -> dict[str, object] | None:
    from instructprobe.core.untrusted import JSONTextError, parse_json
    from instructprobe.suites.tables import bounded_lines

    try:
        with path.open("rb") as handle:
            for raw in bounded_lines(handle):
                line = raw.decode("utf-8").strip() if raw is not None else None
                if line is None or (line and not line.startswith("#")):
                    record = parse_json(line) if line is not None else None
                    return record if isinstance(record, dict) else None
    except (OSError, UnicodeDecodeError, JSONTextError):
        return None
    return None


def _local(spec: str, path: Path, fmt: str | None, full: bool) -> Resolved:
    if not path.exists():
        known = ", ".join(KNOWN)
        raise SuiteError(
            f"suite {spec!r} does not exist (known suites: {known}; or FORMAT:PATH, hf:OWNER/NAME, "
            "a JSONL suite file or a data set folder)"
        )
    if not path.is_file() and not path.is_dir():
        raise SuiteError(
            f"suite {spec!r} is not a regular file or a folder (a pipe or a device is read once, "
            "and a suite is read more than once): save it to a file first"
        )
    return Resolved(path.name if path.is_dir() else path.stem, fmt or detect(path), path, full)


def _revision(spec: str) -> tuple[str, str | None]:
    """``NAME@REVISION`` as (``NAME``, ``REVISION``); a spec without one as (spec, None)."""
    name, at, revision = spec.rpartition("@")
    if not at or not name or not revision or "/" in revision or ":" in revision:
        return spec, None
    if name in KNOWN or name.startswith("hf:"):
        return name, revision
    return spec, None


def resolve(spec: str) -> Resolved:
    """Where ``spec``'s data is. Hub data sets come from the cache, or are downloaded when
    online; otherwise a one-line SuiteError says how to get them."""
    full = spec.endswith(FULL)
    base, revision = _revision(spec[: -len(FULL)] if full else spec)
    known = KNOWN.get(base)
    if known is not None and revision is not None and known.hub_id is None:
        raise SuiteError(f"suite {known.name!r} is not a hub data set: it has no revisions")
    if known is not None:
        if known.builtin:
            return Resolved(known.name, known.format, builtin_path(known.builtin), full)
        if known.hub_id is None:
            path = lite_path()
            if not path.exists():
                from instructprobe.suites.instructir import ENV_DIR

                raise SuiteError(
                    f"suite {known.name!r} reads the InstructIR files, which are not at {path}: "
                    f"set {ENV_DIR} to their folder, or pass --suite {known.format}:DIR"
                )
            return Resolved(known.name, known.format, path, full, named=True)
        from instructprobe.suites import hub

        pinned = revision or known.revision
        path = hub.locate(known.name, known.hub_id, known.format, pinned)
        read = hub.snapshot_revision(path) or pinned or ""
        if pinned is None:
            _unpinned(known, read)
        return Resolved(known.name, known.format, path, full, True, known.hub_id, read)
    prefix, colon, rest = base.partition(":")
    if colon and prefix == "hf" and rest:
        from instructprobe.suites import hub

        path = hub.locate(rest, rest, "FORMAT", revision)
        read = hub.snapshot_revision(path) or revision or ""
        return Resolved(rest, detect(path), path, full, True, rest, read)
    if colon and prefix in FORMATS and rest:
        return _local(spec, Path(rest), prefix, full)
    return _local(spec, Path(base), None, full)


def _unpinned(known: Known, read: str) -> None:
    """Say that a known hub suite without a published revision was read at whatever revision
    the cache or the hub had, and how to read that one again."""
    import warnings

    from instructprobe.core.notices import InstructprobeWarning

    again = f"; '{known.name}@{read}' reads this one again" if read else ""
    warnings.warn(
        f"suite {known.name!r} ({known.hub_id}) has no published revision to pin (no MTEB "
        f"release reads it), so the newest one was read: {read or 'unknown'}{again}",
        InstructprobeWarning,
        stacklevel=3,
    )


def inspect(spec: str, instruction: str | None = None) -> Loaded:
    """Read ``spec`` and check it: the suite (``None`` if there are errors), counts, problems.
    ``instruction`` is given to every query that carries none (``--instruction``). Raises
    SuiteError only for a spec that names nothing readable."""
    where = resolve(spec)
    report = Report(pools_optional=where.full, instruction=instruction)
    loader, _ = FORMATS[where.format]
    suite = loader(where.path, report)
    if suite is not None and where.named and suite.name != where.name:
        from dataclasses import replace

        suite = replace(suite, name=where.name)
    if suite is not None:
        suite = labelled(suite, where)
    if suite is not None and where.full:
        suite = without_pools(suite)
    return Loaded(
        suite=suite,
        name=suite.name if suite is not None else where.name,
        format=where.format,
        source=str(where.path),
        counts=tuple(report.counts.items()),
        problems=tuple(report.problems),
    )


def labelled(suite: Suite, where: Resolved) -> Suite:
    """A benchmark's suite labelled with the data set and the revision it was read from."""
    from dataclasses import replace

    if suite.benchmark is None:
        return suite
    repository = where.repository or str(where.path)
    return replace(
        suite, benchmark=replace(suite.benchmark, repository=repository, revision=where.revision)
    )


FULL_DEPARTURE = "full retrieval (@full): the published protocol reranks each query's pool"


def without_pools(suite: Suite) -> Suite:
    """Full-retrieval mode: every query ranks the whole corpus."""
    from dataclasses import replace

    benchmark = suite.benchmark
    if benchmark is not None and benchmark.protocol in (Protocol.FOLLOWIR, Protocol.NEVIR):
        benchmark = replace(benchmark, departures=(*benchmark.departures, FULL_DEPARTURE))
    return replace(
        suite,
        name=suite.name + FULL,
        queries=tuple(replace(q, candidates=None) for q in suite.queries),
        benchmark=benchmark,
    )


def availability(known: Known) -> str:
    """Whether ``known`` can be read on this machine without a download, in a few words."""
    if known.builtin:
        return "built in"
    if known.hub_id is None:
        path = lite_path()
        return f"local ({path})" if path.exists() else f"missing ({path})"
    from instructprobe.suites import hub

    found = hub.cached(known.hub_id, known.revision)
    return "offline (hub cache)" if found else "needs 'probe fetch'"
