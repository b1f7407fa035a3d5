"""Coverage of each operator and pass rate of the meaning filter on InstructIR's instructions.

    .venv/bin/python benchmarks/perturbation_coverage.py                 # numbers only
    .venv/bin/python benchmarks/perturbation_coverage.py --write-doc     # + docs/perturbations.md

Reads ``../shared/data/instructir`` (relative to the repository root):
- ``INSTRUCTIR/only_instruction_queries.jsonl``: 9,906 instructions, each with its query
  (``metadata.origin_query``); the instruction id's prefix is the MS MARCO query id.
- ``data_creation/msmarco/filtered_version``: the original MS MARCO passages and qrels of those
  query ids. InstructIR's revised, instruction-specific passages are not in the snapshot, so the
  relevant document of a case is the query's original passage: what negation and strip-overlap
  derive their expectations from. Corpus statistics (idf) come from the same 1,743 passages.
- ``INSTRUCTIR/analysis_prompt_sensitivity``: five rewrites of 1,267 instructions, whose
  cosine to the original calibrates the meaning filter's threshold.

Coverage (share of instructions with at least one variant) is measured on every instruction;
the meaning filter's pass rate on a seeded sample (``--sample``), since it runs MiniLM.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from instructprobe.perturb import (  # noqa: E402
    Case,
    CorpusStats,
    Family,
    RelevantDocument,
    Variant,
    get_operator,
    operator_names,
    rng_for,
)
from instructprobe.perturb.neighbours import Neighbours  # noqa: E402
from instructprobe.perturb.text import content_words  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "instructir"
SKIPPED = {"curated", "curated-paraphrase", "model-paraphrase"}
"""Operators with nothing to do on this data: no curated changes, no paraphrasing model."""
BEGIN, END = "<!-- generated:begin -->", "<!-- generated:end -->"


def load_cases() -> tuple[list[Case], CorpusStats, dict[str, str]]:
    def jsonl(path: Path) -> list[dict[str, object]]:
        with path.open(encoding="utf-8") as handle:
            return [json.loads(line) for line in handle]

    msmarco = DATA / "data_creation" / "msmarco" / "filtered_version"
    corpus = {str(d["_id"]): str(d["text"]) for d in jsonl(msmarco / "corpus.jsonl")}
    qrels: dict[str, dict[str, int]] = defaultdict(dict)
    for line in (msmarco / "qrels" / "test.tsv").read_text().splitlines()[1:]:
        qid, pid, score = line.split("\t")
        qrels[qid][pid] = int(score)
    cases = []
    for row in jsonl(DATA / "INSTRUCTIR" / "only_instruction_queries.jsonl"):
        qid = str(row["_id"]).split("_")[0]
        metadata = row["metadata"]
        assert isinstance(metadata, dict)
        relevant = tuple(
            RelevantDocument(pid, corpus[pid], grade)
            for pid, grade in sorted(qrels[qid].items())
            if grade > 0 and pid in corpus
        )
        query = str(metadata["origin_query"])
        cases.append(Case(str(row["_id"]), query, str(row["text"]), relevant))
    frequency: Counter[str] = Counter()
    for text in corpus.values():
        frequency.update(set(content_words(text)))
    documents = tuple(RelevantDocument(pid, text, 0) for pid, text in corpus.items())
    stats = CorpusStats(len(corpus), dict(frequency), Neighbours(documents))
    return cases, stats, corpus


def human_rewrite_cosines(encoder: object, sample: int, seed: int) -> list[float]:
    from instructprobe.perturb.meaning import MeaningFilter

    folder = DATA / "INSTRUCTIR" / "analysis_prompt_sensitivity"

    def instruction(row: dict[str, str]) -> str:
        return row["text"].split(" [SEP] ")[0]

    with (folder / "og_queries.jsonl").open() as handle:
        originals = {r["_id"]: instruction(r) for r in map(json.loads, handle)}
    with (folder / "5new_queries.jsonl").open() as handle:
        rewrites = [json.loads(line) for line in handle]
    picked = random.Random(seed).sample(rewrites, min(sample, len(rewrites)))
    pairs = [(originals[r["_id"].rsplit(".", 1)[0]], instruction(r)) for r in picked]
    return MeaningFilter(encoder).cosines(pairs)  # type: ignore[arg-type]


def _pass_share(scored: list[Variant]) -> float:
    passed = sum(dict(v.params)["meaning_filter"] == "pass" for v in scored)
    return passed / len(scored) if scored else float("nan")


def render(variant: Variant, original: str, width: int = 900) -> str:
    """The instruction with the edits inline: [-removed-]{+added+}."""
    edits = sorted(variant.edits, key=lambda e: e.start)
    if len(edits) == 1 and edits[0].start == 0 and edits[0].before == original:
        return f"→ {variant.request.instruction}"
    out, cursor = [], 0
    for edit in edits:
        out.append(original[cursor : edit.start])
        removed = f"[-{edit.before}-]" if edit.before else ""
        added = f"{{+{edit.after}+}}" if edit.after else ""
        out.append(removed + added)
        cursor = edit.start + len(edit.before)
    out.append(original[cursor:])
    text = "".join(out)
    return text if len(text) <= width else text[:width] + " …"


def snippet(text: str, term: str, width: int = 160) -> str:
    match = re.search(rf"\b{re.escape(term[:5])}", text, re.I)
    start = max(0, (match.start() if match else 0) - width // 2)
    piece = text[start : start + width].replace("\n", " ")
    return ("…" if start else "") + piece + ("…" if start + width < len(text) else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=1000, help="instructions for the filter")
    parser.add_argument("--limit", type=int, default=None, help="instructions for coverage")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--examples", type=int, default=10)
    parser.add_argument("--write-doc", action="store_true", help="update docs/perturbations.md")
    parser.add_argument("--json", type=Path, default=None, help="write the numbers here")
    args = parser.parse_args()
    if not DATA.is_dir():
        sys.exit(f"no InstructIR data at {DATA}")

    started = time.perf_counter()
    cases, stats, corpus = load_cases()
    if args.limit:
        cases = random.Random(args.seed).sample(cases, args.limit)
    names = [n for n in operator_names() if n not in SKIPPED]
    operators = [get_operator(n) for n in names]
    made: dict[str, dict[str, tuple[Variant, ...]]] = {n: {} for n in names}
    seconds: defaultdict[str, float] = defaultdict(float)
    for case in cases:
        for op in operators:
            tick = time.perf_counter()
            variants = op.variants(case, rng_for(args.seed, op.name, case.id), stats)
            seconds[op.name] += time.perf_counter() - tick
            if variants:
                made[op.name][case.id] = variants
    by_id = {case.id: case for case in cases}
    coverage = {n: len(made[n]) / len(cases) for n in names}
    variant_counts = {n: sum(len(v) for v in made[n].values()) for n in names}
    levels: Counter[str] = Counter(
        dict(v.params).get("level", "") for vs in made["graded-paraphrase"].values() for v in vs
    )
    recast_rewrites: Counter[str] = Counter(
        name
        for vs in made["recast"].values()
        for v in vs
        for name in dict(v.params).get("rewrites", "").split(",")
        if name
    )
    forms: dict[str, Counter[str]] = {
        n: Counter(dict(v.params).get("pattern", v.form) for vs in made[n].values() for v in vs)
        for n in ("predicate-negation", "preference-flip")
    }
    in_query = {
        n: sum(dict(v.params).get("term_in_query") == "true" for vs in made[n].values() for v in vs)
        for n in ("predicate-negation", "preference-flip")
    }

    # The meaning filter on a seeded sample of instructions.
    from instructprobe.perturb.meaning import DEFAULT_THRESHOLD, MeaningFilter, default_encoder

    encoder = default_encoder()
    sample_ids = set(random.Random(args.seed).sample(sorted(by_id), min(args.sample, len(by_id))))
    paraphrases = [
        v
        for n in names
        if get_operator(n).family is Family.PARAPHRASE
        for cid, vs in made[n].items()
        if cid in sample_ids
        for v in vs
    ]
    tick = time.perf_counter()
    filtered = MeaningFilter(encoder).apply(
        paraphrases, {cid: by_id[cid].instruction for cid in sample_ids}
    )
    encode_seconds = time.perf_counter() - tick
    scored = [*filtered.kept, *filtered.dropped]
    pass_rates: dict[str, float | None] = {}
    paraphrasers = [n for n in names if get_operator(n).family is Family.PARAPHRASE]
    for n in paraphrasers:
        pass_rates[n] = filtered.pass_rate(n)
        for level in ("0.1", "0.25", "0.5"):
            chosen = [v for v in scored if v.operator == n and dict(v.params).get("level") == level]
            if chosen:
                passed = sum(dict(v.params)["meaning_filter"] == "pass" for v in chosen)
                pass_rates[f"{n}@{level}"] = passed / len(chosen)
    cosines = sorted(float(dict(v.params)["cosine"]) for v in scored)
    human = sorted(human_rewrite_cosines(encoder, 500, args.seed))

    def quantile(values: list[float], q: float) -> float:
        return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")

    numbers = {
        "instructions": len(cases),
        "coverage": coverage,
        "variants": variant_counts,
        "graded_levels": dict(levels),
        "recast_rewrites": dict(recast_rewrites.most_common()),
        "negation_patterns": {k: dict(v) for k, v in forms.items()},
        "negation_term_in_query": in_query,
        "filter": {
            "threshold": DEFAULT_THRESHOLD,
            "sample_instructions": len(sample_ids),
            "scored": len(scored),
            "pass_rate": filtered.pass_rate(),
            "default_pass_rate": _pass_share(
                [v for v in scored if not get_operator(v.operator).opt_in]
            ),
            "by_operator": pass_rates,
            "cosine_p05_p50": [quantile(cosines, 0.05), quantile(cosines, 0.5)],
            "human_rewrites": {
                "n": len(human),
                "p05_p25_p50": [quantile(human, q) for q in (0.05, 0.25, 0.5)],
                "share_at_or_above_threshold": sum(c >= DEFAULT_THRESHOLD for c in human)
                / max(1, len(human)),
            },
        },
        "seconds": {
            "operators": {n: round(seconds[n], 2) for n in names},
            "encode": round(encode_seconds, 2),
            "total": round(time.perf_counter() - started, 1),
        },
    }
    print(json.dumps(numbers, indent=2))
    if args.json:
        args.json.write_text(json.dumps(numbers, indent=2) + "\n")
    if args.write_doc:
        write_doc(numbers, made, by_id, corpus, filtered.dropped, args)


def write_doc(
    numbers: dict[str, object],
    made: dict[str, dict[str, tuple[Variant, ...]]],
    by_id: dict[str, Case],
    corpus: dict[str, str],
    dropped: tuple[Variant, ...],
    args: argparse.Namespace,
) -> None:
    lines = [BEGIN, ""]
    coverage = numbers["coverage"]
    assert isinstance(coverage, dict)
    lines += [
        f"Measured by `benchmarks/perturbation_coverage.py --seed {args.seed}` on the "
        f"{numbers['instructions']:,} instructions of InstructIR.",
        "",
        "| operator | family | instructions perturbed | variants |",
        "| --- | --- | ---: | ---: |",
    ]
    variants = numbers["variants"]
    assert isinstance(variants, dict)
    for name, share in coverage.items():
        family = get_operator(name).family.value
        lines.append(f"| `{name}` | {family} | {share:.1%} | {variants[name]:,} |")
    flt = numbers["filter"]
    assert isinstance(flt, dict)
    human = flt["human_rewrites"]
    levels = numbers["graded_levels"]
    rewrites = numbers["recast_rewrites"]
    assert isinstance(human, dict) and isinstance(levels, dict) and isinstance(rewrites, dict)
    lines += [
        "",
        f"`graded-paraphrase` reached level 0.1 on {levels.get('0.1', 0):,} instructions, "
        f"0.25 on {levels.get('0.25', 0):,} and 0.5 on {levels.get('0.5', 0):,}: half of an "
        "instruction's content words rarely have a high-precision replacement.",
        "",
        "`recast`'s rewrites, by the instructions each reworded: "
        + ", ".join(f"{name} {count:,}" for name, count in rewrites.items())
        + ".",
        "",
        "**Meaning filter** (the default: same polarity, no unvetted word, no grammar fault, "
        f"and for a free rewrite cosine ≥ {flt['threshold']} with all-MiniLM-L6-v2) on the "
        "paraphrases of "
        f"{flt['sample_instructions']:,} sampled instructions ({flt['scored']:,} variants, the "
        f"opt-in operators' included): the default operators' pass rate "
        f"**{flt['default_pass_rate']:.1%}**, every operator's {flt['pass_rate']:.1%}; "
        f"cosine 5th percentile {flt['cosine_p05_p50'][0]:.3f}, median "
        f"{flt['cosine_p05_p50'][1]:.3f}.",
        "",
        "| paraphrases | pass rate |",
        "| --- | ---: |",
    ]
    by_operator = flt["by_operator"]
    assert isinstance(by_operator, dict)
    for name, rate in by_operator.items():
        lines.append(f"| `{name}` | {rate:.1%} |")
    p05, p25, p50 = human["p05_p25_p50"]
    lines += [
        "",
        f"For comparison, {human['n']} of InstructIR's own rewrites "
        f"(`analysis_prompt_sensitivity`) have cosine {p05:.3f} / {p25:.3f} / {p50:.3f} "
        f"(5th / 25th / 50th percentile) to their original; "
        f"{human['share_at_or_above_threshold']:.1%} of them reach the threshold.",
    ]
    patterns = numbers["negation_patterns"]
    in_query = numbers["negation_term_in_query"]
    assert isinstance(patterns, dict) and isinstance(in_query, dict)
    for name, counts in patterns.items():
        split = ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1]))
        lines += [
            "",
            f"`{name}` by pattern: {split}; X is one of the query's own words in "
            f"{in_query[name]:,} of {sum(counts.values()):,}.",
        ]
    seconds = numbers["seconds"]
    assert isinstance(seconds, dict)
    lines += [
        "",
        f"The run took {seconds['total']} s on 2 shared CPU cores "
        f"(MiniLM encoding for the filter: {seconds['encode']} s).",
    ]
    lines += ["", "### Examples", ""]
    rng = random.Random(args.seed)
    for name, by_case in made.items():
        lines += [f"#### `{name}`", ""]
        picked = rng.sample(sorted(by_case), min(args.examples, len(by_case)))
        for n, case_id in enumerate(picked, 1):
            case = by_id[case_id]
            variant = by_case[case_id][-1] if name == "graded-paraphrase" else by_case[case_id][0]
            params = dict(variant.params)
            head = f"{n}. `{case_id}` · query “{case.query}”"
            if "level" in params:
                head += f" · level {params['level']} (strength {variant.strength:.2f})"
            if "term" in params:
                head += f" · X = *{params['term']}*"
            lines.append(head)
            lines.append(f"   > {render(variant, case.instruction)}")
            if variant.expectation.down:
                for doc in sorted(variant.expectation.down):
                    text = snippet(corpus[doc], params.get("term", ""))
                    lines.append(f"   >\n   > expected down: `{doc}` “{text}”")
            lines.append("")
    if dropped:
        lines += ["### Paraphrases the meaning filter rejected (from the sample)", ""]
        for variant in sorted(dropped, key=lambda v: float(dict(v.params)["cosine"]))[:8]:
            cosine = dict(variant.params)["cosine"]
            lines.append(f"- cosine {cosine} · `{variant.case_id}` · `{variant.operator}`")
            lines.append(f"  > {render(variant, by_id[variant.case_id].instruction)}")
        lines.append("")
    lines.append(END)
    page = ROOT / "docs" / "perturbations.md"
    text = page.read_text(encoding="utf-8") if page.exists() else f"{BEGIN}\n{END}\n"
    before, _, rest = text.partition(BEGIN)
    _, _, after = rest.partition(END)
    page.write_text(before + "\n".join(lines) + after, encoding="utf-8")
    print(f"wrote {page}", file=sys.stderr)


if __name__ == "__main__":
    main()
