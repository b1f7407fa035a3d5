"""Measures by name: ``parse("nDCG@10")`` gives an immutable, hashable measure object."""

from __future__ import annotations

import re

from probes.measures.base import Measure, PairedMeasure, Qrels, RankingMeasure
from probes.measures.ndcg import NDCG
from probes.measures.pmrr import PMRR
from probes.measures.rank_shift import RankShift

__all__ = [
    "MEASURES",
    "NDCG",
    "PMRR",
    "Measure",
    "PairedMeasure",
    "Qrels",
    "RankShift",
    "RankingMeasure",
    "parse",
]

MEASURES: dict[str, type[Measure]] = {cls.NAME.lower(): cls for cls in (NDCG, PMRR, RankShift)}
_SYNTAX = re.compile(r"^(?P<name>[A-Za-z-]+)(?:@(?P<cutoff>\d+))?$")


def parse(text: str) -> Measure:
    match = _SYNTAX.match(text.strip())
    cls = MEASURES.get(match["name"].lower()) if match else None
    if match is None or cls is None:
        known = ", ".join(c.NAME for c in MEASURES.values())
        raise ValueError(f"unknown measure {text!r} (known: {known}; e.g. nDCG@10)")
    cutoff = match["cutoff"]
    return cls(int(cutoff) if cutoff else None)
