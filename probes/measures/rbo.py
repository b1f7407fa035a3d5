from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from instructprobe.probes.measures.base import PairedMeasure, Qrels


@dataclass(frozen=True)
class RBO(PairedMeasure):
    """Rank-biased overlap (Webber et al. 2010), extrapolated (RBO_ext, their eq. 32).

    ``p`` is the persistence: the weight of the top d ranks is 1 - p^d (0.9 puts about 86% of
    the weight on the top 10). ``cutoff`` truncates both rankings first. 1 = identical.
    """

    NAME = "RBO"
    IDENTITY = 1.0
    CHANGE_RANGE = (-1.0, 0.0)
    p: float = 0.9

    def __post_init__(self) -> None:
        super().__post_init__()
        if not 0 < self.p < 1:
            raise ValueError(f"RBO persistence p must be in (0, 1), got {self.p}")

    def __str__(self) -> str:
        base = super().__str__()
        return base if self.p == 0.9 else f"{base}(p={self.p:g})"

    def score_pair(
        self, before: Sequence[str], after: Sequence[str], qrels_before: Qrels, qrels_after: Qrels
    ) -> float | None:
        k = self.cutoff or max(len(before), len(after))
        s, t = list(before[:k]), list(after[:k])
        depth = min(len(s), len(t))
        if depth == 0:
            return None
        if s[:depth] == t[:depth]:
            return 1.0  # the sum below rounds to 1 - 1.1e-16 at most depths (11 to 175)
        seen_s: set[str] = set()
        seen_t: set[str] = set()
        overlap, weighted = 0, 0.0
        for d in range(1, depth + 1):
            a, b = s[d - 1], t[d - 1]
            if a == b:
                overlap += 1
            else:
                overlap += (a in seen_t) + (b in seen_s)
            seen_s.add(a)
            seen_t.add(b)
            weighted += overlap / d * self.p**d
        agreement = overlap / depth
        return (1 - self.p) / self.p * weighted + agreement * self.p**depth
