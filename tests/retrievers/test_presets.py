"""Golden tests: each preset's model reads exactly the strings its model card publishes.

The expected strings are written out here by hand from the model cards, not read back from
``retrievers.presets``, so a change to a format has to change this file too.
"""

import pytest

from instructprobe.perturb import Order, Request
from instructprobe.retrievers import PRESETS
from instructprobe.retrievers.cache import DOCUMENT, QUERY
from instructprobe.retrievers.registry import BUILDERS

QUERY_TEXT = "what do cats eat"
INSTRUCTION = "Only documents about kittens are relevant."
DOC = "Kittens need three meals a day."

FIRST = Request(QUERY_TEXT, INSTRUCTION)
SECOND = Request(QUERY_TEXT, INSTRUCTION, Order.QUERY_FIRST)
BARE = Request(QUERY_TEXT, "")

BI_ENCODERS = {
    # name: (instruction first, query first, no instruction, document)
    "minilm": (
        "Only documents about kittens are relevant. what do cats eat",
        "what do cats eat Only documents about kittens are relevant.",
        "what do cats eat",
        "Kittens need three meals a day.",
    ),
    "gtr-t5-base": (
        "Only documents about kittens are relevant. what do cats eat",
        "what do cats eat Only documents about kittens are relevant.",
        "what do cats eat",
        "Kittens need three meals a day.",
    ),
    "contriever-msmarco": (
        "Only documents about kittens are relevant. what do cats eat",
        "what do cats eat Only documents about kittens are relevant.",
        "what do cats eat",
        "Kittens need three meals a day.",
    ),
    "e5-base-v2": (
        "query: Only documents about kittens are relevant. what do cats eat",
        "query: what do cats eat Only documents about kittens are relevant.",
        "query: what do cats eat",
        "passage: Kittens need three meals a day.",
    ),
    "bge-base-en-v1.5": (
        "Represent this sentence for searching relevant passages: "
        "Only documents about kittens are relevant. what do cats eat",
        "Represent this sentence for searching relevant passages: "
        "what do cats eat Only documents about kittens are relevant.",
        "Represent this sentence for searching relevant passages: what do cats eat",
        "Kittens need three meals a day.",
    ),
    "e5-mistral-7b-instruct": (
        "Instruct: Only documents about kittens are relevant.\nQuery: what do cats eat",
        "Query: what do cats eat\nInstruct: Only documents about kittens are relevant.",
        "Instruct: Given a web search query, retrieve relevant passages that answer the query"
        "\nQuery: what do cats eat",
        "Kittens need three meals a day.",
    ),
    # InstructorEmbedding 1.0.1 (PyPI) keeps the instruction's closing space: the model card's
    # "Represent the … documents: " reads "documents: what…"
    "instructor-base": (
        "Represent the question for retrieving supporting documents: "
        "Only documents about kittens are relevant. what do cats eat",
        "Represent the question for retrieving supporting documents: "
        "what do cats eat Only documents about kittens are relevant.",
        "Represent the question for retrieving supporting documents: what do cats eat",
        "Represent the document for retrieval: Kittens need three meals a day.",
    ),
}
BI_ENCODERS["instructor-large"] = BI_ENCODERS["instructor-base"]
BI_ENCODERS["instructor-xl"] = BI_ENCODERS["instructor-base"]

RERANKERS = {
    "monot5-base": (
        "Query: Only documents about kittens are relevant. what do cats eat "
        "Document: Kittens need three meals a day. Relevant:"
    ),
    "followir-7b": (
        "<s> [INST] You are an expert Google searcher, whose job is to determine if the "
        "following document is relevant to the query (true/false). Answer using only one word, "
        "one of those two choices.\n\n"
        "Query: Only documents about kittens are relevant. what do cats eat\n"
        "Document: Kittens need three meals a day.\n"
        'Relevant (only output one word, either "true" or "false"): [/INST] '
    ),
}


def build(name, tmp_path):
    preset = PRESETS[name]
    return BUILDERS[preset.family](name, str(tmp_path), preset, None)


@pytest.mark.parametrize("name", sorted(BI_ENCODERS))
def test_bi_encoder_inputs_match_the_published_formats(name, tmp_path):
    retriever = build(name, tmp_path)
    first, second, bare, document = BI_ENCODERS[name]
    rendered = [retriever.template.render(r) for r in (FIRST, SECOND, BARE)]
    assert retriever.model_inputs(rendered, QUERY) == [first, second, bare]
    assert retriever.model_inputs([DOC], DOCUMENT) == [document]


@pytest.mark.parametrize("name", sorted(RERANKERS))
def test_reranker_prompts_match_the_published_formats(name, tmp_path):
    retriever = build(name, tmp_path)
    assert retriever.format(retriever.template.render(FIRST), DOC) == RERANKERS[name]


def test_every_preset_with_a_model_has_a_golden_format():
    with_model = {n for n, p in PRESETS.items() if p.model_id is not None}
    assert with_model - set(BI_ENCODERS) - set(RERANKERS) <= {"ms-marco-minilm"}


def test_the_listing_says_where_each_presets_weights_are(tmp_path, monkeypatch):
    import huggingface_hub.constants

    from instructprobe.app.listing.retrievers import availability

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path))
    snapshot = tmp_path / "models--hkunlp--instructor-base" / "snapshots" / ("b" * 40)
    snapshot.mkdir(parents=True)
    (snapshot / "config.json").write_text("{}")
    (tmp_path / "models--hkunlp--instructor-base" / "refs").mkdir()
    (tmp_path / "models--hkunlp--instructor-base" / "refs" / "main").write_text("b" * 40)
    assert availability("bm25") == "built in"
    assert availability("minilm") == "bundled"
    assert availability("instructor-base") == "hub cache"
    assert availability("instructor-xl") == "download"


def test_probe_list_retrievers_shows_every_preset_and_its_formats(capsys, monkeypatch):
    from instructprobe.app.cli import main

    monkeypatch.setenv("COLUMNS", "200")
    assert main(["list", "retrievers"]) == 0
    out = capsys.readouterr().out
    for name in PRESETS:
        assert name in out
    assert "passage: {document}" in out and "[Represent the document for retrieval:]" in out
