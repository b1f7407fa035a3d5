"""Rank every request once per retriever, then measure each variant against its original."""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from instructprobe.core.progress import Progress
from instructprobe.perturb import ExpectationKind, Family, Request, Variant
from instructprobe.probes.measures import Measure, PairedMeasure, RankingMeasure
from instructprobe.probes.measures.base import rank_in
from instructprobe.retrievers.base import Ranking, Retriever, SearchIndex
from instructprobe.suites import Suite

Asked = tuple[str, Request]
"""A request as asked for one case (the case fixes the candidate pool in reranking mode)."""


def rank_requests(
    retriever: Retriever,
    suite: Suite,
    asked: Iterable[Asked],
    depth: int,
    progress: Progress | None = None,
) -> dict[Asked, Ranking]:
    """Index the corpus once, then rank each distinct (input text, candidate pool) once."""
    index = retriever.index(
        [d.id for d in suite.documents], [d.text for d in suite.documents], progress
    )
    return rank_on(index, retriever, candidate_pools(suite), asked, depth, progress)


def candidate_pools(suite: Suite) -> dict[str, tuple[str, ...] | None]:
    """Each query's candidate pool (reranking mode), or None to rank the whole corpus."""
    return {q.id: q.candidates for q in suite.queries}


def rank_on(
    index: SearchIndex,
    retriever: Retriever,
    pools: Mapping[str, tuple[str, ...] | None],
    asked: Iterable[Asked],
    depth: int,
    progress: Progress | None = None,
) -> dict[Asked, Ranking]:
    """Rank each distinct (input text, candidate pool) of ``asked`` once on an index made."""
    rendered = {
        (case, request): (retriever.template.render(request), pools.get(case))
        for case, request in dict.fromkeys(asked)
    }
    unique = list(dict.fromkeys(rendered.values()))
    full = [text for text, pool in unique if pool is None]
    pooled = [(text, pool) for text, pool in unique if pool is not None]
    rankings: dict[tuple[str, tuple[str, ...] | None], Ranking] = dict(
        zip(((t, None) for t in full), index.search(full, depth, progress), strict=True)
    )
    if pooled:
        reranked = index.rerank([t for t, _ in pooled], [p for _, p in pooled], progress)
        rankings.update(zip(pooled, reranked, strict=True))
    return {key: rankings[value] for key, value in rendered.items()}


@dataclass(frozen=True, slots=True)
class Observed:
    """What the statistics read of a variant (its cell, stratum and query), kept for each one
    a run measures: a few small fields, not the variant with its texts and edits."""

    id: str
    case_id: str
    form: str
    strength: float

    @classmethod
    def of(cls, variant: Variant) -> Observed:
        return cls(variant.id, variant.case_id, variant.form, variant.strength)


@dataclass(frozen=True, slots=True)
class Observation:
    """One measure on one variant: the value before and after the edit, and what counts."""

    variant: Observed
    measure: Measure
    original: float | None
    perturbed: float | None
    value: float | None


class ObservedTable:
    """The variants a retriever's run measured, a column each (their ids in one byte string,
    their cases and forms as indexes, their strengths in an array of doubles): a few buffers
    that grow, rather than small objects left between each chunk's rankings, which would keep
    the memory those rankings took from being used again."""

    def __init__(self) -> None:
        self._ids = bytearray()
        self._ends = array("q")
        self._cases: list[str] = []
        self._case_rows: dict[str, int] = {}
        self._forms: list[str] = []
        self._form_rows: dict[str, int] = {}
        self._case = array("q")
        self._form = array("q")
        self._strength = array("d")

    def add(self, variant: Observed) -> int:
        """Its row."""
        self._ids += variant.id.encode()
        self._ends.append(len(self._ids))
        self._case.append(_row(variant.case_id, self._cases, self._case_rows))
        self._form.append(_row(variant.form, self._forms, self._form_rows))
        self._strength.append(variant.strength)
        return len(self._ends) - 1

    def __getitem__(self, row: int) -> Observed:
        start = self._ends[row - 1] if row else 0
        return Observed(
            self._ids[start : self._ends[row]].decode(),
            self._cases[self._case[row]],
            self._forms[self._form[row]],
            self._strength[row],
        )


def _row(value: str, values: list[str], rows: dict[str, int]) -> int:
    found = rows.get(value)
    if found is None:
        found = rows[value] = len(values)
        values.append(value)
    return found


class Observations:
    """One cell's observations of a run (its family and measure), kept a column each: the
    variant's row in the run's ``ObservedTable``, the three numbers in one array of doubles
    and a byte saying which are defined, 33 bytes an observation; read back as
    ``Observation`` records, equal to those appended."""

    def __init__(self, measure: Measure, table: ObservedTable) -> None:
        self.measure = measure
        self.table = table
        self._rows = array("q")
        self._numbers = array("d")
        self._defined = bytearray()

    def append(self, observation: Observation, row: int) -> None:
        """``observation``, of the variant in ``row`` of the table."""
        o = observation
        bits = 0
        for place, number in enumerate((o.original, o.perturbed, o.value)):
            self._numbers.append(0.0 if number is None else number)
            bits |= (number is not None) << place
        self._rows.append(row)
        self._defined.append(bits)

    def __len__(self) -> int:
        return len(self._rows)

    def __iter__(self) -> Iterator[Observation]:
        numbers, table = self._numbers, self.table
        for n, (row, bits) in enumerate(zip(self._rows, self._defined, strict=True)):
            original, perturbed, value = (
                numbers[3 * n + place] if bits >> place & 1 else None for place in range(3)
            )
            yield Observation(table[row], self.measure, original, perturbed, value)


def judged_after(variant: Variant, qrels: Mapping[str, int]) -> Mapping[str, int]:
    """The judgments that hold for the edited request."""
    expected = variant.expectation
    return expected.judge(qrels) if expected.kind is ExpectationKind.DIRECTIONAL else qrels


def judged_before(variant: Variant, qrels: Mapping[str, int]) -> Mapping[str, int]:
    """The judgments a move is scored from: the original ones, and, for a generated negation,
    each document it names as moving down that they do not judge relevant counted as one the
    original request admitted (grade 1). An exclusion clause may name distractors, the
    non-relevant documents nearest the query that mention its term: p-MRR and the expected
    move score the documents whose judgment the edit changes, and the clause changes theirs
    from admitted to excluded. A curated change keeps its suite's judgments as they are."""
    expected = variant.expectation
    if variant.family is not Family.NEGATION:
        return qrels
    admitted = {doc: 1 for doc in expected.down if qrels.get(doc, 0) <= 0}
    return {**qrels, **admitted} if admitted else qrels


def observe(
    variant: Variant,
    measure: Measure,
    before: Ranking,
    after: Ranking,
    qrels: Mapping[str, int],
    observed: Observed | None = None,
) -> Observation:
    """``measure`` of ``variant``'s change; ``observed``: what the observation keeps of the
    variant, when the caller made it once for all its measures."""
    edited = judged_after(variant, qrels)
    key = observed if observed is not None else Observed.of(variant)
    if isinstance(measure, PairedMeasure):
        judged = judged_before(variant, qrels) if measure.SCORES_MOVES else qrels
        score = measure.score_pair(before.doc_ids, after.doc_ids, judged, edited)
        if score is None:
            return Observation(key, measure, None, None, None)
        return Observation(key, measure, measure.IDENTITY, score, score - measure.IDENTITY)
    assert isinstance(measure, RankingMeasure)
    # A directional edit is judged by the edited qrels before and after: following it scores higher.
    original = measure.score(before.doc_ids, edited)
    perturbed = measure.score(after.doc_ids, edited)
    value = None if original is None or perturbed is None else perturbed - original
    return Observation(key, measure, original, perturbed, value)


def tracked_ranks(
    variant: Variant, before: Ranking, after: Ranking, qrels: Mapping[str, int]
) -> dict[str, tuple[int, int]]:
    """Ranks before and after of the documents the edit should move (else the relevant ones)."""
    expected = variant.expectation
    tracked = sorted(expected.down | expected.up) or sorted(d for d, g in qrels.items() if g > 0)
    return {d: (rank_in(before.doc_ids, d), rank_in(after.doc_ids, d)) for d in tracked}
