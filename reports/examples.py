"""The worst examples of a run: which variants hurt a retriever most, what the edit was, and
where the documents it should have moved ended up.

Everything comes from the results file (``outcomes`` and ``variants``) except the original
instruction, which the file does not hold: it is read back from the suite when the suite's file
is still where the run read it and its sha256 matches."""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from instructprobe.core.untrusted import printable_copy
from instructprobe.perturb.model import ExpectationKind, Family, Order
from instructprobe.probes.measures import Measure
from instructprobe.probes.results import Cell, Outcome, RunResult, VariantRecord

ORIGINAL_ORDER = Order.INSTRUCTION_FIRST
"""The order of the unperturbed request (``perturb.Request``'s default)."""
CONTEXT_WORDS = 4
"""Unchanged words kept on each side of an edit when a diff is elided."""


@dataclass(frozen=True)
class Move:
    """Where one tracked document stood before and after the edit (1-based ranks)."""

    doc_id: str
    before: int
    after: int
    expected: str
    """``down`` or ``up`` for the documents a directional edit should move, else ``relevant``."""
    sensitive: bool = False
    """The edit is a sensitive family's: a reader of the whole instruction ranks the relevant
    documents lower after it, so a relevant document that rises is the one against it."""

    @property
    def wrong_way(self) -> bool:
        """The document moved against its expectation (a relevant one dropped, or rose after a
        sensitive edit)."""
        if self.expected == "up":
            return self.after > self.before
        if self.expected == "down":
            return self.after < self.before
        if self.sensitive:
            return self.after < self.before
        return self.after > self.before


@dataclass(frozen=True)
class Piece:
    """A run of words in an instruction diff: ``equal``, ``delete``, ``insert`` or ``gap``."""

    kind: str
    text: str


@dataclass(frozen=True)
class Example:
    retriever: str
    family: Family
    metric: Measure
    value: float
    variant: VariantRecord
    moves: tuple[Move, ...]

    @property
    def before(self) -> str:
        return self.variant.original_instruction

    @property
    def after(self) -> str:
        return self.variant.instruction

    @property
    def order_changed(self) -> bool:
        return self.variant.order != ORIGINAL_ORDER

    def diff(
        self, context: int | None = CONTEXT_WORDS
    ) -> tuple[tuple[Piece, ...], tuple[Piece, ...]]:
        """The instruction before and after as word pieces; unchanged runs longer than twice
        ``context`` are elided (``None`` keeps every word)."""
        return word_diff(self.before, self.after, context)


def word_diff(
    before: str, after: str, context: int | None = CONTEXT_WORDS
) -> tuple[tuple[Piece, ...], tuple[Piece, ...]]:
    a, b = before.split(), after.split()
    old: list[Piece] = []
    new: list[Piece] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    opcodes = matcher.get_opcodes()
    for position, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            words = a[i1:i2]
            first, last = position == 0, position == len(opcodes) - 1
            for piece in _elide(words, context, first, last):
                old.append(piece)
                new.append(piece)
            continue
        if i2 > i1:
            old.append(Piece("delete", " ".join(a[i1:i2])))
        if j2 > j1:
            new.append(Piece("insert", " ".join(b[j1:j2])))
    return tuple(old), tuple(new)


def _elide(words: list[str], context: int | None, first: bool, last: bool) -> list[Piece]:
    keep_head = 0 if first else (context or 0)
    keep_tail = 0 if last else (context or 0)
    if context is None or len(words) <= keep_head + keep_tail + 1:
        return [Piece("equal", " ".join(words))]
    pieces = []
    if keep_head:
        pieces.append(Piece("equal", " ".join(words[:keep_head])))
    pieces.append(Piece("gap", "..."))
    if keep_tail:
        pieces.append(Piece("equal", " ".join(words[-keep_tail:])))
    return pieces


def _moves(variant: VariantRecord, ranks: Mapping[str, tuple[int, int]]) -> tuple[Move, ...]:
    down, up = set(variant.down), set(variant.up)
    expected = {**dict.fromkeys(up, "up"), **dict.fromkeys(down, "down")}
    sensitive = variant.expectation is ExpectationKind.SENSITIVE
    moves = [
        Move(doc, int(r[0]), int(r[1]), expected.get(doc, "relevant"), sensitive)
        for doc, r in ranks.items()
    ]
    if not down and not up:
        # Invariant edits track every relevant document: show those that moved most.
        moves.sort(key=lambda m: (-abs(m.after - m.before), m.before, m.doc_id))
        return tuple(m for m in moves if m.after != m.before)[:3] or tuple(moves[:1])
    moves.sort(key=lambda m: (m.expected, m.before, m.doc_id))
    return tuple(moves)


def worst(
    result: RunResult,
    per_cell: int = 2,
    cells: Iterable[Cell] | None = None,
) -> list[Example]:
    """Up to ``per_cell`` variants with the lowest value of each deciding cell's measure (only
    those that made it worse), worst first; cells in the order of the results. In a sensitive
    family the edit *should* lower the measure, so there the worst variants are those that
    lowered it least (a change ≥ 0: the bag of keywords ranked as well), highest first."""
    chosen = list(cells if cells is not None else [c for c in result.cells if c.decides])
    found: list[list[tuple[tuple[float, str], float, VariantRecord, Outcome]]] = [
        [] for _ in chosen
    ]
    by_cell: dict[tuple[str, Family], list[int]] = {}
    for position, cell in enumerate(chosen):
        by_cell.setdefault((cell.retriever, cell.family), []).append(position)
    for variant, outcome in _pairs(result):  # one pass, a batch at a time: memory is O(cells)
        if variant is None:
            continue
        for position in by_cell.get((outcome.retriever, variant.family), ()):
            cell = chosen[position]
            sign = -1.0 if cell.expectation is ExpectationKind.SENSITIVE else 1.0
            value = outcome.values.get(str(cell.metric))
            if (
                value is None
                or not math.isfinite(value)
                or not (value < 0 if sign > 0 else value >= 0)
            ):
                continue
            _keep(found[position], ((sign * value, variant.id), value, variant, outcome), per_cell)
    examples: list[Example] = []
    for cell, kept in zip(chosen, found, strict=True):
        for _, value, variant, outcome in sorted(kept, key=lambda item: item[0]):
            examples.append(
                Example(
                    retriever=cell.retriever,
                    family=cell.family,
                    metric=cell.metric,
                    value=value,
                    variant=variant,
                    moves=_moves(variant, outcome.ranks),
                )
            )
    return examples


def _keep(
    kept: list[tuple[tuple[float, str], float, VariantRecord, Outcome]],
    item: tuple[tuple[float, str], float, VariantRecord, Outcome],
    size: int,
) -> None:
    """Keep the ``size`` items of lowest key seen so far (the first ``size`` of a sort)."""
    kept.append(item)
    if len(kept) > size:
        kept.remove(max(kept, key=lambda x: x[0]))


def _pairs(result: RunResult) -> Iterator[tuple[VariantRecord | None, Outcome]]:
    """The run's (variant, outcome) pairs with their text printable: those read from the
    outcomes file as they are walked are not in the copy a report makes of the result."""
    return map(printable_copy, result.pairs())


def rank_moves(result: RunResult, family: Family, retriever: str) -> list[Move]:
    """Every expected-down document's rank before and after, over a directional family."""
    moves = []
    for variant, outcome in _pairs(result):
        if outcome.retriever != retriever or variant is None:
            continue
        if variant.family is not family or not variant.down:
            continue
        for doc in variant.down:
            if doc in outcome.ranks:
                before, after = outcome.ranks[doc]
                moves.append(Move(doc, int(before), int(after), "down"))
    return moves


def describe_move(move: Move) -> str:
    label = {"down": "should drop", "up": "should rise", "relevant": "relevant"}[move.expected]
    return f"{move.doc_id} ({label}): rank {move.before} → {move.after}"


_SPACE = re.compile(r"\s+")


def plain_diff(pieces: Sequence[Piece]) -> str:
    """A diff as plain text: deletions ``[-…-]``, insertions ``{+…+}`` (wdiff's notation)."""
    marks = {"delete": "[-{}-]", "insert": "{{+{}+}}", "equal": "{}", "gap": "{}"}
    return _SPACE.sub(" ", " ".join(marks[p.kind].format(p.text) for p in pieces)).strip()
