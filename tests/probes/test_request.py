"""The run request: every setting converted and checked in one place, whichever front end
named it, and equality meaning "the same results"."""

import re

import pytest

from instructprobe.core.errors import RequestError
from instructprobe.perturb import Family
from instructprobe.probes.request import (
    SETTINGS,
    Correction,
    RetrieverChoice,
    RunRequest,
    cli_label,
    ini_label,
    key_label,
)


def test_the_defaults():
    request = RunRequest()
    assert request.retrievers == (RetrieverChoice("bm25"), RetrieverChoice("minilm"))
    assert (request.suite, request.families, request.seed, request.limit) == (
        "starter",
        tuple(Family),
        0,
        None,
    )
    assert request.operators == ()
    assert (request.cutoff, request.depth, request.resamples) == (10, 1000, 9999)
    assert (request.alpha, request.margin, request.follow_margin) == (0.05, 0.05, 0.05)
    assert request.correction is Correction.HOLM
    assert (request.cache, request.cache_dir, request.device, request.batch_size) == (
        True,
        None,
        None,
        64,
    )


def test_text_and_typed_values_give_the_same_request():
    typed = RunRequest(
        retrievers=("bm25",),
        families=(Family.NEGATION, Family.REORDER, Family.PARAPHRASE),
        operators=("wordnet-paraphrase",),
        limit=20,
        alpha=0.01,
        correction=Correction.BH,
        cache=False,
    )
    text = RunRequest.create(
        {
            "retrievers": "bm25",
            "families": "negation reorder paraphrase",
            "operators": "wordnet-paraphrase",
            "limit": "20",
            "alpha": "0.01",
            "correction": "bh",
            "cache": "false",
        }
    )
    assert typed == text and typed.cache is text.cache is False


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        ({"retrievers": ""}, "retrievers: needs at least one retriever, got ''"),
        ({"retrievers": ","}, "retrievers: needs at least one retriever, got ','"),
        ({"retrievers": ["a=bm25", "a=minilm"]}, "two retrievers are named 'a'"),
        ({"retrievers": ["=bm25"]}, "expected NAME=SPEC"),
        ({"retrievers": [3]}, "cannot use 3 (a builtins.int) as a retriever"),
        ({"suite": " "}, "suite: must be a non-empty string, got ' '"),
        ({"families": "negations"}, "unknown perturbation family 'negations' (choose from"),
        ({"families": []}, "needs at least one perturbation family"),
        (
            {"operators": "rewrite"},
            "operators: 'rewrite' runs by default and is not an opt-in operator (choose from",
        ),
        ({"operators": "rewirte"}, "operators: 'rewirte' is not an opt-in operator (choose from"),
        (
            {"operators": "wordnet-paraphrase", "families": "negation"},
            "operators: wordnet-paraphrase perturbs paraphrase, which the run leaves out",
        ),
        ({"seed": -1}, "seed: must be an integer ≥ 0, got -1"),
        ({"seed": 1.5}, "seed: must be an integer ≥ 0, got 1.5"),
        ({"seed": True}, "seed: must be an integer ≥ 0, got True"),
        ({"limit": 0}, "limit: must be an integer ≥ 1, got 0"),
        ({"sample": "some"}, "sample: must be an integer ≥ 1, got 'some'"),
        ({"limit": 5, "sample": 5}, "sample: give limit or sample, not both"),
        ({"cutoff": 0}, "cutoff: must be an integer ≥ 1, got 0"),
        ({"depth": 5}, "depth: must be at least the cutoff (10), got 5"),
        ({"alpha": 1}, "alpha: must be a number between 0 and 1 (exclusive), got 1"),
        ({"margin": "nan"}, "margin: must be a number between 0 and 1 (exclusive), got 'nan'"),
        ({"correction": "bonferroni"}, "unknown correction 'bonferroni' (choose from holm, bh)"),
        ({"resamples": 50}, "resamples: must be an integer between 100 and 100,000, got 50"),
        ({"resamples": 10**8}, "resamples: must be an integer between 100 and 100,000"),
        ({"cache": "sometimes"}, "cache: must be true or false, got 'sometimes'"),
        ({"device": "tpu"}, "device: must be auto, cpu, cuda, cuda:N or mps, or a list"),
        ({"device": "cuda:0,auto"}, "device: a list of devices names each one (no auto)"),
        ({"device": "cuda:0,cuda:1"}, "device: cuda:0,cuda:1 lists several devices: that needs"),
        ({"executor": "dask"}, "unknown executor 'dask' (choose from local, devices, ray)"),
        ({"workers": 0}, "workers: must be an integer ≥ 1, got 0"),
        ({"batch_size": 0}, "batch_size: must be an integer ≥ 1, got 0"),
        ({"colour": "red"}, "unknown setting colour (known: retrievers, suite,"),
    ],
)
def test_every_bad_value_is_one_line_naming_the_setting(values, problem):
    with pytest.raises(RequestError) as error:
        RunRequest.create(values)
    assert problem in str(error.value) and "\n" not in str(error.value)


def test_each_front_end_names_a_setting_its_own_way():
    with pytest.raises(RequestError, match=r"^--follow-margin: must be"):
        RunRequest.create({"follow_margin": 2}, label=cli_label)
    with pytest.raises(RequestError, match=r"^gates.toml: \[run\]: 'follow_margin': must be"):
        RunRequest.create({"follow_margin": 2}, "gates.toml: [run]: ", key_label)
    with pytest.raises(RequestError, match=r"^ini option probe_follow_margin: must be"):
        RunRequest.create({"follow_margin": 2}, label=ini_label)
    assert cli_label("families") == "--perturb" and cli_label("retrievers") == "--retriever"


def test_name_equals_spec_names_a_column_and_a_preset_on_a_folder_stays_a_preset(tmp_path):
    assert RetrieverChoice.parse("base=bm25") == RetrieverChoice("bm25", "base")
    assert RetrieverChoice.parse("a=instructor-xl") == RetrieverChoice("instructor-xl", "a")
    presets = ("instructor-xl",)
    folder = str(tmp_path)
    assert RetrieverChoice.parse(f"instructor-xl={folder}", presets) == RetrieverChoice(
        f"instructor-xl={folder}"
    )
    named = RetrieverChoice.parse(f"mine=instructor-xl={folder}", presets)
    assert named == RetrieverChoice(f"instructor-xl={folder}", "mine")
    assert str(named) == f"mine=instructor-xl={folder}"


def test_equality_leaves_out_the_settings_that_change_no_number(tmp_path):
    plain = RunRequest(limit=5)
    elsewhere = RunRequest(limit=5, cache_dir=str(tmp_path), device="cpu", batch_size=8)
    assert plain == elsewhere and hash(plain) == hash(elsewhere)
    assert plain.differences(elsewhere) == []
    assert {s.name for s in SETTINGS if not s.affects_results} == {
        "cache",
        "cache_dir",
        "device",
        "batch_size",
        "runs_dir",
        "executor",
        "ray_address",
        "workers",
    }
    spread = RunRequest(limit=5, executor="devices", device="cuda:0, cuda:1", workers=2)
    assert spread == plain and spread.devices == ("cuda:0", "cuda:1")
    listed = RunRequest(limit=5, executor="devices", device=["cuda:0", "CUDA:1"])  # a TOML list
    assert listed.device == "cuda:0,cuda:1" and listed.to_dict()["device"] == "cuda:0,cuda:1"
    assert RunRequest(executor="ray", ray_address="10.0.0.2:6379") == RunRequest()
    other = RunRequest(limit=6, seed=1)
    assert plain != other
    assert plain.differences(other) == ["seed: 0 ≠ 1", "limit: 5 ≠ 6"]


def test_a_request_round_trips_through_its_json():
    request = RunRequest(
        retrievers="a=bm25,minilm", families="negation", seed=2, cutoff=5, correction="bh"
    )
    data = request.to_dict()
    assert data["retrievers"] == ["a=bm25", "minilm"] and data["families"] == ["negation"]
    assert data["correction"] == "bh" and data["cutoff"] == 5
    assert RunRequest.from_dict(data) == request


def test_the_executor_is_recorded_only_when_it_is_not_the_local_one():
    assert not {"executor", "ray_address", "workers"} & set(RunRequest().to_dict())
    clustered = RunRequest(executor="ray", ray_address="head:6379", workers=4).to_dict()
    assert (clustered["executor"], clustered["ray_address"], clustered["workers"]) == (
        "ray",
        "head:6379",
        4,
    )
    assert RunRequest.from_dict(clustered).executor.value == "ray"


def test_a_retriever_object_is_recorded_by_its_class_and_name(bm25):
    request = RunRequest(retrievers=[bm25, "minilm"])
    (choice, _) = request.retrievers
    assert choice.instance is bm25 and choice.name == "bm25"
    assert request.to_dict()["retrievers"][0] == "bm25=object:instructprobe.retrievers.bm25.BM25"


def test_every_setting_is_a_field_and_every_field_a_setting():
    from dataclasses import fields

    assert [s.name for s in SETTINGS] == [f.name for f in fields(RunRequest)]


def test_settings_added_later_are_written_only_when_given():
    assert not {"instruction", "sample", "runs_dir"} & set(RunRequest().to_dict())
    given = RunRequest(instruction="Find recent work.", sample=5, runs_dir="runs")
    data = given.to_dict()
    assert (data["instruction"], data["sample"], data["runs_dir"]) == (
        "Find recent work.",
        5,
        "runs",
    )
    assert RunRequest.from_dict(data) == given


def test_an_integer_beyond_any_float_is_a_bad_value_not_a_crash():
    with pytest.raises(RequestError, match="alpha: must be a number between 0 and 1"):
        RunRequest.create({"alpha": 10**400})


def test_templates_and_document_prompts_are_set_per_retriever_in_every_front_end():
    from_cli = RunRequest.create(
        {"templates": ["mine=query: {query} {instruction}", "{query} {instruction}"]},
        label=cli_label,
    )
    from_gates = RunRequest.create(
        {"templates": {"mine": "query: {query} {instruction}", "*": "{query} {instruction}"}}
    )
    from_ini = RunRequest.create(
        {"templates": "mine=query: {query} {instruction}\n{query} {instruction}\n"},
        label=ini_label,
    )
    assert from_cli.templates == (
        ("mine", "query: {query} {instruction}"),
        ("*", "{query} {instruction}"),
    )
    assert from_cli == from_gates == from_ini
    prompts = RunRequest(document_prompts=['e5="passage: "'])
    assert prompts.document_prompts == (("e5", "passage: "),), "JSON quotes keep the space"
    data = from_cli.to_dict()
    assert data["templates"] == {
        "mine": "query: {query} {instruction}",
        "*": "{query} {instruction}",
    }
    assert RunRequest.from_dict(data) == from_cli
    assert RunRequest(templates="{query} {instruction}") != RunRequest()


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        ({"templates": "a={query}"}, "templates: a template needs {query} and {instruction}"),
        ({"templates": ["a={query} {instruction}", "a={instruction} {query}"]}, "'a' given twice"),
        ({"templates": {"a": 3}}, "templates: a: expected text, got 3"),
    ],
)
def test_a_bad_template_is_one_line_naming_the_setting(values, problem):
    with pytest.raises(RequestError, match=re.escape(problem)):
        RunRequest.create(values)


def test_objects_are_named_by_themselves_or_by_a_mapping_and_never_merge(bm25):
    def encode(texts):
        return [[1.0]] * len(texts)

    request = RunRequest(retrievers={"mine": encode, "base": "bm25"})
    mine, base = request.retrievers
    assert (mine.name, mine.instance) == ("mine", encode)
    assert base == RetrieverChoice("bm25", "base")
    twice = RunRequest(retrievers=[encode, "bm25"])
    assert twice.retrievers[0].name == "encode"
    with pytest.raises(RequestError, match="two retrievers are named 'encode'"):
        RunRequest(retrievers=[encode, encode])
    with pytest.raises(RequestError, match=r"cannot use 3 \(a builtins.int\) as a retriever"):
        RunRequest(retrievers={"three": 3})


def test_the_order_of_the_originals_is_auto_or_named():
    from instructprobe.perturb import Order

    assert RunRequest().order is None and RunRequest(order="auto").order is None
    assert RunRequest(order="query-first").order is Order.QUERY_FIRST
    assert RunRequest(order="instruction_first").order is Order.INSTRUCTION_FIRST
    assert RunRequest(order="query-first").to_dict()["order"] == "query_first"
    with pytest.raises(RequestError, match="order: must be auto, instruction-first or query-first"):
        RunRequest(order="sideways")
