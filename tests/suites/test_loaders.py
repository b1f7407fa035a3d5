"""Each published layout read from a small fixture in that layout, then through the suite model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from instructprobe.suites import inspect_suite, load_suite, read_suite, write_suite

FIXTURES = Path(__file__).parent / "fixtures"


def load(spec: str):
    loaded = inspect_suite(spec)
    assert not loaded.errors, [str(p) for p in loaded.errors]
    assert not loaded.warnings, [str(p) for p in loaded.warnings]
    assert loaded.suite is not None
    return loaded.suite


def by_id(suite):
    return {q.id: q for q in suite.queries}


def to_parquet(folder: Path) -> None:
    """Rewrite every JSONL data file of an MTEB fixture as Parquet, as the hub stores them."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    for path in list(folder.rglob("*.jsonl")):
        rows = [json.loads(line) for line in path.read_text().splitlines()]
        pq.write_table(pa.Table.from_pylist(rows), path.with_suffix(".parquet"))
        path.unlink()


class TestInstructIR:
    def test_instances_split_instruction_and_query_at_sep(self):
        suite = load(f"instructir:{FIXTURES / 'instructir'}")
        query = by_id(suite)["100_2"]
        assert query.text == "solar panel lifespan"
        assert query.instruction.startswith("As an engineering student")
        assert "[SEP]" not in query.instruction
        assert dict(query.qrels) == {"500_2": 1}
        assert query.topic == "100"

    def test_qrels_as_jsonl_give_the_same_suite(self, fixture_copy):
        folder = fixture_copy("instructir")
        tsv = folder / "qrels" / "test.tsv"
        rows = [line.split("\t") for line in tsv.read_text().splitlines()[1:] if line.strip()]
        tsv.unlink()
        (folder / "qrels" / "test.jsonl").write_text(
            "".join(
                json.dumps({"query-id": q, "corpus-id": d, "score": int(g)}) + "\n"
                for q, d, g in rows
            )
        )
        assert (
            load(f"instructir:{folder}").queries
            == load(f"instructir:{FIXTURES / 'instructir'}").queries
        )

    def test_mteb_form_gives_the_same_suite(self, tmp_path):
        hub = load(f"instructir:{FIXTURES / 'instructir'}")
        mteb = load(f"mteb:{FIXTURES / 'instructir-mteb'}")
        assert mteb.queries == hub.queries
        assert mteb.documents == hub.documents

    def test_mteb_form_from_parquet(self, fixture_copy):
        folder = fixture_copy("instructir-mteb")
        to_parquet(folder)
        assert not list(folder.rglob("*.jsonl"))
        assert load(str(folder)).queries == load(f"mteb:{FIXTURES / 'instructir-mteb'}").queries


class TestFollowIR:
    def test_original_instruction_is_judged_by_qrels_og(self):
        query = by_id(load(f"followir:{FIXTURES / 'followir'}"))["301"]
        assert query.instruction.startswith("Relevant documents describe the traffic")
        assert query.qrels["FBIS3-10003"] == 1  # relevant under the original instruction
        assert query.changed is not None
        assert query.changed.instruction.startswith("Relevant documents describe the freight")
        assert query.changed.qrels["FBIS3-10003"] == 0  # not relevant once it is changed
        assert set(query.relevant) - {d for d, g in query.changed.qrels.items() if g} == {
            "FBIS3-10003"
        }

    def test_candidate_pools_and_titles(self):
        suite = load(f"followir:{FIXTURES / 'followir'}")
        query = by_id(suite)["302"]
        assert query.candidates == tuple(d for d in query.qrels)
        assert suite.document("LA010190-0001").text.startswith("Orchard frost Growers lost")
        assert suite.document("LA010190-0001").title == "Orchard frost"

    def test_full_retrieval_drops_the_pools(self):
        suite = load_suite(f"followir:{FIXTURES / 'followir'}@full")
        assert all(q.candidates is None for q in suite.queries)
        assert suite.name.endswith("@full")

    def test_length_ablation_fields_are_counted_not_dropped_silently(self):
        counts = dict(inspect_suite(f"followir:{FIXTURES / 'followir'}").counts)
        assert counts["keywords read, not used"] == 2
        assert counts["short_query read, not used"] == 2

    def test_swapped_qrels_files_are_flagged(self, fixture_copy):
        folder = fixture_copy("followir")
        og, changed = folder / "qrels_og" / "test.tsv", folder / "qrels_changed" / "test.tsv"
        og_text, changed_text = og.read_text(), changed.read_text()
        og.write_text(changed_text)
        changed.write_text(og_text)
        loaded = inspect_suite(f"followir:{folder}")
        kinds = {p.kind for p in loaded.warnings}
        assert "changed-adds-relevant" in kinds
        assert any("swapped" in p.message for p in loaded.warnings)

    def test_mteb_v2_form_gives_the_same_suite(self):
        from dataclasses import replace

        v1 = load(f"followir:{FIXTURES / 'followir'}")
        v2 = load(f"mteb:{FIXTURES / 'followir-mteb'}")
        published = {q.id: q.changed.moved for q in v2.queries if q.changed}
        assert published == {"301": ("FBIS3-10003",), "302": ("LA010190-0002",)}
        unlisted = tuple(
            replace(q, changed=replace(q.changed, moved=None)) if q.changed else q
            for q in v2.queries
        )
        assert unlisted == v1.queries
        assert v2.documents == v1.documents

    def test_mteb_v2_qrel_diff_is_the_published_list_p_mrr_scores(self, fixture_copy):
        counts = dict(inspect_suite(f"mteb:{FIXTURES / 'followir-mteb'}").counts)
        assert counts["qrel_diff documents scored by p-MRR"] == 2
        folder = fixture_copy("followir-mteb")
        diff = folder / "qrel_diff" / "qrel_diff-00000-of-00001.jsonl"
        diff.write_text('{"query-id": "301", "corpus-ids": ["FBIS3-10001"]}\n')
        loaded = inspect_suite(f"mteb:{folder}")
        assert [p.kind for p in loaded.warnings] == ["qrel-diff"]
        assert loaded.suite is not None
        query = {q.id: q for q in loaded.suite.queries}["301"]
        assert query.changed is not None and query.changed.moved == ("FBIS3-10001",)

    def test_a_grade_only_change_in_qrel_diff_keeps_its_query(self, fixture_copy):
        folder = fixture_copy("followir-mteb")
        qrels = folder / "data" / "default-00000-of-00001.jsonl"
        rows = [json.loads(line) for line in qrels.read_text().splitlines()]
        for row in rows:  # 302: LA010190-0002 stays relevant, its grade only goes down
            if row["query-id"].startswith("302") and row["corpus-id"] == "LA010190-0002":
                row["score"] = 2 if row["query-id"] == "302-og" else 1
        qrels.write_text("".join(json.dumps(r) + "\n" for r in rows))
        loaded = inspect_suite(f"mteb:{folder}")
        assert not loaded.warnings, [str(p) for p in loaded.warnings]
        assert dict(loaded.counts)["qrel_diff documents whose grade only went down"] == 1
        query = {q.id: q for q in loaded.suite.queries}["302"]
        assert query.changed is not None and query.changed.moved == ("LA010190-0002",)

    def test_a_paired_layout_without_pools_is_an_error_unless_full(self, fixture_copy):
        import shutil

        folder = fixture_copy("followir-mteb")
        shutil.rmtree(folder / "top_ranked")
        readme = folder / "README.md"
        readme.write_text(
            readme.read_text().replace("- config_name: top_ranked", "- config_name: x")
        )
        loaded = inspect_suite(f"mteb:{folder}")
        assert [p.kind for p in loaded.errors] == ["no-pools"]
        assert "@full" in loaded.errors[0].message
        full = load(f"mteb:{folder}@full")
        assert full.benchmark is not None and full.benchmark.departures
        plain = fixture_copy("followir")
        (plain / "top_ranked.jsonl").unlink()
        assert [p.kind for p in inspect_suite(f"followir:{plain}").errors] == ["no-pools"]

    def test_a_query_without_a_pool_is_left_out_in_both_layouts(self, fixture_copy):
        mteb, plain = fixture_copy("followir-mteb"), fixture_copy("followir")
        ranked = mteb / "top_ranked" / "top_ranked-00000-of-00001.jsonl"
        ranked.write_text(
            "".join(x for x in ranked.read_text().splitlines(True) if "302-" not in x)
        )
        top = plain / "top_ranked.jsonl"
        top.write_text("".join(x for x in top.read_text().splitlines(True) if '"302"' not in x))
        for spec in (f"mteb:{mteb}", f"followir:{plain}"):
            loaded = inspect_suite(spec)
            assert loaded.suite is not None
            assert [q.id for q in loaded.suite.queries] == ["301"], spec
            assert [p.kind for p in loaded.warnings] == ["pool"], spec

    def test_mteb_v2_from_parquet(self, fixture_copy):
        folder = fixture_copy("followir-mteb")
        to_parquet(folder)
        assert load(f"mteb:{folder}").queries == load(f"mteb:{FIXTURES / 'followir-mteb'}").queries


class TestNevIR:
    def test_a_pair_is_one_query_reranking_its_two_passages(self):
        suite = load(f"nevir:{FIXTURES / 'nevir'}")
        query = by_id(suite)["1001"]
        assert query.instruction == "Which mayor vetoed the budget that the council passed?"
        assert query.changed is not None
        assert (
            query.changed.instruction
            == "Which mayor did not veto the budget that the council passed?"
        )
        assert dict(query.qrels) == {"1001-doc1": 1, "1001-doc2": 0}
        assert dict(query.changed.qrels) == {"1001-doc1": 0, "1001-doc2": 1}
        assert query.candidates == ("1001-doc1", "1001-doc2")
        assert suite.document("1001-doc2").text.startswith("Mayor Alvarez did not veto")

    def test_the_question_alone_is_the_model_input_as_in_nevir_and_mteb(self):
        from instructprobe.perturb import Request
        from instructprobe.retrievers.base import Template

        query = by_id(load(f"nevir:{FIXTURES / 'nevir' / 'test.jsonl'}"))["1002"]
        assert query.text == ""
        assert query.changed is not None
        template = Template(bare="query: {query}")
        assert template.render(Request(query.text, query.instruction)) == (
            "query: " + query.instruction
        )
        assert template.render(Request(query.text, query.changed.instruction)) == (
            "query: " + query.changed.instruction
        )

    def test_a_file_path_is_recognised(self):
        assert load(str(FIXTURES / "nevir" / "test.jsonl")).name == "nevir"


class TestBEIR:
    def test_instruction_from_field_or_metadata(self):
        suite = load(str(FIXTURES / "beir"))
        queries = by_id(suite)
        assert queries["q1"].instruction.startswith("I have a kettle")
        assert queries["q2"].instruction.startswith("I dislike the smell")
        assert dict(queries["q1"].qrels) == {"d1": 2, "d2": 1}

    def test_queries_without_instructions_are_refused_with_the_fix(self, fixture_copy):
        folder = fixture_copy("beir")
        (folder / "queries.jsonl").write_text('{"_id": "q1", "text": "descale a kettle"}\n')
        loaded = inspect_suite(f"beir:{folder}")
        assert loaded.suite is None
        assert str(loaded.errors[0]).startswith(f"{folder / 'queries.jsonl'}:1: ")
        assert "[SEP]" in loaded.errors[0].message
        assert "--instruction" in loaded.errors[0].message

    def test_a_runs_instruction_goes_to_the_queries_that_carry_none(self, fixture_copy):
        folder = fixture_copy("beir")
        with (folder / "queries.jsonl").open("a") as queries:
            queries.write('{"_id": "q3", "text": "descale a coffee machine"}\n')
        with (folder / "qrels" / "test.tsv").open("a") as qrels:
            qrels.write("q3\td1\t1\n")
        given = "Find instructions a beginner can follow."
        loaded = inspect_suite(f"beir:{folder}", given)
        assert loaded.suite is not None and not loaded.errors
        queries = by_id(loaded.suite)
        assert queries["q3"].instruction == given and queries["q3"].text.startswith("descale a")
        assert queries["q1"].instruction.startswith("I have a kettle")  # its own is kept
        assert dict(loaded.counts)["queries given --instruction"] == 1


class TestInstructIRLite:
    def test_an_instance_is_a_query_judged_by_the_original_passage(self):
        suite = load(f"instructir-lite:{FIXTURES / 'instructir-lite'}")
        queries = by_id(suite)
        assert list(queries) == ["100_1", "100_2", "200_1", "200_2"]
        assert queries["100_2"].text == "solar panel lifespan"
        assert queries["100_2"].instruction.startswith("As an engineering student")
        assert dict(queries["100_1"].qrels) == dict(queries["100_2"].qrels) == {"500": 1}
        assert queries["100_1"].topic == "100"
        assert [d.id for d in suite.documents] == ["500", "600", "700"]

    def test_paraphrases_attach_to_their_instance(self):
        queries = by_id(load(f"instructir-lite:{FIXTURES / 'instructir-lite'}"))
        assert len(queries["100_1"].paraphrases) == 2
        assert queries["100_1"].paraphrases[0].startswith("as a homeowner considering")
        assert queries["100_2"].paraphrases == ()

    def test_counts_say_what_was_read_and_kept(self):
        counts = dict(inspect_suite(f"instructir-lite:{FIXTURES / 'instructir-lite'}").counts)
        assert counts["instances"] == counts["queries kept"] == 4
        assert counts["paraphrase rows"] == 4
        assert counts["revised targets that match the original passage"] == 4
        assert counts["MS MARCO queries without instructions"] == 1

    def test_a_revised_target_from_another_passage_is_flagged(self, fixture_copy):
        folder = fixture_copy("instructir-lite")
        targets = folder / "INSTRUCTIR" / "qrels" / "test.tsv"
        targets.write_text(targets.read_text().replace("100_2\t500_2", "100_2\t600_2"))
        loaded = inspect_suite(f"instructir-lite:{folder}")
        assert [p.kind for p in loaded.warnings] == ["target-mismatch"]

    def test_the_order_swapped_variant_is_the_query_first_template(self):
        """InstructIR's analysis_order_sensitivity holds '] query [SEP] instruction [': the
        instance with the query first, which the reorder family's template swap produces."""
        from instructprobe.perturb.model import Order, Request
        from instructprobe.retrievers.base import Template

        queries = by_id(load(f"instructir-lite:{FIXTURES / 'instructir-lite'}"))
        path = FIXTURES / "instructir-lite" / "INSTRUCTIR" / "analysis_order_sensitivity"
        template = Template(query_first="] {query} [SEP] {instruction} [")
        for line in (path / "new_queries.jsonl").read_text().splitlines():
            record = json.loads(line)
            query = queries[record["_id"]]
            request = Request(query.text, query.instruction, Order.QUERY_FIRST)
            assert template.render(request) == record["text"]


@pytest.mark.parametrize(
    "spec",
    [
        f"instructir:{FIXTURES / 'instructir'}",
        f"mteb:{FIXTURES / 'instructir-mteb'}",
        f"followir:{FIXTURES / 'followir'}",
        f"mteb:{FIXTURES / 'followir-mteb'}",
        f"nevir:{FIXTURES / 'nevir'}",
        f"beir:{FIXTURES / 'beir'}",
        f"instructir-lite:{FIXTURES / 'instructir-lite'}",
    ],
)
def test_every_format_round_trips_through_the_suite_file(tmp_path, spec):
    suite = load(spec)
    write_suite(suite, tmp_path / "copy.jsonl")
    again = read_suite(tmp_path / "copy.jsonl")
    assert again.queries == suite.queries
    assert again.documents == suite.documents
    assert again.name == suite.name


class TestSharedInstructIR:
    """The real InstructIR files (../shared/data/instructir)."""

    def test_counts(self, shared_instructir):
        loaded = inspect_suite(f"instructir-lite:{shared_instructir}")
        assert not loaded.problems, [str(p) for p in loaded.problems[:5]]
        suite = loaded.suite
        assert suite is not None
        assert len(suite.queries) == 9906
        assert len({q.topic for q in suite.queries}) == 1267
        assert len(suite.documents) == 1743
        assert sum(bool(q.paraphrases) for q in suite.queries) == 1267
        assert sum(len(q.paraphrases) for q in suite.queries) == 6335
        counts = dict(loaded.counts)
        assert counts["revised targets that match the original passage"] == 9906
        assert counts["MS MARCO queries without instructions"] == 476

    def test_every_instance_is_judged_by_its_query_s_one_passage(self, shared_instructir):
        suite = load(f"instructir-lite:{shared_instructir}")
        per_topic: dict[str, set[str]] = {}
        for query in suite.queries:
            assert len(query.relevant) == 1
            per_topic.setdefault(query.topic, set()).update(query.relevant)
        assert all(len(passages) == 1 for passages in per_topic.values())

    def test_the_name_finds_the_shared_files(self, shared_instructir, monkeypatch):
        monkeypatch.delenv("INSTRUCTPROBE_INSTRUCTIR_DIR", raising=False)
        loaded = inspect_suite("instructir-lite")
        assert Path(loaded.source).resolve() == shared_instructir


def test_a_plain_mteb_set_takes_the_runs_instruction(fixture_copy):
    import shutil

    folder = fixture_copy("instructir-mteb")
    shutil.rmtree(folder / "instruction")
    assert inspect_suite(f"mteb:{folder}").errors[0].kind == "no-instruction"
    loaded = inspect_suite(f"mteb:{folder}", "Answer as briefly as you can.")
    assert loaded.suite is not None and not loaded.errors
    assert {q.instruction for q in loaded.suite.queries} == {"Answer as briefly as you can."}


class TestMTEBSplits:
    """MTEB reads a config at its ``test`` split (or its only one); the ``train`` rows of a
    data set that publishes both must not join the test queries' judgments."""

    TRAIN_ROWS = (
        {"query-id": "100_1", "corpus-id": "600_1", "score": 1},
        {"query-id": "200_2", "corpus-id": "500_2", "score": 1},
    )
    TEST_SPLIT = "  - split: test\n    path: data/test-*\n"

    def add_train_rows(self, folder: Path) -> None:
        rows = "".join(json.dumps(row) + "\n" for row in self.TRAIN_ROWS)
        (folder / "data" / "train-00000-of-00001.jsonl").write_text(rows)

    def test_a_cards_train_split_is_not_read(self, fixture_copy):
        folder = fixture_copy("instructir-mteb")
        card = folder / "README.md"
        card.write_text(
            card.read_text().replace(
                self.TEST_SPLIT, "  - split: train\n    path: data/train-*\n" + self.TEST_SPLIT
            )
        )
        self.add_train_rows(folder)
        fixture = load(f"mteb:{FIXTURES / 'instructir-mteb'}")
        assert load(f"mteb:{folder}").queries == fixture.queries

    def test_a_folders_train_file_is_not_read(self, fixture_copy):
        folder = fixture_copy("instructir-mteb")
        (folder / "README.md").unlink()
        self.add_train_rows(folder)
        fixture = load(f"mteb:{FIXTURES / 'instructir-mteb'}")
        assert load(f"mteb:{folder}").queries == fixture.queries

    def test_splits_without_test_are_an_error(self, fixture_copy):
        folder = fixture_copy("instructir-mteb")
        card = folder / "README.md"
        card.write_text(
            card.read_text().replace(
                self.TEST_SPLIT,
                "  - split: train\n    path: data/train-*\n  - split: dev\n    path: data/test-*\n",
            )
        )
        self.add_train_rows(folder)
        loaded = inspect_suite(f"mteb:{folder}")
        assert loaded.suite is None
        assert [p.kind for p in loaded.errors][:1] == ["split"]
