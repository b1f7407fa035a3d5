"""How much stronger could rules make the strongest paraphrase? Two bounds, not paraphrasers.

    .venv/bin/python benchmarks/paraphrase_headroom.py

``restate`` moves MiniLM's rankings 0.30x as far as InstructIR's own rewrites
(``paraphrase_strength.py``), against a goal of 0.5x. Its variants remove 16% of the
original's common instruction words and 2% of the domain's; the rewrites remove 65% and 51%.
This script asks what rules could still add, on the same 300 instances with rewrites:

- ``restate`` then ``sentence-shuffle``: the sentences in another order as well (the reorder
  family's operator, whose guards are weaker than ``restate``'s move of the need);
- ``restate`` then every common instruction word of a fixed list swapped for a near synonym,
  wherever it stands, context ignored ("need" -> "require", "information" -> "details",
  "search" -> "lookup"). Readers rejected many such swaps in context (docs/audits.md), so this
  is no paraphraser: it bounds what rewording instruction language alone could add;
- both.

Each variant is scored as a suite's own rewrite (the ``curated-paraphrase`` family) beside the
instance's InstructIR rewrites, in the same run. Results go to
``benchmarks/results/paraphrase_headroom.{json,md}``.
"""

from __future__ import annotations

import json
import re
import statistics
import sys
from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
INSTANCES = 300
METRICS = ("rank-shift@10", "RBO@10")

SWAPS = {
    "search": "lookup",
    "searching": "hunting",
    "searches": "lookups",
    "include": "contain",
    "includes": "contains",
    "including": "covering",
    "specific": "particular",
    "specifically": "particularly",
    "want": "wish",
    "need": "require",
    "needs": "requires",
    "understand": "grasp",
    "create": "make",
    "creating": "making",
    "current": "present",
    "information": "details",
    "planning": "preparing",
    "work": "job",
    "focus": "concentrate",
    "focusing": "concentrating",
    "studies": "research",
    "study": "research",
    "accurate": "correct",
    "sources": "references",
    "source": "reference",
    "develop": "build",
    "developing": "building",
    "students": "learners",
    "student": "learner",
    "use": "apply",
    "using": "applying",
    "time": "period",
    "prepare": "ready",
    "preparing": "readying",
    "explain": "describe",
    "explains": "describes",
    "explaining": "describing",
    "articles": "papers",
    "article": "paper",
    "comprehensive": "thorough",
    "find": "locate",
    "research": "investigation",
    "results": "hits",
    "provide": "give",
    "provides": "gives",
    "local": "nearby",
    "teacher": "educator",
    "teachers": "educators",
    "help": "assist",
    "effective": "useful",
    "professional": "expert",
    "practices": "methods",
    "education": "schooling",
    "data": "figures",
    "potential": "possible",
    "different": "various",
    "detailed": "thorough",
    "client": "customer",
    "clients": "customers",
    "ensure": "guarantee",
    "write": "compose",
    "possible": "feasible",
    "related": "connected",
    "engaging": "compelling",
    "book": "volume",
    "books": "volumes",
    "materials": "resources",
    "make": "produce",
    "looking": "seeking",
    "context": "background",
    "prefer": "favour",
    "impact": "effect",
    "affect": "influence",
    "documents": "texts",
    "options": "choices",
    "easy": "simple",
    "location": "place",
}
"""Common instruction words (in more than 2% of the instructions, by stem) that InstructIR's
rewrites change most often where ``restate`` keeps them, each with one near synonym."""
_SWAPPED = re.compile(r"\b(" + "|".join(map(re.escape, SWAPS)) + r")\b", re.I)


def swapped(text: str) -> str:
    """Every listed word swapped, its capital kept."""

    def swap(match: re.Match[str]) -> str:
        word = SWAPS[match.group(0).lower()]
        return word.capitalize() if match.group(0)[0].isupper() else word

    return _SWAPPED.sub(swap, text)


def variant_maker(steps: str, suite: Any) -> Callable[[Any], str]:
    """The text the ``+``-joined steps make of a query's instruction, seed 0, each case with the
    stream a run gives the operator (so ``restate`` alone is the run's ``restate``)."""
    from instructprobe.perturb.base import CorpusStats
    from instructprobe.perturb.compose import compose
    from instructprobe.perturb.registry import get_operator
    from instructprobe.perturb.seeding import rng_for
    from instructprobe.probes.plan import case_for

    names = [n for n in steps.split("+") if n != "swaps"]
    operator = compose(*map(get_operator, names)) if len(names) > 1 else get_operator(names[0])

    def make(query: Any) -> str:
        case = case_for(query, suite)
        made = operator.variants(case, rng_for(0, operator.name, case.id), CorpusStats())
        text = made[0].request.instruction if made else query.instruction
        return swapped(text) if "swaps" in steps else text

    return make


SOURCES = ("restate", "restate+sentence-shuffle", "restate+swaps", "restate+sentence-shuffle+swaps")


def strengths(suite: Any, steps: str) -> dict[str, dict[str, float]]:
    """Mean rank-shift@10 and ΔRBO@10 of the steps' variant and of the rewrites, per instance
    then over instances."""
    from instructprobe import run

    make = variant_maker(steps, suite)
    made = {q.id: make(q) for q in suite.queries}
    queries = tuple(replace(q, paraphrases=(*q.paraphrases, made[q.id])) for q in suite.queries)
    result = run(
        retrievers="minilm",
        suite=replace(suite, queries=queries),
        families="curated-paraphrase",
        seed=0,
        resamples=100,
    ).to_dict()
    variants = {v["id"]: v for v in result["variants"]}
    values: dict[str, dict[str, list[dict[str, float]]]] = defaultdict(lambda: defaultdict(list))
    for outcome in result["outcomes"]:
        variant = variants[outcome["variant_id"]]
        ours = variant["instruction"] == made[variant["query_id"]]
        values["generated" if ours else "rewrites"][variant["query_id"]].append(outcome["values"])
    return {
        side: {
            m: statistics.fmean(statistics.fmean(v[m] for v in per[i]) for i in per)
            for m in METRICS
        }
        for side, per in values.items()
    }


def main() -> None:
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from paraphrase_strength import suite_with_rewrites

    suite = suite_with_rewrites(INSTANCES)
    rows = {steps: strengths(suite, steps) for steps in SOURCES}
    lines = [
        f"{len(suite.queries)} instructir-lite instances with InstructIR rewrites, MiniLM, seed 0; "
        "ratio = the variant's mean / the rewrites' mean on the same instances. *swaps*: the "
        f"{len(SWAPS)} common instruction words of a fixed list each swapped for a near synonym "
        "wherever they stand (a bound, not a paraphraser).",
        "",
        "| variant | rank-shift@10 | rewrites | ratio | ΔRBO@10 | rewrites | ratio |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for steps, row in rows.items():
        g, r = row["generated"], row["rewrites"]
        shift, rbo = METRICS
        lines.append(
            f"| {steps} | {g[shift]:.2f} | {r[shift]:.2f} | {g[shift] / r[shift]:.2f} | "
            f"{g[rbo]:+.3f} | {r[rbo]:+.3f} | {g[rbo] / r[rbo]:.2f} |"
        )
    text = "\n".join(lines)
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "paraphrase_headroom.md").write_text(text + "\n", encoding="utf-8")
    payload = {"instances": len(suite.queries), "swaps": SWAPS, "rows": rows}
    (RESULTS / "paraphrase_headroom.json").write_text(
        json.dumps(payload, indent=2) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    main()
