"""Measures are small immutable objects named like ``nDCG@10``; parse them with ``parse``."""

from __future__ import annotations

import abc
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

Qrels = Mapping[str, int]


def rank_in(ranking: Sequence[str], doc: str) -> int:
    """1-based rank of ``doc`` in ``ranking``, ``len(ranking) + 1`` when it is missing (MTEB's
    rank for a document a run did not retrieve).

    A scan in C: measures look up a handful of documents in rankings ~1,000 deep, where
    building a rank dictionary per ranking would cost more than the lookups.
    """
    try:
        return ranking.index(doc) + 1
    except ValueError:
        return len(ranking) + 1


@dataclass(frozen=True)
class Measure(abc.ABC):
    """A measure with an optional rank cutoff; equal measures are equal and hash the same.

    ``HIGHER_IS_BETTER`` says which way is good (a displacement such as rank shift grows as
    rankings get worse); ``SCALE`` and ``DIGITS`` are how reports print it (p-MRR ×100, as the
    papers do). ``CHANGE_RANGE`` bounds a per-query change of the measure, where it is bounded
    tightly enough for the bounded-mean tests and intervals (None: a bootstrap interval)."""

    NAME: ClassVar[str]
    HIGHER_IS_BETTER: ClassVar[bool] = True
    CHANGE_RANGE: ClassVar[tuple[float, float] | None] = None
    SCALE: ClassVar[float] = 1.0
    DIGITS: ClassVar[int] = 3
    cutoff: int | None = None

    def __post_init__(self) -> None:
        if self.cutoff is not None and self.cutoff < 1:
            raise ValueError(f"{self.NAME} cutoff must be >= 1, got {self.cutoff}")

    def __str__(self) -> str:
        return self.NAME if self.cutoff is None else f"{self.NAME}@{self.cutoff}"

    def shown(self, value: float) -> float:
        """``value`` on the scale reports print."""
        return value * self.SCALE


class RankingMeasure(Measure):
    """Scores one ranking against one set of judgments (a score in [0, 1]); ``None`` where it
    is undefined."""

    CHANGE_RANGE = (-1.0, 1.0)

    @abc.abstractmethod
    def score(self, ranking: Sequence[str], qrels: Qrels) -> float | None: ...


class PairedMeasure(Measure):
    """Scores how one ranking moved into another (the ranking under the edited request).

    ``IDENTITY`` is the score of an unchanged ranking (0 for shifts and p-MRR, 1 for
    similarities such as RBO); a probe's change is the score minus it.
    """

    IDENTITY: ClassVar[float] = 0.0
    SCORES_MOVES: ClassVar[bool] = False
    """Whether it scores the moves of the documents whose judgment the edit changes (p-MRR):
    it is given, as the judgments before the edit, those a move is scored from
    (``observe.judged_before``: the distractors an exclusion clause names count)."""

    @abc.abstractmethod
    def score_pair(
        self, before: Sequence[str], after: Sequence[str], qrels_before: Qrels, qrels_after: Qrels
    ) -> float | None: ...
