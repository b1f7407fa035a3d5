"""The benchmark section against MTEB's own evaluator (mteb 2.26, the ``mteb`` test extra).

Fixtures are written in each published layout (FollowIR as mteb/*InstructionRetrieval and as
jhu-clsp/*-instructions, InstructIR as mteb/InstructIR-mteb and kaist-ai/InstructIR, NevIR as
orionweller/NevIR-mteb and orionweller/NevIR), read by instructprobe's loaders and ranked by
BM25. The same rankings, as run dictionaries keyed the way MTEB keys them, and judgments taken
from the fixture's rows (not from instructprobe's suite) go to MTEB's evaluator
(``mteb._evaluators.retrieval_metrics``). Every benchmark number must equal MTEB's to 1e-9.
MTEB rounds its summary MAP and nDCG to 5 decimals, so those are compared to the mean of its
unrounded per-query values (``calculate_retrieval_scores(...).all_scores``, the sum it rounds),
and to its rounded value within the rounding.

Each layout also holds a query that its qrels judge without a relevant document (all grades 0).
The probes leave it out; MTEB ranks it and scores it 0, and so must the benchmark section. Its
MTEB ranking here is any order of its pool or corpus: every score it gets is 0 whatever the order.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from instructprobe.perturb import Family, Order, Request
from instructprobe.probes.benchmark import changed_requests
from instructprobe.probes.observe import rank_requests
from instructprobe.probes.request import RunRequest
from instructprobe.probes.runner import Runner
from instructprobe.retrievers.bm25 import BM25
from instructprobe.suites import load_suite

metrics = pytest.importorskip("mteb._evaluators.retrieval_metrics")

pytestmark = pytest.mark.model  # BM25 ranks the fixtures

MTEB_K_VALUES = [1, 3, 5, 10, 20, 100, 1000]
"""AbsTaskRetrieval's k values, which MTEB's FollowIR tasks evaluate at."""

WORDS = [
    "tunnel",
    "freight",
    "rail",
    "passenger",
    "fare",
    "ferry",
    "port",
    "strike",
    "wage",
    "union",
    "council",
    "budget",
    "mayor",
    "stadium",
    "frost",
    "citrus",
    "orange",
    "grove",
    "damage",
    "winter",
    "crop",
    "price",
    "export",
    "farmer",
    "storm",
    "harbor",
]


def words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def write_jsonl(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))


def card(folder: Path, configs: dict[str, str]) -> None:
    lines = ["---", "configs:"]
    for name, path in configs.items():
        lines += [f"- config_name: {name}", "  data_files:", "  - split: test", f"    path: {path}"]
    (folder / "README.md").write_text("\n".join([*lines, "---", "fixture"]) + "\n")


def run(spec: str, family: Family):
    """The run's benchmark section, and the rankings of every request it scored."""
    suite = load_suite(spec)
    bm25 = BM25()
    request = RunRequest(retrievers=[bm25], families=(family,), cache=False, resamples=200)
    result = Runner(request, suite, [bm25]).run()
    asks = {q.id: Request(q.text, q.instruction, Order(suite.order)) for q in suite.queries}
    changes = changed_requests(suite, asks)
    ranked = rank_requests(bm25, suite, [*asks.items(), *changes], request.depth)
    original = {q.id: ranked[q.id, asks[q.id]] for q in suite.queries}
    changed = {case: ranked[case, req] for case, req in changes}
    assert result.benchmark is not None
    return result.benchmark, original, changed


def as_run(ranking) -> dict[str, float]:
    return {doc: float(score) for doc, score in zip(ranking.doc_ids, ranking.scores, strict=True)}


def any_run(docs: list[str]) -> dict[str, float]:
    """A ranking of ``docs`` in their order, for a query MTEB ranks and instructprobe does not."""
    return {doc: float(len(docs) - i) for i, doc in enumerate(docs)}


def values(section) -> dict[str, float]:
    return {s.metric: s.value for s in section.scores}


def unrounded_mean(run_: dict, qrels: dict, measure: str, k: int) -> float:
    found = metrics.calculate_retrieval_scores(run_, qrels, [k]).all_scores
    return sum(per[f"{measure}_{k}"] for per in found.values()) / len(found)


# FollowIR ----------------------------------------------------------------------------------

ZERO_FOLLOWIR = "399"
"""The FollowIR query judged without a relevant document (its change lists nothing to score)."""


def followir_data(seed: int = 7):
    """Queries with graded pools; the change drops some relevant documents, and lowers the
    grade of others (2 -> 1), which qrel_diff lists too, as the published lists do."""
    rng = random.Random(seed)
    corpus, queries, og, changed, diff, pools = [], [], {}, {}, {}, {}
    for q in range(8):
        qid = str(300 + q)
        docs = [f"D{q}-{d}" for d in range(9)]
        corpus += [{"_id": d, "title": words(rng, 2), "text": words(rng, 12)} for d in docs]
        grades = {d: rng.choice([0, 1, 2, 2]) for d in docs}
        grades[docs[0]] = 2
        relevant = [d for d in docs if grades[d] > 0]
        dropped = set(rng.sample(relevant, max(1, len(relevant) // 3))) - {docs[0]} or {docs[1]}
        lowered = {d for d in relevant if grades[d] == 2 and d not in dropped and d != docs[0]}
        after = {d: 0 if d in dropped else (1 if d in lowered else g) for d, g in grades.items()}
        og[qid], changed[qid], pools[qid] = grades, after, docs
        diff[qid] = sorted(dropped | lowered)
        queries.append((qid, words(rng, 3), words(rng, 10), words(rng, 14)))
    docs = [f"D{ZERO_FOLLOWIR}-{d}" for d in range(5)]
    corpus += [{"_id": d, "title": words(rng, 2), "text": words(rng, 12)} for d in docs]
    og[ZERO_FOLLOWIR] = changed[ZERO_FOLLOWIR] = dict.fromkeys(docs, 0)
    pools[ZERO_FOLLOWIR] = docs
    queries.append((ZERO_FOLLOWIR, words(rng, 3), words(rng, 10), words(rng, 14)))
    return corpus, queries, og, changed, diff, pools


def followir_mteb_layout(folder: Path, seed: int = 7) -> None:
    corpus, queries, og, changed, diff, pools = followir_data(seed)
    write_jsonl(folder / "corpus" / "corpus.jsonl", corpus)
    write_jsonl(
        folder / "queries" / "queries.jsonl",
        [
            {"_id": f"{q}{s}", "text": text}
            for q, text, _, _ in queries
            for s in ("-og", "-changed")
        ],
    )
    write_jsonl(
        folder / "instruction" / "instruction.jsonl",
        [{"query-id": f"{q}-og", "instruction": i} for q, _, i, _ in queries]
        + [{"query-id": f"{q}-changed", "instruction": c} for q, _, _, c in queries],
    )
    write_jsonl(
        folder / "data" / "default.jsonl",
        [
            {"query-id": f"{q}{suffix}", "corpus-id": d, "score": g}
            for suffix, table in (("-og", og), ("-changed", changed))
            for q, grades in table.items()
            for d, g in grades.items()
        ],
    )
    write_jsonl(
        folder / "top_ranked" / "top_ranked.jsonl",
        [
            {"query-id": f"{q}{s}", "corpus-ids": p}
            for q, p in pools.items()
            for s in ("-og", "-changed")
        ],
    )
    write_jsonl(
        folder / "qrel_diff" / "qrel_diff.jsonl",
        [{"query-id": q, "corpus-ids": docs} for q, docs in diff.items()],
    )
    card(
        folder,
        {
            "corpus": "corpus/*",
            "queries": "queries/*",
            "instruction": "instruction/*",
            "default": "data/*",
            "top_ranked": "top_ranked/*",
            "qrel_diff": "qrel_diff/*",
        },
    )


def followir_folder_layout(folder: Path, seed: int = 7) -> None:
    corpus, queries, og, changed, _, pools = followir_data(seed)
    write_jsonl(folder / "corpus.jsonl", corpus)
    write_jsonl(
        folder / "queries.jsonl",
        [
            {"_id": q, "text": t, "instruction_og": i, "instruction_changed": c}
            for q, t, i, c in queries
        ],
    )
    for name, table in (("qrels_og", og), ("qrels_changed", changed)):
        (folder / name).mkdir()
        rows = [f"{q}\t0\t{d}\t{g}" for q, grades in table.items() for d, g in grades.items()]
        (folder / name / "test.tsv").write_text("\n".join(rows) + "\n")
    write_jsonl(
        folder / "top_ranked.jsonl", [{"qid": q, "pid": d} for q, p in pools.items() for d in p]
    )


def mteb_followir(original, changed, og, changed_qrels, diff, pools) -> dict[str, float]:
    assert ZERO_FOLLOWIR not in original  # the probes leave it out; MTEB ranks it
    results = {f"{q}-og": as_run(r) for q, r in original.items()}
    results |= {f"{q}-changed": as_run(r) for q, r in changed.items()}
    results |= {f"{ZERO_FOLLOWIR}{s}": any_run(pools[ZERO_FOLLOWIR]) for s in ("-og", "-changed")}
    qrels = {f"{q}-og": g for q, g in og.items()} | {
        f"{q}-changed": g for q, g in changed_qrels.items()
    }
    scored = metrics.evaluate_p_mrr_change(qrels, results, diff, MTEB_K_VALUES)
    og_run = {q: r for q, r in results.items() if q.endswith("-og")}
    og_qrels = {f"{q}-og": g for q, g in og.items()}
    swapped = {f"{q}-og": g for q, g in changed_qrels.items()}
    for name, key in (("map", "map_at_1000"), ("ndcg", "ndcg_at_5")):
        k = 1000 if name == "map" else 5
        assert abs(scored["og"][key] - unrounded_mean(og_run, og_qrels, f"{name}_cut", k)) < 5e-6
    return {
        "p-MRR": scored["p-MRR"],
        "MAP@1000": unrounded_mean(og_run, og_qrels, "map_cut", 1000),
        "nDCG@5": unrounded_mean(og_run, og_qrels, "ndcg_cut", 5),
        "MAP@1000 (v1 swap)": unrounded_mean(og_run, swapped, "map_cut", 1000),
        "nDCG@5 (v1 swap)": unrounded_mean(og_run, swapped, "ndcg_cut", 5),
    }


def test_followir_mteb_layout_equals_mteb_with_grade_only_changes(tmp_path):
    followir_mteb_layout(tmp_path / "robust04")
    section, original, changed = run(f"mteb:{tmp_path / 'robust04'}", Family.CURATED)
    _, _, og, changed_qrels, diff, pools = followir_data()
    assert any(0 < changed_qrels[q][d] < og[q][d] for q in diff for d in diff[q])  # grade-only
    expected = mteb_followir(original, changed, og, changed_qrels, diff, pools)
    found = values(section)
    assert found.keys() == expected.keys()
    for metric, value in expected.items():
        assert found[metric] == pytest.approx(value, abs=1e-9), metric
    n = {s.metric: s.n for s in section.scores}
    assert n.pop("p-MRR") == 8  # the query without a relevant document has no change to score
    assert set(n.values()) == {9}  # and scores 0 in MAP and nDCG, as MTEB scores it
    assert not section.departures


def test_followir_folder_layout_equals_mteb_over_the_relevance_flips(tmp_path):
    """jhu-clsp/*-instructions has no qrel_diff: p-MRR scores the documents whose relevance
    flips, which MTEB is given as its list."""
    followir_folder_layout(tmp_path / "robust04")
    section, original, changed = run(f"followir:{tmp_path / 'robust04'}", Family.CURATED)
    _, _, og, changed_qrels, _, pools = followir_data()
    flips = {
        q: sorted(d for d, g in og[q].items() if g > 0 and changed_qrels[q][d] == 0) for q in og
    }
    expected = mteb_followir(original, changed, og, changed_qrels, flips, pools)
    for metric, value in expected.items():
        assert values(section)[metric] == pytest.approx(value, abs=1e-9), metric


# InstructIR --------------------------------------------------------------------------------


def instructir_data(seed: int = 11):
    """Instances ``<qid>_<k>`` of 6 queries, each judged on its own revised target (grade 1);
    and two judged without a relevant document (grade 0): ``5_4``, in a group of relevant
    ones, and ``6_0``, a group of its own."""
    rng = random.Random(seed)
    corpus = [
        {"_id": f"{p}_{k}", "title": "", "text": words(rng, 12)} for p in range(6) for k in range(4)
    ]
    corpus += [{"_id": f"x{i}", "title": "", "text": words(rng, 12)} for i in range(20)]
    instances = [
        (f"{q}_{k}", words(rng, 3), words(rng, 8), f"{q}_{k}", 1)
        for q in range(6)
        for k in range(4)
    ]
    instances += [(i, words(rng, 3), words(rng, 8), t, 0) for i, t in INSTRUCTIR_ZEROS.items()]
    return corpus, instances


INSTRUCTIR_ZEROS = {"5_4": "5_0", "6_0": "x0"}
"""Instances judged on one passage with grade 0 (instance -> passage)."""


def instructir_layouts(root: Path) -> tuple[Path, Path]:
    corpus, instances = instructir_data()
    hub, mteb = root / "InstructIR", root / "InstructIR-mteb"
    write_jsonl(hub / "corpus.jsonl", corpus)
    write_jsonl(
        hub / "queries.jsonl",
        [{"_id": i, "text": f"{ins} [SEP] {q}"} for i, q, ins, _, _ in instances],
    )
    (hub / "qrels").mkdir()
    rows = ["query-id\tcorpus-id\tscore", *(f"{i}\t{t}\t{g}" for i, _, _, t, g in instances)]
    (hub / "qrels" / "test.tsv").write_text("\n".join(rows) + "\n")
    write_jsonl(mteb / "corpus" / "corpus.jsonl", corpus)
    write_jsonl(
        mteb / "queries" / "queries.jsonl", [{"_id": i, "text": q} for i, q, _, _, _ in instances]
    )
    write_jsonl(
        mteb / "instruction" / "instruction.jsonl",
        [{"query-id": i, "instruction": ins} for i, _, ins, _, _ in instances],
    )
    write_jsonl(
        mteb / "data" / "default.jsonl",
        [{"query-id": i, "corpus-id": t, "score": g} for i, _, _, t, g in instances],
    )
    card(
        mteb,
        {
            "corpus": "corpus/*",
            "queries": "queries/*",
            "instruction": "instruction/*",
            "default": "data/*",
        },
    )
    return hub, mteb


@pytest.mark.parametrize("layout", ["instructir", "mteb"])
def test_instructir_equals_mteb(tmp_path, layout):
    hub, mteb_folder = instructir_layouts(tmp_path)
    spec = f"instructir:{hub}" if layout == "instructir" else f"mteb:{mteb_folder}"
    section, original, _ = run(spec, Family.CONTROL)
    corpus, instances = instructir_data()
    qrels = {i: {t: g} for i, _, _, t, g in instances}
    assert not INSTRUCTIR_ZEROS.keys() & original.keys()  # the probes leave them out
    results = {q: as_run(r) for q, r in original.items()}
    results |= {i: any_run([d["_id"] for d in corpus][:10]) for i in INSTRUCTIR_ZEROS}
    per_query = metrics.calculate_retrieval_scores(results, qrels, [10]).all_scores
    expected = {
        "nDCG@10": sum(s["ndcg_cut_10"] for s in per_query.values()) / len(per_query),
        "Robustness@10": metrics.robustness_at_10(qrels, results, per_query),
    }
    found = values(section)
    assert found.keys() == expected.keys()
    for metric, value in expected.items():
        assert found[metric] == pytest.approx(value, abs=1e-9), metric
    assert expected["Robustness@10"] < expected["nDCG@10"]  # the fixture tells them apart
    assert {s.metric: s.n for s in section.scores} == {"nDCG@10": 26, "Robustness@10": 7}


# NevIR -------------------------------------------------------------------------------------


def nevir_data(seed: int = 5):
    rng = random.Random(seed)
    pairs = []
    for n in range(12):
        topic = words(rng, 6)
        pairs.append(
            {
                "id": f"{1000 + n}-2",
                "q1": f"which {topic} {words(rng, 2)}",
                "q2": f"which {topic} not {words(rng, 2)}",
                "doc1": f"{topic} {words(rng, 8)}",
                "doc2": f"{topic} not {words(rng, 8)}",
            }
        )
    return pairs


def nevir_mteb_layout(folder: Path, zero: str | None = None) -> None:
    """NevIR-mteb; ``zero``: a pair whose q1 is judged with grade 0 (no relevant passage)."""
    pairs = nevir_data()
    write_jsonl(
        folder / "corpus.jsonl",
        [{"_id": f"{p['id']}_{d}", "text": p[d]} for p in pairs for d in ("doc1", "doc2")],
    )
    write_jsonl(
        folder / "queries.jsonl",
        [{"_id": f"{p['id']}_{q}", "text": p[q]} for p in pairs for q in ("q1", "q2")],
    )
    write_jsonl(
        folder / "qrels" / "test.jsonl",
        [
            {
                "query-id": f"{p['id']}_q{i}",
                "corpus-id": f"{p['id']}_doc{i}",
                "score": 0.0 if (p["id"], i) == (zero, 1) else 1.0,
            }
            for p in pairs
            for i in (1, 2)
        ],
    )
    write_jsonl(
        folder / "top_ranked" / "test.jsonl",
        [
            {"query-id": f"{p['id']}_q{i}", "corpus-ids": [f"{p['id']}_doc1", f"{p['id']}_doc2"]}
            for p in pairs
            for i in (1, 2)
        ],
    )
    card(
        folder,
        {
            "corpus": "corpus.jsonl",
            "queries": "queries.jsonl",
            "default": "qrels/test.jsonl",
            "top_ranked": "top_ranked/test.jsonl",
        },
    )


def mteb_paired_accuracy(original, changed, doc, zero: str | None = None) -> float:
    """MTEB's paired accuracy of the rankings; ``doc(pair, i)`` names passage i of a pair;
    ``zero``: a pair whose q1 has no relevant passage, which MTEB ranks and the probes do not."""
    results = {f"{p}_q1": as_run(r) for p, r in original.items()}
    results |= {f"{p}_q2": as_run(r) for p, r in changed.items()}
    qrels = {f"{p}_q{i}": {doc(p, i): 1} for p in original for i in (1, 2)}
    if zero is not None:
        assert zero not in original
        results |= {f"{zero}_q{i}": any_run([doc(zero, 1), doc(zero, 2)]) for i in (1, 2)}
        qrels |= {f"{zero}_q1": {doc(zero, 1): 0}, f"{zero}_q2": {doc(zero, 2): 1}}
    scores = metrics.calculate_retrieval_scores(results, qrels, [1]).all_scores
    return metrics.paired_accuracy(qrels, results, scores)


def test_nevir_mteb_layout_equals_mteb_and_is_detected_by_its_card(tmp_path):
    folder = tmp_path / "NevIR-mteb"
    zero = nevir_data()[3]["id"]
    nevir_mteb_layout(folder, zero)
    from instructprobe.suites.registry import detect

    assert detect(folder) == "mteb"  # it holds corpus.jsonl and qrels/, as a BEIR folder does
    section, original, changed = run(str(folder), Family.CURATED)
    expected = mteb_paired_accuracy(original, changed, lambda p, i: f"{p}_doc{i}", zero)
    assert values(section) == {"paired accuracy": pytest.approx(expected, abs=1e-9)}
    assert 0 < expected < 1  # the fixture has pairs of both kinds
    assert [s.n for s in section.scores] == [12]  # the pair without a relevant passage counts


def test_nevir_jsonl_equals_mteb_and_both_layouts_agree(tmp_path):
    write_jsonl(tmp_path / "NevIR" / "test.jsonl", nevir_data())
    nevir_mteb_layout(tmp_path / "NevIR-mteb")
    section, original, changed = run(f"nevir:{tmp_path / 'NevIR'}", Family.CURATED)
    expected = mteb_paired_accuracy(original, changed, lambda p, i: f"{p}-doc{i}")
    assert values(section) == {"paired accuracy": pytest.approx(expected, abs=1e-9)}
    other, _, _ = run(f"mteb:{tmp_path / 'NevIR-mteb'}", Family.CURATED)
    assert values(other) == values(section)
