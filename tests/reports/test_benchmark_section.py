"""The benchmark section in every report format, and in the results file."""

from __future__ import annotations

import dataclasses
import json

import pytest

from instructprobe.probes.benchmark import BenchmarkScore, BenchmarkSection
from instructprobe.probes.results import RunResult
from instructprobe.probes.schema import problems
from instructprobe.reports.render import FORMATS, report

SECTION = BenchmarkSection(
    benchmark="FollowIR (Weller et al. 2024, arXiv:2403.15246)",
    protocol="reranking each query's pool",
    version="MTEB 2.26 evaluator (mteb/_evaluators/retrieval_metrics.py)",
    repository="mteb/Robust04InstructionRetrieval",
    revision="0495a5cb69aa8fa5bca81bd56ac248911c19eeb6",
    departures=("--limit 10: the first 10 queries only",),
    scores=(
        BenchmarkScore("bm25", "MAP@1000", 0.1213, 10),
        BenchmarkScore("bm25", "p-MRR", -0.0312, 10),
        BenchmarkScore("minilm", "MAP@1000", 0.0987, 10),
        BenchmarkScore("minilm", "p-MRR", 0.0041, 10),
    ),
)


@pytest.fixture(scope="module")
def with_section(small_result):
    return dataclasses.replace(small_result, benchmark=SECTION)


@pytest.mark.parametrize("form", FORMATS)
def test_every_format_shows_the_benchmark_its_label_and_departures(with_section, form):
    text = report(with_section, form)
    for shown in ("FollowIR", "0495a5cb69aa", "MAP@1000", "p-MRR", "the first 10 queries"):
        assert shown in text, (form, shown)
    if form != "json":
        start = text.index("Benchmark as published")
        section = text[start : text.index("Effectiveness under", start)]  # before the probes
        for value in ("12.1", "-3.1", "9.9", "0.4"):  # ×100 with one decimal, as the papers
            assert value in section, (form, value)


def test_the_section_follows_the_schema_and_round_trips(with_section):
    data = json.loads(with_section.to_json())
    assert problems(data) == []
    assert RunResult.from_dict(data) == with_section


def test_a_run_that_is_no_benchmark_shows_no_section_and_writes_none(small_result):
    assert small_result.benchmark is None
    assert "benchmark" not in json.loads(small_result.to_json())
    for form in ("term", "md", "html"):
        assert "Benchmark as published" not in report(small_result, form)
