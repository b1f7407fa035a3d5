"""Records that flow out of the perturbation stage: what was changed, and what should happen."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field

from instructprobe.core.enums import ValueEnum


class Order(ValueEnum):
    """Where the instruction stands relative to the query in the retriever's input."""

    INSTRUCTION_FIRST = "instruction_first"
    QUERY_FIRST = "query_first"

    @property
    def other(self) -> Order:
        """The other order (what the reorder family asks)."""
        return Order.QUERY_FIRST if self is Order.INSTRUCTION_FIRST else Order.INSTRUCTION_FIRST


@dataclass(frozen=True)
class Request:
    """What a retriever is asked: a query, an instruction, and their order in the input."""

    query: str
    instruction: str
    order: Order = Order.INSTRUCTION_FIRST


class Family(ValueEnum):
    """The perturbation families; each one promises one kind of expectation.

    ``control`` is surface noise (typos, case, punctuation) that any retriever should shrug off:
    it calibrates how much an invariant family moves for reasons unrelated to meaning.
    ``strip`` removes the instruction's words that the relevant documents share (a collapse is
    keyword dependence); ``keywords`` reduces the instruction to its content words (FollowIR's
    keyword variant: a reader of the whole instruction should do worse, a keyword matcher
    barely moves).

    ``curated`` and ``curated-paraphrase`` hold what a suite's authors wrote rather than what an
    operator generated: the suite's changed and negated instructions (FollowIR's og→changed,
    NevIR's q1→q2), judged by the suite's own qrels, and its own rewrites of an instruction
    (InstructIR's). They are families of their own so that a verdict never mixes a benchmark's
    curated changes with generated ones.
    """

    PARAPHRASE = "paraphrase"
    NEGATION = "negation"
    REORDER = "reorder"
    STRIP = "strip"
    KEYWORDS = "keywords"
    CONTROL = "control"
    CURATED = "curated"
    CURATED_PARAPHRASE = "curated-paraphrase"

    @property
    def expectation_kind(self) -> ExpectationKind:
        return _FAMILY_EXPECTATION[self]


class ExpectationKind(ValueEnum):
    INVARIANT = "invariant"
    """The ranking should not change."""
    DIRECTIONAL = "directional"
    """Named documents should move down (or up)."""
    RELIANCE = "reliance"
    """A measure of how much the retriever leans on the instruction's keywords."""
    SENSITIVE = "sensitive"
    """The ranking should change: the edit removes structure only a reader of the whole
    instruction uses."""


_FAMILY_EXPECTATION = {
    Family.PARAPHRASE: ExpectationKind.INVARIANT,
    Family.REORDER: ExpectationKind.INVARIANT,
    Family.NEGATION: ExpectationKind.DIRECTIONAL,
    Family.STRIP: ExpectationKind.RELIANCE,
    Family.KEYWORDS: ExpectationKind.SENSITIVE,
    Family.CONTROL: ExpectationKind.INVARIANT,
    Family.CURATED: ExpectationKind.DIRECTIONAL,
    Family.CURATED_PARAPHRASE: ExpectationKind.INVARIANT,
}


@dataclass(frozen=True)
class Expectation:
    """What a retriever that follows instructions should do after the edit.

    For a directional expectation, ``down`` names the documents that are no longer relevant
    and ``up`` those that became relevant; both are empty for the other kinds.
    """

    kind: ExpectationKind
    down: frozenset[str] = frozenset()
    up: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.kind is not ExpectationKind.DIRECTIONAL and (self.down or self.up):
            raise ValueError(f"a {self.kind.value} expectation names no documents")
        if self.kind is ExpectationKind.DIRECTIONAL and not (self.down or self.up):
            raise ValueError("a directional expectation must name documents that move")

    @classmethod
    def invariant(cls) -> Expectation:
        return cls(ExpectationKind.INVARIANT)

    @classmethod
    def reliance(cls) -> Expectation:
        return cls(ExpectationKind.RELIANCE)

    @classmethod
    def sensitive(cls) -> Expectation:
        return cls(ExpectationKind.SENSITIVE)

    @classmethod
    def directional(
        cls, down: frozenset[str] = frozenset(), up: frozenset[str] = frozenset()
    ) -> Expectation:
        return cls(ExpectationKind.DIRECTIONAL, frozenset(down), frozenset(up))

    def judge(self, qrels: Mapping[str, int]) -> dict[str, int]:
        """The relevance judgments that hold after the edit, derived from the original ones."""
        changed = {doc: (0 if doc in self.down else grade) for doc, grade in qrels.items()}
        for doc in self.up:
            changed[doc] = max(1, changed.get(doc, 0))
        return changed


@dataclass(frozen=True)
class Edit:
    """One edited span of the instruction: ``before`` at character ``start`` became ``after``."""

    start: int
    before: str
    after: str


@dataclass(frozen=True)
class RelevantDocument:
    id: str
    text: str
    grade: int


@dataclass(frozen=True)
class CuratedChange:
    """A changed instruction written by a person (FollowIR og/changed, a negation pair)."""

    form: str
    instruction: str
    expectation: Expectation


@dataclass(frozen=True)
class Case:
    """The input of every operator: one query, its instruction, and what is relevant to it."""

    id: str
    query: str
    instruction: str
    relevant: tuple[RelevantDocument, ...] = ()
    curated: tuple[CuratedChange, ...] = ()
    order: Order = Order.INSTRUCTION_FIRST
    """The order of the original request (the suite's, or the run's ``--order``); every
    operator keeps it, except the reorder family's template swap, which asks the other."""

    @property
    def request(self) -> Request:
        return Request(self.query, self.instruction, self.order)


@dataclass(frozen=True)
class Variant:
    """One perturbed request, with its provenance and what should happen to the ranking."""

    case_id: str
    family: Family
    operator: str
    form: str
    request: Request
    expectation: Expectation
    strength: float = 1.0
    edits: tuple[Edit, ...] = ()
    params: tuple[tuple[str, str], ...] = field(default=())

    @property
    def id(self) -> str:
        """Stable within a run: the case, the operator and its form, and the edited request."""
        digest = hashlib.sha256(
            "\x1f".join(
                (self.request.query, self.request.instruction, self.request.order.value)
            ).encode()
        ).hexdigest()[:10]
        return f"{self.case_id}/{self.operator}/{self.form}/{digest}"
