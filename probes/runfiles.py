"""Every ranking of a run as TREC run files (``--runs-dir``), to re-score with trec_eval, ranx
or ir_measures.

The folder holds, per retriever, ``<retriever>/original.run`` (one ranking per query, under
its original instruction) and ``<retriever>/<family>.run`` (one ranking per variant of the
family, whose query id is the variant's id); ``qrels/original.qrels`` and
``qrels/<family>.qrels`` hold the judgments each is scored by (a directional edit's own,
edited judgments). ``manifest.json`` names every file and maps each variant to its query,
family, operator and instruction. Every file is written beside its place first, and all of
them are renamed into place together when the run has ranked everything: a run stopped before
then leaves the folder as it was, and a manifest always names the files beside it.
A ranking whose judgments hold no relevant document has no nDCG in the report, so the qrels
leave it out (``"scored": false`` in the manifest); trec_eval and ir_measures then skip it,
and ranx does with ``make_comparable=True``.

Lines are ``qid Q0 docid rank score tag`` with the retriever's own scores; documents come in
the run's order (ties by document id, descending, as trec_eval orders them). Ids are
whitespace-separated fields there, so a character of an id that is whitespace, not printable
or ``%`` is percent-encoded (its UTF-8 bytes), in the runs and the qrels alike.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from instructprobe.core.errors import OutputError
from instructprobe.core.files import StreamedFile, folder_problem, replace_together, staged
from instructprobe.perturb import Case, Family, Request, Variant
from instructprobe.probes.observe import judged_after
from instructprobe.probes.plan import PlanSource
from instructprobe.probes.request import RunRequest
from instructprobe.retrievers.base import Ranking
from instructprobe.suites import Suite

MANIFEST = "manifest.json"
FORMAT = "instructprobe-trec-runs"
VERSION = 1
ORIGINAL = "original"
SAFE_NAME = re.compile(r"[^\w.+-]")


def trec_id(text: str) -> str:
    """``text`` as one whitespace-free field: whitespace, unprintable characters and ``%``
    percent-encoded."""
    return "".join(
        "".join(f"%{byte:02X}" for byte in ch.encode()) if _encoded(ch) else ch for ch in text
    )


def _encoded(ch: str) -> bool:
    return ch == "%" or ch.isspace() or not ch.isprintable()


def folder_name(name: str, taken: Iterable[str]) -> str:
    """A retriever's name as a folder name of its own: ``org/model`` → ``org_model``."""
    safe = SAFE_NAME.sub("_", name)
    safe = safe if safe[:1].isalnum() or safe[:1] == "_" else "_" + safe
    chosen, n = safe, 1
    while chosen in taken or chosen == "qrels":
        n += 1
        chosen = f"{safe}-{n}"
    return chosen


def check_runs_dir(request: RunRequest) -> None:
    """``OutputError`` unless the request's runs folder exists or can be made, and is writable."""
    if request.runs_dir is not None:
        problem = folder_problem(request.runs_dir)
        if problem is not None:
            raise OutputError(f"runs folder: {problem}")


def run_lines(qid: str, ranking: Ranking, tag: str) -> Iterable[str]:
    for rank, (doc, score) in enumerate(zip(ranking.doc_ids, ranking.scores, strict=True), 1):
        yield f"{qid} Q0 {trec_id(doc)} {rank} {float(score)!r} {tag}\n"


def qrels_lines(qid: str, qrels: Mapping[str, int]) -> Iterable[str]:
    for doc, grade in qrels.items():
        yield f"{qid} 0 {trec_id(doc)} {grade}\n"


@dataclass
class RunFiles:
    """The run files of one run, written as each retriever's rankings come, a chunk at a
    time."""

    folder: Path
    request: RunRequest
    suite: Suite
    planned: PlanSource
    written: dict[str, dict[str, str]] = field(default_factory=dict)
    """Per retriever name: its folder, and the run file of the originals and of each family."""
    folders: dict[str, str] = field(default_factory=dict)
    made: list[StreamedFile] = field(default_factory=list)
    """Every file written so far, each still under its temporary name."""

    def __post_init__(self) -> None:
        self.suite_qrels = {q.id: q.qrels for q in self.suite.queries}

    @classmethod
    def start(cls, request: RunRequest, suite: Suite, planned: PlanSource) -> RunFiles | None:
        """The run files of ``request``, or None when it asks for none; the qrels are written
        (``finish`` or ``discard`` ends them)."""
        if request.runs_dir is None:
            return None
        check_runs_dir(request)
        files = cls(Path(request.runs_dir).expanduser(), request, suite, planned)
        try:
            files.write_qrels()
        except BaseException:
            files.discard()
            raise
        return files

    def families(self) -> dict[Family, list[Variant]]:
        grouped: dict[Family, list[Variant]] = {}
        for variant in self.planned.each_variant():
            grouped.setdefault(variant.family, []).append(variant)
        return grouped

    def write_qrels(self) -> None:
        (self.folder / "qrels").mkdir(exist_ok=True)
        self._write(
            self.qrels_path(ORIGINAL),
            (
                line
                for q in self.suite.queries
                if _any_relevant(q.qrels)
                for line in qrels_lines(trec_id(q.id), q.qrels)
            ),
        )
        for family, variants in self.families().items():
            judged = ((v, self.judgments(v)) for v in variants)
            lines = (
                line
                for v, qrels in judged
                if _any_relevant(qrels)
                for line in qrels_lines(trec_id(v.id), qrels)
            )
            self._write(self.qrels_path(family.value), lines)

    def judgments(self, variant: Variant) -> Mapping[str, int]:
        """What a variant's ranking is scored by (a directional edit's own judgments)."""
        return judged_after(variant, self.suite_qrels[variant.case_id])

    @contextmanager
    def streaming(self, retriever: str) -> Iterator[RetrieverRuns]:
        """One retriever's run files: the originals' run, then one run per family, written a
        chunk of rankings at a time (``RetrieverRuns.add``) to temporary files beside them,
        which ``finish`` puts in place."""
        folder = folder_name(retriever, self.folders.values())
        self.folders[retriever] = folder
        runs = {ORIGINAL: f"{folder}/{ORIGINAL}.run"}
        runs |= {family.value: f"{folder}/{family.value}.run" for family in self.families()}
        files: dict[str, StreamedFile] = {}
        place = self.folder / folder
        with _failing_as_output(f"the run files of {retriever}", place):
            place.mkdir(exist_ok=True)
            for name, path in runs.items():
                files[name] = self._made(self.folder / path)
        yield RetrieverRuns(retriever, place, files)
        self.written[retriever] = runs

    def finish(self, retrievers: Sequence[Mapping[str, str]]) -> None:
        """Every file in place at once, the manifest (what each file holds, and every
        variant's place) with them."""
        manifest = self.folder / MANIFEST
        with _failing_as_output("the run files", self.folder):
            renames = [file.written() for file in self.made]
            content = json.dumps(self.manifest(retrievers), indent=1)
            renames.append((staged(manifest, content), manifest))
            try:
                replace_together(renames)
            finally:
                renames[-1][0].unlink(missing_ok=True)

    def discard(self) -> None:
        """Remove the temporary files of a run that did not finish (after ``finish``, none)."""
        for file in self.made:
            file.discard()

    def manifest(self, retrievers: Sequence[Mapping[str, str]]) -> dict[str, Any]:
        described = {r.get("name"): r for r in retrievers}
        families = [f.value for f in self.families()]
        return {
            "format": FORMAT,
            "version": VERSION,
            "suite": self.suite.name,
            "request": self.request.to_dict(),
            "line": "qid Q0 docid rank score tag (TREC run format)",
            "ids": "whitespace, unprintable characters and % in ids are percent-encoded (UTF-8)",
            "qrels": {
                name: str(self.qrels_path(name).relative_to(self.folder))
                for name in [ORIGINAL, *families]
            },
            "retrievers": [
                {
                    "name": name,
                    "folder": self.folders[name],
                    "runs": runs,
                    "identity": dict(described.get(name, {})),
                }
                for name, runs in self.written.items()
            ],
            "queries": [{"id": q.id, "qid": trec_id(q.id)} for q in self.suite.queries],
            "variants": [
                _variant(v) | {"scored": _any_relevant(self.judgments(v))}
                for v in self.planned.each_variant()
            ],
        }

    def qrels_path(self, name: str) -> Path:
        return self.folder / "qrels" / f"{name}.qrels"

    def _write(self, path: Path, lines: Iterable[str]) -> None:
        with _failing_as_output("the qrels", path.parent):
            self._made(path).write(lines)

    def _made(self, path: Path) -> StreamedFile:
        file = StreamedFile(path)
        self.made.append(file)
        return file


@dataclass(frozen=True)
class RetrieverRuns:
    """The run files of one retriever being written (``RunFiles.streaming``)."""

    retriever: str
    folder: Path
    files: Mapping[str, StreamedFile]
    """Per run name (``original``, or a family's): its file."""

    def add(
        self,
        cases: Sequence[Case],
        variants: Sequence[Variant],
        rankings: Mapping[tuple[str, Request], Ranking],
    ) -> None:
        """A chunk's rankings: its cases' and its variants', each appended to its run. Chunks
        that take the plan's cases and variants in order make the files a whole run makes."""
        tag = trec_id(self.retriever)
        grouped: dict[str, list[Variant]] = {}
        for variant in variants:
            grouped.setdefault(variant.family.value, []).append(variant)
        with _failing_as_output(f"the run files of {self.retriever}", self.folder):
            self.files[ORIGINAL].write(
                line
                for c in cases
                for line in run_lines(trec_id(c.id), rankings[c.id, c.request], tag)
            )
            for family, found in grouped.items():
                self.files[family].write(
                    line
                    for v in found
                    for line in run_lines(trec_id(v.id), rankings[v.case_id, v.request], tag)
                )


@contextmanager
def _failing_as_output(what: str, folder: Path) -> Iterator[None]:
    """A run file that cannot be written is one line (``OutputError``)."""
    try:
        yield
    except OSError as error:
        reason = error.strerror or str(error)
        raise OutputError(f"runs folder: cannot write {what} to {folder} ({reason})") from None


def _any_relevant(qrels: Mapping[str, int]) -> bool:
    """Whether nDCG and the rest are defined: a ranking without a relevant document to find
    has no score in the report, so its judgments are left out of the qrels files too."""
    return any(grade > 0 for grade in qrels.values())


def _variant(v: Variant) -> dict[str, Any]:
    return {
        "id": v.id,
        "qid": trec_id(v.id),
        "query_id": v.case_id,
        "query_qid": trec_id(v.case_id),
        "family": v.family.value,
        "operator": v.operator,
        "form": v.form,
        "expectation": v.expectation.kind.value,
        "query": v.request.query,
        "instruction": v.request.instruction,
        "order": v.request.order.value,
    }


__all__ = ["MANIFEST", "RetrieverRuns", "RunFiles", "check_runs_dir", "folder_name", "trec_id"]
