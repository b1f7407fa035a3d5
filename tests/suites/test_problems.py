"""Problems in published data: each reported at its file and line, errors apart from warnings,
and nothing left out without a count."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from instructprobe.suites import SuiteFormatError, inspect_suite, load_suite
from instructprobe.suites.problems import Report, Severity
from instructprobe.suites.tables import tsv_qrels


def lines(path):
    return path.read_text().splitlines()


def rewrite(path, edit):
    path.write_text("\n".join(edit(lines(path))) + "\n")


def only(problems, severity):
    return [p for p in problems if p.severity is severity]


def test_malformed_json_in_a_corpus_is_an_error_at_its_line(fixture_copy):
    folder = fixture_copy("followir")
    rewrite(folder / "corpus.jsonl", lambda ls: [*ls[:2], '{"_id": "x", "text": ', *ls[2:]])
    loaded = inspect_suite(f"followir:{folder}")
    assert loaded.suite is None
    assert [str(p) for p in loaded.errors] == [
        f"{folder / 'corpus.jsonl'}:3: not valid JSON (Expecting value)"
    ]


def test_load_suite_raises_the_first_error_and_says_how_many_more(fixture_copy):
    folder = fixture_copy("beir")
    rewrite(folder / "queries.jsonl", lambda ls: ["[1]", "{bad", *ls])
    with pytest.raises(SuiteFormatError) as raised:
        load_suite(f"beir:{folder}")
    message = str(raised.value)
    assert message.startswith(f"{folder / 'queries.jsonl'}:1: each line must be a JSON object")
    assert "and 1 more error(s)" in message
    assert "probe validate" in message


@pytest.mark.parametrize(
    ("fixture", "file", "edit", "line", "fragment"),
    [
        (
            "followir",
            "queries.jsonl",
            lambda r: {k: v for k, v in r.items() if k != "instruction_og"},
            1,
            "missing field 'instruction_og'",
        ),
        ("followir", "corpus.jsonl", lambda r: {**r, "text": 7}, 1, "field must be a string"),
        ("instructir", "queries.jsonl", lambda r: {**r, "_id": ""}, 1, "field '_id' is empty"),
        (
            "instructir",
            "queries.jsonl",
            lambda r: {**r, "text": " [SEP] solar panel lifespan"},
            1,
            "empty instruction",
        ),
        ("nevir", "test.jsonl", lambda r: {**r, "q2": None}, 1, "missing field 'q2'"),
    ],
)
def test_missing_and_empty_fields_are_errors_at_their_line(
    fixture_copy, fixture, file, edit, line, fragment
):
    folder = fixture_copy(fixture)
    path = folder / file
    records = [json.loads(x) for x in lines(path)]
    records[line - 1] = edit(records[line - 1])
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    loaded = inspect_suite(f"{fixture}:{folder}")
    assert loaded.suite is None
    assert any(p.where == f"{path}:{line}" and fragment in p.message for p in loaded.errors), [
        str(p) for p in loaded.errors
    ]


def test_duplicate_ids_are_errors_naming_both_lines(fixture_copy):
    folder = fixture_copy("followir")
    rewrite(folder / "corpus.jsonl", lambda ls: [*ls, ls[0]])
    rewrite(folder / "queries.jsonl", lambda ls: [*ls, ls[1]])
    loaded = inspect_suite(f"followir:{folder}")
    messages = [str(p) for p in loaded.errors]
    assert (
        f"{folder / 'corpus.jsonl'}:9: duplicate document id 'FBIS3-10001' (first at "
        in (messages[0])
    )
    assert any(
        m.startswith(f"{folder / 'queries.jsonl'}:3: duplicate query id '302'") for m in messages
    )


def test_qrels_naming_unknown_queries_or_documents_are_left_out_with_counts(fixture_copy):
    folder = fixture_copy("beir")
    rewrite(folder / "qrels" / "test.tsv", lambda ls: [*ls, "q9\td1\t1", "q1\tghost\t1"])
    loaded = inspect_suite(f"beir:{folder}")
    assert loaded.suite is not None and not loaded.errors
    kinds = [p.kind for p in loaded.warnings]
    assert kinds == ["unknown-document", "unknown-query"]
    counts = dict(loaded.counts)
    assert counts["qrels rows naming unknown queries left out"] == 1
    assert counts["judgments of unknown documents left out"] == 1
    assert "ghost" not in loaded.suite.queries[0].qrels


def test_a_query_with_no_relevant_document_is_left_out_and_counted(fixture_copy):
    folder = fixture_copy("beir")
    rewrite(folder / "qrels" / "test.tsv", lambda ls: [x for x in ls if not x.startswith("q2")])
    loaded = inspect_suite(f"beir:{folder}")
    assert [q.id for q in loaded.suite.queries] == ["q1"]
    (warning,) = loaded.warnings
    assert warning.where == f"{folder / 'queries.jsonl'}:2"
    assert "no relevant document" in warning.message
    counts = dict(loaded.counts)
    assert counts["queries read"] == 2
    assert counts["queries kept"] == 1
    assert counts["queries without a relevant document left out"] == 1


def zero_grades(path, query, keep=()):
    """Every judgment of ``query`` in a qrels file set to grade 0, but for the ``keep`` ones."""
    rewrite(
        path,
        lambda ls: [
            x.rsplit("\t", 1)[0] + "\t0"
            if x.startswith(f"{query}\t") and x.split("\t")[1] not in keep
            else x
            for x in ls
        ],
    )


def test_a_benchmark_query_judged_without_a_relevant_document_is_scored_zero_not_probed(
    fixture_copy,
):
    """MTEB ranks a query whose qrels hold only grade 0 and scores it 0 (pytrec_eval): the
    probes leave it out, and the suite keeps its id for the benchmark section."""
    folder = fixture_copy("followir")
    for qrels in ("qrels_og", "qrels_changed"):
        zero_grades(folder / qrels / "test.tsv", "302")
    loaded = inspect_suite(f"followir:{folder}")
    assert [q.id for q in loaded.suite.queries] == ["301"]
    (warning,) = loaded.warnings
    assert warning.kind == "no-relevant" and "scores it 0, as MTEB does" in warning.message
    assert dict(loaded.counts)["of them judged, so scored 0 by the benchmark section"] == 1
    benchmark = loaded.suite.benchmark
    assert benchmark.without_relevant == ("302",) and benchmark.departures == ()
    # the whole of the probed queries still counts them; a part (--limit, --sample) does not
    assert loaded.suite.limited(1).benchmark.without_relevant == ("302",)
    (kept,) = loaded.suite.queries
    two = replace(loaded.suite, queries=(kept, replace(kept, id="303")))
    assert two.limited(1).benchmark.without_relevant == ()
    assert two.sampled(1, seed=0).benchmark.without_relevant == ()


def test_a_query_without_a_relevant_document_whose_change_mteb_would_score_is_a_departure(
    fixture_copy,
):
    folder = fixture_copy("followir")
    zero_grades(folder / "qrels_og" / "test.tsv", "302")
    zero_grades(folder / "qrels_changed" / "test.tsv", "302", keep=("LA010190-0001",))
    benchmark = load_suite(f"followir:{folder}").benchmark
    assert benchmark.without_relevant == ("302",)
    (departure,) = benchmark.departures
    assert departure.startswith("1 query without a relevant document but with a change to score")
    assert "(302)" in departure and "left out of p-MRR" in departure


def test_a_query_the_qrels_do_not_name_is_left_out_of_the_benchmark_too(fixture_copy):
    """MTEB drops a query without qrels rows before it ranks anything; so does the section."""
    folder = fixture_copy("followir")
    rewrite(folder / "qrels_og" / "test.tsv", lambda ls: [x for x in ls if not x.startswith("302")])
    loaded = inspect_suite(f"followir:{folder}")
    assert "left out" in loaded.warnings[0].message
    assert "scores it 0" not in loaded.warnings[0].message
    assert loaded.suite.benchmark.without_relevant == ()


def test_a_changed_instruction_identical_to_the_original_is_left_out(fixture_copy):
    folder = fixture_copy("followir")
    path = folder / "queries.jsonl"
    records = [json.loads(x) for x in lines(path)]
    records[0]["instruction_changed"] = records[0]["instruction_og"] + "  "
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    loaded = inspect_suite(f"followir:{folder}")
    assert [p.kind for p in loaded.warnings] == ["identical-change"]
    assert loaded.warnings[0].where == f"{path}:1"
    assert loaded.suite.queries[0].changed is None
    assert dict(loaded.counts)["changed instructions left out"] == 1


def test_bad_qrels_rows_are_errors_at_their_line(fixture_copy):
    folder = fixture_copy("beir")
    rewrite(
        folder / "qrels" / "test.tsv", lambda ls: [*ls, "q1\td3", "q1\td3\thigh", "q1\td3\t0.5"]
    )
    loaded = inspect_suite(f"beir:{folder}")
    qrels = folder / "qrels" / "test.tsv"
    assert [str(p) for p in loaded.errors] == [
        f"{qrels}:5: expected 3 tab-separated columns, got 2",
        f"{qrels}:6: relevance grade must be a whole number up to 1,000, got 'high'",
        f"{qrels}:7: relevance grade must be a whole number up to 1,000, got '0.5'",
    ]


def test_relevant_documents_outside_the_pool_are_reported(fixture_copy):
    folder = fixture_copy("followir")
    rewrite(folder / "top_ranked.jsonl", lambda ls: [x for x in ls if "FBIS3-10003" not in x])
    loaded = inspect_suite(f"followir:{folder}")
    assert [p.kind for p in loaded.warnings] == ["relevant-outside-pool"]


def test_a_missing_file_is_an_error_naming_it(fixture_copy):
    folder = fixture_copy("followir")
    (folder / "qrels_changed" / "test.tsv").unlink()
    loaded = inspect_suite(f"followir:{folder}")
    assert loaded.suite is None
    assert str(loaded.errors[0]).startswith(f"{folder / 'qrels_changed' / 'test.tsv'}: missing")


def test_the_jsonl_format_reports_every_problem_not_only_the_first(tmp_path):
    path = tmp_path / "s.jsonl"
    path.write_text(
        '{"kind": "document", "id": "d1", "text": "x"}\n'
        "{oops\n"
        '{"kind": "document", "id": "d1", "text": "y"}\n'
        '{"kind": "query", "id": "q", "text": "t", "instruction": "i", "qrels": {"d9": 1}}\n'
    )
    loaded = inspect_suite(str(path))
    assert [p.where for p in loaded.errors] == [f"{path}:2", f"{path}:3", f"{path}:4"]
    assert all(p.severity is Severity.ERROR for p in loaded.problems)


QRELS_LINE = st.one_of(
    st.text(max_size=40),
    st.tuples(
        st.text(min_size=1, max_size=6),
        st.text(min_size=1, max_size=6),
        st.one_of(
            st.integers(-3, 3).map(str), st.floats(allow_nan=True).map(str), st.text(max_size=3)
        ),
    ).map("\t".join),
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(QRELS_LINE, max_size=8))
def test_qrels_reader_never_crashes_and_names_real_lines(tmp_path, rows):
    path = tmp_path / "test.tsv"
    path.write_text("".join(r.replace("\n", " ").replace("\r", " ") + "\n" for r in rows))
    report = Report()
    qrels = tsv_qrels(path, report)
    for problem in report.problems:
        number = int(problem.where.rpartition(":")[2])
        assert 1 <= number <= len(rows)
    for judged in qrels.values():
        assert all(isinstance(g, int) and g >= 0 for g in judged.values())
    assert report.counts["qrels rows"] >= sum(len(j) for j in qrels.values())


@pytest.mark.parametrize("score", [10**400, 1001, "1e400", float("inf"), "2.5"])
def test_a_grade_out_of_range_is_an_error_in_every_format_never_an_overflow(score):
    from instructprobe.suites.tables import grade

    report = Report()
    assert grade(score, "qrels.jsonl:3", report) is None
    (problem,) = report.errors
    assert problem.where == "qrels.jsonl:3"
    assert "whole number up to 1,000" in problem.message and len(problem.message) < 120


def test_a_changed_instruction_that_drops_no_relevant_document_is_warned_about(fixture_copy):
    """Published formats keep such a pair, with a warning (the suite format refuses it)."""
    folder = fixture_copy("followir")
    changed = folder / "qrels_changed" / "test.tsv"
    rewrite(
        changed, lambda ls: [x.replace("301\tFBIS3-10003\t0", "301\tFBIS3-10003\t1") for x in ls]
    )
    loaded = inspect_suite(f"followir:{folder}")
    assert [p.kind for p in loaded.warnings] == ["change-without-effect"]
    assert "makes no relevant document non-relevant" in loaded.warnings[0].message
    assert loaded.suite.queries[0].changed is not None
