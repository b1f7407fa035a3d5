"""Results files: typed records written by value, read back to the same records, and files of
schema version 1 (before the run request) upgraded on load."""

import gzip
import json

import pytest

from instructprobe.core.errors import ResultsError
from instructprobe.perturb import ExpectationKind, Family, Order
from instructprobe.probes.measures import NDCG, PMRR, Measure, Robustness, WorstVariant, parse
from instructprobe.probes.request import RetrieverChoice, RunRequest
from instructprobe.probes.results import RunResult, Verdict, read_results
from instructprobe.probes.schema import problems

V1 = "tests/data/v1-bm25-seed3.json.gz"
"""A results file written before the redesign: `probe run -r bm25 --seed 3 --limit 20
--perturb negation,paraphrase` (schema version 1)."""


def test_records_hold_enums_and_measures(small_result):
    cell = next(c for c in small_result.cells if c.decides and c.family is Family.CURATED)
    assert cell.expectation is ExpectationKind.DIRECTIONAL
    assert cell.metric == PMRR() and isinstance(cell.verdict, Verdict)
    assert {v.order for v in small_result.variants} == set(Order)
    assert all(isinstance(b.metric, Measure) for b in small_result.baseline)


def test_every_metric_name_in_the_file_parses_to_a_measure_with_a_direction(results_file):
    data = json.loads(results_file.read_text(encoding="utf-8"))
    names = {c["metric"] for c in data["cells"]} | {b["metric"] for b in data["baseline"]}
    names |= {s["metric"] for s in data["strata"]}
    names |= {name for o in data["outcomes"] for name in o["values"]}
    for name in names:
        measure = parse(name)
        assert str(measure) == name and isinstance(measure.HIGHER_IS_BETTER, bool)
    assert "Robustness@10" in names and "worst-nDCG@10" in names


def test_a_results_file_round_trips_byte_for_byte(small_result, results_file):
    assert small_result.to_json() == results_file.read_text(encoding="utf-8")
    assert RunResult.from_dict(json.loads(small_result.to_json())) == small_result


def test_the_file_records_the_request_that_made_it(small_result):
    assert small_result.request == RunRequest(
        retrievers="bm25,minilm", suite="starter", resamples=2000
    )
    assert small_result.request.retrievers == (RetrieverChoice("bm25"), RetrieverChoice("minilm"))


@pytest.fixture(scope="module")
def upgraded(tmp_path_factory):
    path = tmp_path_factory.mktemp("v1") / "v1.json"
    with open(V1, "rb") as packed:
        path.write_bytes(gzip.decompress(packed.read()))
    return read_results(path)


def test_a_version_1_file_loads_with_its_settings_as_the_request(upgraded):
    assert upgraded.schema_version == 2
    assert upgraded.request == RunRequest(
        retrievers="bm25",
        suite="starter",
        seed=3,
        limit=20,
        families="negation,paraphrase",
    )
    assert upgraded.suite.name == "starter" and upgraded.suite.queries == 20
    assert {"numpy", "python"} <= set(upgraded.versions)


def test_a_version_1_file_renames_the_worst_case_measures(upgraded):
    metrics = {c.metric for c in upgraded.cells}
    assert WorstVariant(10) in metrics and NDCG(10) in metrics
    assert Robustness(10) in {b.metric for b in upgraded.baseline}


def test_an_upgraded_file_is_written_as_version_2(upgraded):
    data = json.loads(upgraded.to_json())
    assert data["schema_version"] == 2 and "settings" not in data
    assert problems(data) == []


def test_an_unknown_version_is_one_line(tmp_path):
    path = tmp_path / "results.json"
    path.write_text('{"schema_version": 7}', encoding="utf-8")
    with pytest.raises(ResultsError, match=r"schema_version 7 is not 1, 2, 3 or 4$"):
        read_results(path)


def test_a_file_written_before_provenance_templates_and_order_still_loads(small_result):
    data = json.loads(small_result.to_json())
    for key in ("templates", "document_prompts", "order"):
        data["request"].pop(key, None)  # written only when set
    assert "order" not in data["request"], "a request at its defaults writes none of them"
    data["retrievers"] = [
        {"name": r["name"], "template": r["template"]} for r in data["retrievers"]
    ]
    loaded = RunResult.from_dict(data)
    assert loaded.request == small_result.request
    assert loaded.cells == small_result.cells
