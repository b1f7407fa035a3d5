"""Measures by name: ``parse("nDCG@10")`` gives an immutable, hashable measure object.

Ranking measures score one ranking against qrels (nDCG, AP, RR, R, as trec_eval computes them);
paired measures score how a ranking moved under an edited request (p-MRR, rank shift, Kendall τ,
RBO, top-k overlap, the expected documents' move). Rankings are read in order; a ranking built
from scores breaks ties as trec_eval does (``ranking_from_scores``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from instructprobe.probes.measures.ap import AP
from instructprobe.probes.measures.base import Measure, PairedMeasure, Qrels, RankingMeasure
from instructprobe.probes.measures.expected_move import ExpectedMove
from instructprobe.probes.measures.kendall import KendallTau
from instructprobe.probes.measures.ndcg import NDCG
from instructprobe.probes.measures.overlap import Overlap
from instructprobe.probes.measures.pair_accuracy import PairAccuracy
from instructprobe.probes.measures.pmrr import PMRR
from instructprobe.probes.measures.rank_shift import RankShift
from instructprobe.probes.measures.rbo import RBO
from instructprobe.probes.measures.recall import Recall
from instructprobe.probes.measures.robustness import Robustness, WorstVariant, robustness
from instructprobe.probes.measures.rr import RR

__all__ = [
    "AP",
    "MEASURES",
    "NDCG",
    "PMRR",
    "RBO",
    "RR",
    "ExpectedMove",
    "KendallTau",
    "Measure",
    "Overlap",
    "PairAccuracy",
    "PairedMeasure",
    "Qrels",
    "RankShift",
    "RankingMeasure",
    "Recall",
    "Robustness",
    "WorstVariant",
    "parse",
    "ranking_from_scores",
    "robustness",
]

MEASURES: dict[str, type[Measure]] = {
    cls.NAME.lower(): cls
    for cls in (
        NDCG,
        AP,
        RR,
        Recall,
        PMRR,
        RankShift,
        KendallTau,
        RBO,
        Overlap,
        ExpectedMove,
        PairAccuracy,
        Robustness,
        WorstVariant,
    )
}
ALIASES = {"map": "ap", "mrr": "rr", "recall": "r", "kendall": "tau"}
_SYNTAX = re.compile(r"^(?P<name>[A-Za-z-]+)(?:@(?P<cutoff>\d+))?$")


def parse(text: str) -> Measure:
    """``nDCG@10``, ``MAP@100`` (= ``AP@100``, averaged over queries), ``p-MRR``, ``RBO@20``…"""
    match = _SYNTAX.match(text.strip())
    name = match["name"].lower() if match else ""
    cls = MEASURES.get(ALIASES.get(name, name))
    if match is None or cls is None:
        known = ", ".join(c.NAME for c in MEASURES.values())
        raise ValueError(f"unknown measure {text!r} (known: {known}; e.g. nDCG@10)")
    cutoff = match["cutoff"]
    return cls(int(cutoff) if cutoff else None)


def ranking_from_scores(scores: Mapping[str, float]) -> list[str]:
    """Documents in trec_eval's order: score descending, ties by document id descending."""
    by_id_descending = sorted(scores, reverse=True)
    return sorted(by_id_descending, key=lambda doc: -scores[doc])
