import dataclasses
import json
import typing

import pytest

from instructprobe.core.errors import ResultsError
from instructprobe.probes import results
from instructprobe.probes.benchmark import BenchmarkScore, BenchmarkSection
from instructprobe.probes.request import ADDED_LATER as request_settings_added_later
from instructprobe.probes.request import RunRequest
from instructprobe.probes.schema import problems, schema, validate


@pytest.fixture(scope="module")
def written(results_file):
    return json.loads(results_file.read_text(encoding="utf-8"))


def test_a_real_results_file_follows_the_schema(written):
    assert problems(written) == []


def test_the_schema_is_versioned_like_the_results(written):
    versions = schema()["properties"]["schema_version"]["enum"]
    assert versions == [
        results.SCHEMA_VERSION,
        results.OUTCOMES_ONLY_VERSION,
        results.SPLIT_VERSION,
    ]
    assert written["schema_version"] == results.SCHEMA_VERSION


@pytest.fixture(scope="module")
def summary(small_result, tmp_path_factory):
    """``small_result`` written as a run writes it: a version-4 summary, its outcomes and its
    per-query values."""
    from instructprobe.probes.outcomes import (
        OutcomeWriter,
        StoredOutcomeList,
        StoredOutcomes,
        StoredVariants,
    )

    folder = tmp_path_factory.mktemp("summary")
    writer = OutcomeWriter(folder / "source.parquet")
    variants = {v.id: v for v in small_result.variants}
    writer.write([(variants[o.variant_id], o) for o in small_result.outcomes])
    writer.close()
    store = StoredOutcomes(writer.path, writer.rows, len(small_result.variants))
    split = dataclasses.replace(
        small_result, variants=StoredVariants(store), outcomes=StoredOutcomeList(store)
    )
    results.write_results(split, folder / "results.json")
    return json.loads((folder / "results.json").read_text(encoding="utf-8"))


def test_a_version_4_summary_follows_the_schema(summary):
    assert summary["schema_version"] == results.SPLIT_VERSION == 4
    assert problems(summary) == []
    assert all("per_query" not in cell for cell in summary["cells"])


def test_a_version_3_summary_follows_the_schema(summary, written):
    """Version 3: the outcomes beside it, the per-query values inline."""
    data = json.loads(json.dumps(summary))
    data["schema_version"] = results.OUTCOMES_ONLY_VERSION
    del data["per_query_file"]
    for cell, whole in zip(data["cells"], written["cells"], strict=True):
        cell["per_query"] = whole["per_query"]
    assert problems(data) == []
    del data["cells"][0]["per_query"]
    assert any(line.startswith("cells/0") for line in problems(data))


@pytest.mark.parametrize(
    ("damage", "where"),
    [
        (lambda d: d.pop("outcomes_file"), "(top)"),
        (lambda d: d.update(variants=[]), "(top): False schema does not allow"),
        (lambda d: d.update(schema_version=2), "(top)"),
        (lambda d: d["outcomes_file"].update(name="../x.parquet"), "outcomes_file/name"),
        (lambda d: d["outcomes_file"].update(rows=-1), "outcomes_file/rows"),
        (lambda d: d["outcomes_file"].pop("sha256"), "outcomes_file"),
        (lambda d: d.pop("per_query_file"), "(top)"),
        (lambda d: d["per_query_file"].update(name="/etc/x"), "per_query_file/name"),
        (lambda d: d["per_query_file"].update(rows=1.5), "per_query_file/rows"),
        (lambda d: d["cells"][0].update(per_query=[]), "cells/0"),
    ],
)
def test_damaged_summaries_are_rejected_with_the_place(summary, damage, where):
    data = json.loads(json.dumps(summary))
    damage(data)
    found = problems(data)
    assert any(line.startswith(where) for line in found), found


RECORDS = {
    "cell": results.Cell,
    "baseline": results.Baseline,
    "query_value": results.QueryValue,
    "stratum": results.Stratum,
    "dose_point": results.DosePoint,
    "dose_response": results.DoseResponse,
    "variant": results.VariantRecord,
    "outcome": results.Outcome,
    "suite": results.SuiteFacts,
    "request": RunRequest,
    "benchmark": BenchmarkSection,
    "benchmark_score": BenchmarkScore,
}


ADDED_LATER = {"request": set(request_settings_added_later)}
"""Settings added after the first files of schema version 2 were written: optional, so those
files stay valid (they load with the settings' defaults), and written only when given."""
ELSEWHERE_IN_VERSION_4 = {"cell": {"per_query"}}
"""Fields a version-4 summary leaves to a file beside it (required in versions 2 and 3)."""


@pytest.mark.parametrize("name", sorted(RECORDS))
def test_every_field_of_every_record_is_documented(name):
    """Adding a field to a results record without documenting it here fails this test."""
    documented = schema()["$defs"][name]
    fields = [f.name for f in dataclasses.fields(RECORDS[name])]
    assert sorted(documented["properties"]) == sorted(fields)
    later = ADDED_LATER.get(name, set()) | ELSEWHERE_IN_VERSION_4.get(name, set())
    assert sorted(documented["required"]) == sorted(set(fields) - later)
    assert documented["additionalProperties"] is False


def test_top_level_matches_run_result():
    top = schema()
    fields = [f.name for f in dataclasses.fields(results.RunResult)]
    assert sorted(top["properties"]) == sorted([*fields, "outcomes_file", "per_query_file"])
    hints = typing.get_type_hints(results.RunResult)
    assert set(hints) == set(fields)


def test_environment_is_in_the_file(written):
    assert {"python", "numpy", "scipy"} <= set(written["versions"])
    assert len(written["suite"]["sha256"]) == 64
    assert isinstance(written["request"]["seed"], int)
    assert all("name" in r and "model" in r for r in written["retrievers"])


def test_per_query_values_recompute_each_cell_mean(written):
    for cell in written["cells"]:
        deltas = [q["delta"] for q in cell["per_query"] if q["delta"] is not None]
        if cell["delta"] is not None:
            assert cell["n"] == len(deltas)
            assert sum(deltas) / len(deltas) == pytest.approx(cell["delta"], abs=1e-12)


@pytest.mark.parametrize(
    ("damage", "where"),
    [
        (lambda d: d["cells"][0].pop("ci_low"), "cells/0"),
        (lambda d: d["cells"][0].update(verdict="maybe"), "cells/0/verdict"),
        (lambda d: d["cells"][0].update(p_adjusted=1.5), "cells/0/p_adjusted"),
        (lambda d: d["outcomes"][0]["ranks"].update(x=[0, 3]), "outcomes/0/ranks/x"),
        (lambda d: d.update(schema_version=5), "schema_version"),
        (lambda d: d.update(outcomes_file={}), "outcomes_file"),
        (lambda d: d["request"].update(extra=1), "request"),
        (lambda d: d["request"].update(resamples=50), "request/resamples"),
        (lambda d: d["cells"][0].update(metric="nDCG at 10"), "cells/0/metric"),
    ],
)
def test_damaged_files_are_rejected_with_the_place(written, damage, where):
    data = {k: v[:3] if isinstance(v, list) else v for k, v in written.items()}
    data = json.loads(json.dumps(data))
    assert problems(data) == []
    damage(data)
    found = problems(data)
    assert any(line.startswith(where) for line in found), found
    with pytest.raises(ResultsError, match="does not follow the results schema"):
        validate(data)


def test_the_keywords_family_is_written_as_sensitive_and_follows_the_schema(written):
    cells = [c for c in written["cells"] if c["family"] == "keywords"]
    assert cells and {c["expectation"] for c in cells} == {"sensitive"}
    deciding = [c for c in cells if c["verdict"] is not None]
    assert len(deciding) == 2
    assert all(c["p_holds_adjusted"] is not None and c["claim"] for c in deciding)
    variants = [v for v in written["variants"] if v["family"] == "keywords"]
    assert variants and {v["expectation"] for v in variants} == {"sensitive"}
    assert "keywords" in written["request"]["families"]
    assert problems(written) == []
    damaged = json.loads(json.dumps({**written, "cells": cells[:1]}))
    damaged["cells"][0]["expectation"] = "sensible"
    assert any(line.startswith("cells/0/expectation") for line in problems(damaged))
