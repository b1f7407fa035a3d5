"""How far generated paraphrases move a retriever's ranking, next to InstructIR's own rewrites.

    .venv/bin/python benchmarks/paraphrase_strength.py              # 300 instances, MiniLM
    .venv/bin/python benchmarks/paraphrase_strength.py --limit 60   # quicker

On instructir-lite, the instances that have InstructIR's five independent rewrites of their
instruction (``analysis_prompt_sensitivity``) are run with MiniLM and every paraphrase operator
(each generated paraphrase through the meaning filter, as in a run; ``recast`` and ``restate``
are defaults). For each operator and level, on the instances where it made a variant,
the mean rank-shift@10 and ΔRBO@10 of its variants is set beside the mean over the same
instances' InstructIR rewrites; the ratio is generated / rewrites (1.0: as strong as the
dataset's rewrites). A second table sets each beside only the rewrites the meaning
filter would keep (the filter scores a suite's own rewrites and keeps them all, and many fall
below its threshold), and a third beside only the rewrites a reader accepted: one rewrite an
instance was read by the standard the generated paraphrases are read by
(``perturbation_audit.py``, instructir-rewrites-1 to -3, every other one read again blind for
the readers' agreement). Results go to
``benchmarks/results/paraphrase_strength.{json,md}``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
CURATED = "curated-paraphrase"
METRICS = ("rank-shift@10", "RBO@10")
STRENGTH_INSTANCES = 300
"""The instances with rewrites run by default (instructir-rewrites-1 to -3 read theirs)."""


@dataclass(frozen=True)
class Row:
    source: str
    instances: int
    variants: int
    generated: dict[str, float]
    rewrites: dict[str, float]
    kept_instances: int
    """Of ``instances``, those with a rewrite the meaning filter keeps."""
    generated_where_kept: dict[str, float]
    kept_rewrites: dict[str, float]
    """The mean over the rewrites the meaning filter keeps (cosine >= 0.85, the polarity kept)."""
    read_instances: int
    """Of ``instances``, those whose rewrite read in instructir-rewrites-1 to -3 was accepted."""
    generated_where_read: dict[str, float]
    read_rewrites: dict[str, float]
    """The mean over those accepted rewrites (one an instance)."""

    def ratio(self, metric: str) -> float:
        return self.generated[metric] / self.rewrites[metric]

    def kept_ratio(self, metric: str) -> float:
        return self.generated_where_kept[metric] / self.kept_rewrites[metric]

    def read_ratio(self, metric: str) -> float:
        return self.generated_where_read[metric] / self.read_rewrites[metric]


READINGS = tuple(f"instructir-rewrites-{n}" for n in (1, 2, 3))
"""The readings of one InstructIR rewrite an instance (``perturbation_audit.py``)."""


def agreement() -> dict[str, float | None]:
    """How often the second readings (``-again``, every other item, read blind) agree with the
    first, and Cohen's kappa."""
    from perturbation_audit import Audit, agreement, read_twice

    pairs = [pair for name in READINGS for pair in read_twice(Audit(f"{name}-again"))]
    return agreement([(a["accept"], b["accept"]) for a, b in pairs])


def rewrite_verdicts() -> dict[tuple[str, str], bool]:
    """Each read rewrite's (instance, text) and whether its first reader accepted it; it exits
    where a rewrite is not read yet."""
    from perturbation_audit import Audit, read_jsonl

    verdicts: dict[tuple[str, str], bool] = {}
    for name in READINGS:
        audit = Audit(name)
        accept = {j["id"]: bool(j["accept"]) for j in read_jsonl(audit.judgments)}
        for item in read_jsonl(audit.sample):
            if item["id"] not in accept:
                sys.exit(f"{name}: {item['id']} is not read yet")
            verdicts[item["id"].rsplit(":", 1)[1], item["variant"]] = accept[item["id"]]
    return verdicts


def suite_with_rewrites(limit: int) -> Any:
    from dataclasses import replace

    from instructprobe.suites import load_suite

    suite = load_suite("instructir-lite")
    chosen = tuple(q for q in suite.queries if q.paraphrases)[:limit]
    return replace(suite, name=f"instructir-lite-rewrites-{limit}", queries=chosen)


def source_of(variant: dict[str, Any]) -> str:
    params = dict(variant.get("params") or {})
    level = params.get("level")
    return f"{variant['operator']} {level}" if level else variant["operator"]


def passes_the_filter(variant: dict[str, Any]) -> bool:
    """Whether the meaning filter, which scores a suite's own rewrites and keeps them all, would
    have kept this one."""
    return dict(variant.get("params") or {}).get("meaning_filter") == "pass"


def strength_rows(
    result: dict[str, Any], verdicts: dict[tuple[str, str], bool] | None = None
) -> list[Row]:
    variants = {v["id"]: v for v in result["variants"]}
    values: dict[str, dict[str, list[dict[str, float]]]] = defaultdict(lambda: defaultdict(list))
    kept: dict[str, list[dict[str, float]]] = defaultdict(list)
    accepted: dict[str, list[dict[str, float]]] = defaultdict(list)
    for outcome in result["outcomes"]:
        variant = variants[outcome["variant_id"]]
        values[source_of(variant)][variant["query_id"]].append(outcome["values"])
        if variant["operator"] != CURATED:
            continue
        if passes_the_filter(variant):
            kept[variant["query_id"]].append(outcome["values"])
        if (verdicts or {}).get((variant["query_id"], variant["instruction"])):
            accepted[variant["query_id"]].append(outcome["values"])
    rewrites = values.pop(CURATED)

    def mean(per_instance: dict[str, list[dict[str, float]]], ids: list[str], m: str) -> float:
        if not ids:
            return float("nan")
        return statistics.fmean(statistics.fmean(v[m] for v in per_instance[i]) for i in ids)

    rows = []
    for source, per_instance in sorted(values.items()):
        ids = sorted(i for i in per_instance if i in rewrites)
        if not ids:
            continue
        kept_ids = [i for i in ids if i in kept]
        read_ids = [i for i in ids if i in accepted]
        rows.append(
            Row(
                source,
                len(ids),
                sum(len(per_instance[i]) for i in ids),
                {m: mean(per_instance, ids, m) for m in METRICS},
                {m: mean(rewrites, ids, m) for m in METRICS},
                len(kept_ids),
                {m: mean(per_instance, kept_ids, m) for m in METRICS},
                {m: mean(kept, kept_ids, m) for m in METRICS},
                len(read_ids),
                {m: mean(per_instance, read_ids, m) for m in METRICS},
                {m: mean(accepted, read_ids, m) for m in METRICS},
            )
        )
    return rows


def read_split(
    result: dict[str, Any], verdicts: dict[tuple[str, str], bool]
) -> dict[bool, dict[str, float]]:
    """The read rewrites' mean rank-shift@10, ΔRBO@10 and MiniLM cosine to the original, and the
    share the meaning filter would keep, accepted and rejected apart."""
    split: dict[bool, list[dict[str, float]]] = defaultdict(list)
    variants = {v["id"]: v for v in result["variants"]}
    for outcome in result["outcomes"]:
        variant = variants[outcome["variant_id"]]
        verdict = verdicts.get((variant["query_id"], variant["instruction"]))
        if variant["operator"] == CURATED and verdict is not None:
            params = dict(variant["params"])
            split[verdict].append(
                outcome["values"]
                | {"cosine": float(params["cosine"]), "kept": float(passes_the_filter(variant))}
            )
    return {
        verdict: {"n": len(rows)}
        | {m: statistics.fmean(r[m] for r in rows) for m in (*METRICS, "cosine", "kept")}
        for verdict, rows in split.items()
    }


def cosine_auc(result: dict[str, Any], verdicts: dict[tuple[str, str], bool]) -> float:
    """How well MiniLM's cosine to the original tells the accepted rewrites from the rejected
    (ROC AUC: 0.5 is chance)."""
    from scipy.stats import mannwhitneyu

    cosines: dict[bool, list[float]] = defaultdict(list)
    for variant in result["variants"]:
        verdict = verdicts.get((variant["query_id"], variant["instruction"]))
        if variant["operator"] == CURATED and verdict is not None:
            cosines[verdict].append(float(dict(variant["params"])["cosine"]))
    good, bad = cosines[True], cosines[False]
    return float(mannwhitneyu(good, bad).statistic) / (len(good) * len(bad))


COMMON_SHARE = 0.02
"""A word in more than this share of the instructions is common: instruction language ("need",
"information", "search"), not the domain's."""


def removed_words(
    result: dict[str, Any], originals: dict[str, str], verdicts: dict[tuple[str, str], bool]
) -> dict[str, dict[str, int]]:
    """Per source (each operator and level, InstructIR's rewrites, the accepted ones among
    them): its variants, the content words of their originals (by stem, with repeats), common
    and other apart, and how many of each its variants no longer have."""
    from collections import Counter

    from instructprobe.perturb.text import content_words, stem

    def stems(text: str) -> Counter[str]:
        return Counter(stem(word) for word in content_words(text))

    spread = Counter(word for text in originals.values() for word in stems(text))
    common = {word for word, n in spread.items() if n > COMMON_SHARE * len(originals)}
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    variants = {v["id"]: v for v in result["variants"]}
    for outcome in result["outcomes"]:
        variant = variants[outcome["variant_id"]]
        original, edited = stems(originals[variant["query_id"]]), stems(variant["instruction"])
        tally: Counter[str] = Counter(variants=1)
        for word, n in original.items():
            kind = "common" if word in common else "other"
            tally[kind] += n
            tally[f"{kind} removed"] += max(0, n - edited[word])
        sources = [source_of(variant)]
        if variant["operator"] == CURATED:
            sources = ["InstructIR's rewrites"]
            if verdicts.get((variant["query_id"], variant["instruction"])):
                sources.append("the rewrites a reader accepted")
        for source in sources:
            counts[source].update(tally)
    return {source: dict(counts[source]) for source in sorted(counts)}


def removed_section(removed: dict[str, dict[str, int]]) -> list[str]:
    lines = [
        "Content words of the original instruction a variant no longer has (by stem, with "
        f"repeats; the variants above). Common: in more than {COMMON_SHARE:.0%} of these "
        "instructions (instruction language); other: the domain's words.",
        "",
        "| variants of | variants | content words removed | common | other |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]

    def share(gone: int, total: int) -> str:
        return f"{gone:,} of {total:,} ({gone / total:.0%})" if total else "—"

    for source, n in removed.items():
        gone = n.get("common removed", 0) + n.get("other removed", 0)
        total = n.get("common", 0) + n.get("other", 0)
        lines.append(
            f"| {source} | {n['variants']} | {share(gone, total)} | "
            f"{share(n.get('common removed', 0), n.get('common', 0))} | "
            f"{share(n.get('other removed', 0), n.get('other', 0))} |"
        )
    return lines


def table(
    rows: list[Row],
    instances: int,
    kept_share: float,
    reading: Reading | None = None,
    removed: dict[str, dict[str, int]] | None = None,
) -> str:
    lines = [
        f"Instances with InstructIR rewrites: {instances} (MiniLM, instructir-lite, seed 0). "
        "Means over the instances where the operator made a variant that passed the meaning "
        "filter; ratio = generated / InstructIR rewrites of the same instances.",
        "",
        *comparison(rows, "rewrites", lambda r: (r.instances, r.generated, r.rewrites)),
        "",
        f"Beside only the rewrites the meaning filter would keep ({kept_share:.1%} of them: "
        "cosine >= 0.85 to the original, "
        "the polarity kept; the filter scores a suite's own rewrites and keeps them all), on the "
        "instances that have one: the strength a generator held to the same filter could reach.",
        "",
        *comparison(
            rows,
            "kept rewrites",
            lambda r: (r.kept_instances, r.generated_where_kept, r.kept_rewrites),
        ),
    ]
    if reading:
        lines += ["", *read_section(rows, reading)]
    if removed:
        lines += ["", *removed_section(removed)]
    return "\n".join(lines)


@dataclass(frozen=True)
class Reading:
    """What the readings of InstructIR's rewrites found (instructir-rewrites-1 to -3)."""

    split: dict[bool, dict[str, float]]
    """``read_split``: the read rewrites' means, accepted (True) and rejected apart."""
    agreed: dict[str, float | None]
    """``agreement``: the second readings against the first."""
    cosine_auc: float


def read_section(rows: list[Row], reading: Reading) -> list[str]:
    good, bad = reading.split.get(True, {"n": 0}), reading.split.get(False, {"n": 0})
    agreed = reading.agreed
    kappa = "undefined" if agreed["kappa"] is None else f"{agreed['kappa']:.2f}"

    def means(part: dict[str, float]) -> str:
        if not part["n"]:
            return "none"
        return (
            f"rank-shift@10 {part['rank-shift@10']:.2f}, ΔRBO@10 {part['RBO@10']:+.3f}, MiniLM "
            f"cosine {part['cosine']:.3f}, {part['kept']:.0%} kept by the meaning filter"
        )

    return [
        "Beside only the rewrites a reader accepted as keeping the meaning (instructir-rewrites-1 "
        "to -3: one rewrite an instance, read by the generated paraphrases' standard; "
        f"{good['n']:.0f} of {good['n'] + bad['n']:.0f} accepted), on the instances whose read "
        f"rewrite was accepted. The read rewrites themselves: accepted {means(good)}; "
        f"rejected {means(bad)}; the cosine tells them apart with ROC AUC "
        f"{reading.cosine_auc:.2f}. Read twice (every other rewrite, {agreed['items']:.0f}, by "
        "another reader who did not see the first judgments): the readers agree on "
        f"{agreed['agreed']:.0%} (Cohen's kappa {kappa}); the first accepted "
        f"{agreed['first_accepted']:.0%} of them, the second {agreed['again_accepted']:.0%}, both "
        f"{agreed['both_accepted']:.0%}.",
        "",
        *comparison(
            rows,
            "accepted rewrites",
            lambda r: (r.read_instances, r.generated_where_read, r.read_rewrites),
        ),
    ]


Means = dict[str, float]


def comparison(
    rows: list[Row], reference: str, pick: Callable[[Row], tuple[int, Means, Means]]
) -> list[str]:
    """A Markdown table of each row's generated means beside ``reference``'s, with the ratios."""
    lines = [
        f"| operator | instances | rank-shift@10 | {reference} | ratio | ΔRBO@10 | {reference} "
        "| ratio |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        instances, g, r = pick(row)
        shift, rbo = "rank-shift@10", "RBO@10"
        lines.append(
            f"| {row.source} | {instances} | {g[shift]:.2f} | {r[shift]:.2f} | "
            f"{g[shift] / r[shift]:.2f} | {g[rbo]:+.3f} | {r[rbo]:+.3f} | {g[rbo] / r[rbo]:.2f} |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--limit", type=int, default=STRENGTH_INSTANCES, help="instances with rewrites to run"
    )
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from instructprobe import run

    suite = suite_with_rewrites(args.limit)
    result = run(
        retrievers="minilm",
        suite=suite,
        families="paraphrase,curated-paraphrase",
        seed=args.seed,
        resamples=100,
        progress=True,
    ).to_dict()
    verdicts = rewrite_verdicts() if args.limit == STRENGTH_INSTANCES else {}
    rows = strength_rows(result, verdicts)
    rewrites = [v for v in result["variants"] if v["operator"] == CURATED]
    kept_share = sum(map(passes_the_filter, rewrites)) / len(rewrites)
    reading = (
        Reading(read_split(result, verdicts), agreement(), cosine_auc(result, verdicts))
        if verdicts
        else None
    )
    originals = {q.id: q.instruction for q in suite.queries}
    removed = removed_words(result, originals, verdicts)
    text = table(rows, len(suite.queries), kept_share, reading, removed)
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "paraphrase_strength.md").write_text(text + "\n", encoding="utf-8")
    payload = {
        "instances": len(suite.queries),
        "seed": args.seed,
        "rewrites_kept_share": kept_share,
        "content_words_removed": removed,
        "reading": None
        if reading is None
        else {
            "accepted": reading.split.get(True),
            "rejected": reading.split.get(False),
            "read_twice": reading.agreed,
            "cosine_auc": reading.cosine_auc,
        },
        "rows": [
            row.__dict__
            | {
                "ratio": {m: row.ratio(m) for m in METRICS},
                "kept_ratio": {m: row.kept_ratio(m) for m in METRICS},
                "read_ratio": {m: row.read_ratio(m) for m in METRICS} if reading else None,
            }
            for row in rows
        ],
    }
    (RESULTS / "paraphrase_strength.json").write_text(
        json.dumps(payload, indent=2) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    main()
