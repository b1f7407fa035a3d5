import json
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from instructprobe.core.errors import SuiteError
from instructprobe.suites import SuiteFormatError, load_suite, read_suite, write_suite

DOC = {"kind": "document", "id": "d1", "text": "Some text."}
DOC2 = {"kind": "document", "id": "d2", "text": "Other text."}
QUERY = {"kind": "query", "id": "q1", "text": "query", "instruction": "Find x.", "qrels": {"d1": 1}}


def write_lines(path, *records):
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in records) + "\n")
    return path


class TestStarterSuite:
    def test_size_and_topics(self, starter):
        assert len(starter.queries) >= 40
        assert len(starter.documents) >= 400
        assert len({d.topic for d in starter.documents}) >= 5

    def test_every_query_has_a_changed_instruction_and_negation_pair(self, starter):
        assert all(q.changed is not None for q in starter.queries)
        assert sum(q.negated is not None for q in starter.queries) >= 40

    def test_changes_drop_some_but_not_all_relevant_documents(self, starter):
        for query in starter.queries:
            for form, change in query.changes().items():
                now = {d for d, g in change.qrels.items() if g > 0}
                dropped = set(query.relevant) - now
                assert dropped, f"{query.id} {form} drops nothing"
                assert now, f"{query.id} {form} leaves nothing relevant"

    def test_negations_are_worded_as_negations(self, starter):
        from instructprobe.perturb.text import has_negation

        for query in starter.queries:
            assert query.negated is not None
            assert has_negation(query.negated.instruction), query.id


def test_round_trip(tmp_path, starter):
    write_suite(starter, tmp_path / "copy.jsonl")
    again = read_suite(tmp_path / "copy.jsonl")
    assert again.documents == starter.documents
    assert again.queries == starter.queries
    assert again.name == starter.name


@pytest.mark.parametrize(
    ("lines", "line", "message"),
    [
        ([DOC, "{not json"], 2, "not valid JSON"),
        ([DOC, "[1, 2]"], 2, "must be a JSON object"),
        ([DOC, {"kind": "passage"}], 2, "unknown kind"),
        ([DOC, {**DOC, "txt": "x"}], 2, "unknown field"),
        ([DOC, DOC, QUERY], 2, "duplicate document id"),
        ([DOC, {**QUERY, "qrels": {"d1": 0}}], 2, "no relevant document"),
        ([DOC, {**QUERY, "qrels": {"d1": -1}}], 2, "grade from 0 to 1,000"),
        ([DOC, {**QUERY, "qrels": {"d9": 1}}], 2, "unknown document"),
        (
            [
                DOC,
                DOC2,
                {
                    **QUERY,
                    "qrels": {"d1": 1, "d2": 1},
                    "changed": {"instruction": "Find y.", "qrels": {"d1": 1}, "moved": ["d9"]},
                },
            ],
            3,
            r"moved name unknown document\(s\): d9",
        ),
        ([DOC, {**QUERY, "instruction": " "}], 2, "non-empty string"),
        (
            [DOC, {**QUERY, "changed": {"instruction": "Find x.", "qrels": {"d1": 1}}}],
            2,
            "identical to the original",
        ),
        ([DOC, QUERY, {"kind": "suite", "name": "late"}], 3, "header must come first"),
        ([{"kind": "suite", "name": ["x"]}, DOC, QUERY], 1, "field 'name' must be"),
        ([DOC, {**QUERY, "qrels": {"d1": 10**400}}], 2, "from 0 to 1,000, got a huge number"),
        ([DOC, {**QUERY, "qrels": {"d1": 1001}}], 2, "from 0 to 1,000, got 1001"),
        (
            [DOC, DOC2, {**QUERY, "changed": {"instruction": "Find y.", "qrels": {"d1": 2}}}],
            3,
            "changed.qrels: no originally relevant document drops",
        ),
        (
            [
                DOC,
                DOC2,
                {**QUERY, "negated": {"instruction": "Not x.", "qrels": {"d1": 1, "d2": 1}}},
            ],
            3,
            "negated.qrels: no originally relevant document drops",
        ),
        ([DOC, "[" * 100_000], 2, "nested too deep"),
    ],
)
def test_malformed_lines_are_reported_with_file_and_line(tmp_path, lines, line, message):
    path = write_lines(tmp_path / "bad.jsonl", *lines)
    with pytest.raises(SuiteFormatError, match=message) as raised:
        read_suite(path)
    assert str(raised.value).startswith(f"{path}:{line}: ")


def test_a_pair_in_which_a_relevant_document_drops_is_valid_even_if_none_stays(tmp_path):
    """The relevant passage may swap, as in NevIR's pairs: what is needed is one that drops."""
    swap = {**QUERY, "negated": {"instruction": "Not x.", "qrels": {"d1": 0, "d2": 1}}}
    suite = read_suite(write_lines(tmp_path / "s.jsonl", DOC, DOC2, swap))
    assert suite.queries[0].negated is not None


def test_a_line_over_the_limit_is_an_error_at_its_line(tmp_path, monkeypatch):
    from instructprobe.suites import tables

    monkeypatch.setattr(tables, "MAX_LINE_BYTES", 1 << 20)
    huge = {**DOC, "id": "d2", "text": "x" * (2 << 20)}
    path = write_lines(tmp_path / "s.jsonl", DOC, huge, QUERY)
    with pytest.raises(SuiteFormatError, match=r"s.jsonl:2: the line is longer than 1 MiB"):
        read_suite(path)


def test_a_pipe_or_a_device_is_refused_in_one_line(tmp_path):
    fifo = tmp_path / "suite.fifo"
    os.mkfifo(fifo)
    with pytest.raises(SuiteError, match="not a regular file or a folder"):
        load_suite(str(fifo))


def test_blank_and_comment_lines_are_skipped(tmp_path):
    path = write_lines(tmp_path / "ok.jsonl", "# a comment", "", DOC, QUERY)
    suite = read_suite(path)
    assert suite.name == "ok" and len(suite.queries) == 1


def test_a_suite_without_queries_is_refused(tmp_path):
    with pytest.raises(SuiteFormatError, match="no queries"):
        read_suite(write_lines(tmp_path / "docs.jsonl", DOC))


def test_unknown_suite_name_or_missing_path():
    with pytest.raises(SuiteError, match=r"does not exist.*starter"):
        load_suite("no/such/suite.jsonl")


@settings(max_examples=150, deadline=None)
@given(line=st.text(max_size=200))
def test_any_malformed_line_is_a_format_error_never_a_crash(tmp_path_factory, line):
    path = tmp_path_factory.mktemp("fuzz") / "suite.jsonl"
    path.write_text(
        json.dumps(DOC) + "\n" + line.replace("\n", " ") + "\n" + json.dumps(QUERY) + "\n"
    )
    try:
        suite = read_suite(path)
    except SuiteFormatError as error:
        assert str(error).startswith(str(path))
    else:
        assert len(suite.queries) >= 1


def test_paraphrases_and_candidates_are_read_and_checked(tmp_path):
    query = {**QUERY, "paraphrases": ["Look for x."], "candidates": ["d1"]}
    suite = read_suite(write_lines(tmp_path / "s.jsonl", DOC, query))
    assert suite.queries[0].paraphrases == ("Look for x.",)
    assert suite.queries[0].candidates == ("d1",)
    bad = {**QUERY, "paraphrases": ["Find x."]}
    with pytest.raises(SuiteFormatError, match="identical to the original"):
        read_suite(write_lines(tmp_path / "b.jsonl", DOC, bad))
    with pytest.raises(SuiteFormatError, match="unknown document"):
        read_suite(write_lines(tmp_path / "c.jsonl", DOC, {**QUERY, "candidates": ["d7"]}))


def _mutations(record):
    """Ways a person (or a tool) breaks a good line."""
    text = json.dumps(record)
    return st.sampled_from(
        [
            text[: len(text) // 2],  # cut short
            text.replace('"', "'"),  # not JSON quotes
            json.dumps({k: v for k, v in record.items() if k != "text"}),  # missing field
            json.dumps({**record, "qrels": {"d1": "2"}} if "qrels" in record else [record]),
            json.dumps({**record, "id": 7}),  # wrong type
            json.dumps({**record, "kind": "doc"}),  # unknown kind
            json.dumps({**record, "extra": 1}),  # unknown field
        ]
    )


LINE = st.one_of(
    st.just(json.dumps(DOC)),
    st.just(json.dumps(QUERY)),
    st.just(json.dumps({**DOC, "id": "d2", "text": "Other text."})),
    _mutations(DOC),
    _mutations(QUERY),
    st.text(max_size=60).map(lambda s: s.replace("\n", " ").replace("\r", " ")),
)


@settings(max_examples=200, deadline=None)
@given(body=st.lists(LINE, min_size=1, max_size=8))
def test_validation_of_random_files_names_real_lines_and_agrees_with_loading(
    tmp_path_factory, body
):
    from instructprobe.suites import inspect_suite

    path = tmp_path_factory.mktemp("fuzz") / "suite.jsonl"
    path.write_text("\n".join(body) + "\n")
    loaded = inspect_suite(f"jsonl:{path}")
    for problem in loaded.problems:
        location, _, line = problem.where.rpartition(":")
        if location == str(path):
            assert 1 <= int(line) <= len(body)
        else:
            assert problem.where == str(path)
    if loaded.errors:
        assert loaded.suite is None
        with pytest.raises(SuiteFormatError) as raised:
            read_suite(path)
        assert str(raised.value).startswith(str(loaded.errors[0]))
    else:
        suite = read_suite(path)
        assert suite == loaded.suite
        assert {q.id for q in suite.queries} == {"q1"}
