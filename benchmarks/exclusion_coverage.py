"""How many queries the exclusion clause reaches, with and without the near misses.

    .venv/bin/python benchmarks/exclusion_coverage.py

On every InstructIR instruction (``../shared/data/instructir``, as perturbation_coverage.py
reads it) and every starter query, seed 0: the share that gets a clause from the relevant
documents alone (``CorpusStats`` without the corpus: the minority term choice) and with the
corpus's near misses (the plan's ``corpus_stats``), how many documents a near-miss clause
moves down, and why the others get none: no near miss in the corpus, near misses without a
noun the request leaves unsaid, or nouns that all fail the rules for a word a reader would
exclude. Results go to ``benchmarks/results/exclusion_coverage.json``.
"""

from __future__ import annotations

import json
import statistics
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from perturbation_audit import starter_cases  # noqa: E402
from perturbation_coverage import load_cases  # noqa: E402

from instructprobe.perturb import Case, CorpusStats, get_operator, rng_for  # noqa: E402
from instructprobe.perturb.neighbours import Neighbours  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "exclusion_coverage.json"


WHY_NONE = ("no near miss", "no unsaid noun among the near misses", "every noun fails a rule")


def why_none(case: Case, neighbours: Neighbours) -> str:
    """The first step of the near-miss term choice that leaves ``case`` without a term."""
    from instructprobe.perturb.distractors import near_misses, unsaid_nouns

    near, texts = near_misses(case, neighbours)
    if not near:
        return WHY_NONE[0]
    if not unsaid_nouns(case, texts):
        return WHY_NONE[1]
    return WHY_NONE[2]


def reach(cases: list[Case], stats: CorpusStats) -> dict[str, object]:
    operator = get_operator("exclusion-clause")
    minority = near = 0
    moved = []
    none: Counter[str] = Counter()
    for case in cases:
        made = operator.variants(case, rng_for(0, operator.name, case.id), stats)
        if not made:
            if stats.neighbours is not None:
                none[why_none(case, stats.neighbours)] += 1
            continue
        if ("from", "distractors") in made[0].params:
            near += 1
            moved.append(len(made[0].expectation.down))
        else:
            minority += 1
    return {
        "queries": len(cases),
        "from_relevant": minority,
        "from_near_misses": near,
        "with_clause": minority + near,
        "share": round((minority + near) / len(cases), 4),
        "down_per_near_miss_clause": {
            "median": statistics.median(moved) if moved else None,
            "max": max(moved) if moved else None,
        },
        "why_none": {why: none[why] for why in WHY_NONE} if stats.neighbours else None,
    }


def main() -> None:
    found = {}
    for name, (cases, stats) in {
        "instructir": load_cases()[:2],
        "starter": starter_cases(),
    }.items():
        before = reach(cases, replace(stats, neighbours=None))
        after = reach(cases, stats)
        found[name] = {"relevant_only": before, "with_near_misses": after}
        print(
            f"{name}: {before['with_clause']}/{before['queries']} ({before['share']:.1%}) "
            f"before, {after['with_clause']}/{after['queries']} ({after['share']:.1%}) with the "
            f"near misses ({after['from_near_misses']} from them; documents moved down per "
            f"clause: median {after['down_per_near_miss_clause']['median']}, "
            f"max {after['down_per_near_miss_clause']['max']}); without one: "
            + ", ".join(f"{why} {n}" for why, n in after["why_none"].items())
        )
    RESULTS.write_text(json.dumps(found, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
