"""The façade: ``from instructprobe import …`` names the whole public API, lazily."""

import pytest

import instructprobe
from instructprobe.core.errors import InstructprobeError, RequestError


def test_every_name_in_all_resolves():
    for name in instructprobe.__all__:
        assert getattr(instructprobe, name) is not None
    assert set(instructprobe.__all__) <= set(dir(instructprobe))
    with pytest.raises(AttributeError, match="no attribute 'Runner'"):
        instructprobe.Runner  # noqa: B018


def test_importing_the_package_imports_no_layer(fresh_python):
    script = (
        "import sys, instructprobe\n"
        "print(sorted(m for m in sys.modules if m.startswith('instructprobe.')))"
    )
    assert fresh_python(script) == "[]"


def test_every_error_the_package_raises_on_purpose_shares_one_root():
    from instructprobe.core import errors
    from instructprobe.perturb.nltk_setup import WordNetSetupError
    from instructprobe.perturb.registry import UnknownOperator
    from instructprobe.suites import SuiteFormatError

    classes = [c for c in vars(errors).values() if isinstance(c, type)]
    assert all(issubclass(c, InstructprobeError) for c in classes)
    for error in (WordNetSetupError, UnknownOperator, SuiteFormatError):
        assert issubclass(error, InstructprobeError)
    assert instructprobe.InstructprobeError is InstructprobeError


def test_run_takes_a_request_or_keyword_settings_not_both(bm25, starter):
    request = instructprobe.RunRequest(retrievers=[bm25], suite=starter, limit=4, resamples=200)
    by_request = instructprobe.run(request)
    by_keywords = instructprobe.run(retrievers=[bm25], suite=starter, limit=4, resamples=200)
    assert by_request.to_json() == by_keywords.to_json()
    assert by_request.request == request
    with pytest.raises(RequestError, match="not both"):
        instructprobe.run(request, limit=3)


@pytest.mark.slow
def test_run_by_names_reads_the_suite_and_resolves_the_retrievers():
    result = instructprobe.run(retrievers="bm25", limit=3, resamples=200, families="reorder")
    assert result.suite.name == "starter" and result.retriever_names() == ["bm25"]
    cell = result.verdicts()["bm25", instructprobe.Family.REORDER]
    assert cell.delta == 0 and cell.verdict is instructprobe.Verdict.INCONCLUSIVE
    assert cell.reason.startswith("3 queries cannot show |ΔnDCG@10| < 0.05")


@pytest.mark.slow
def test_a_loaded_sentence_transformer_and_a_bare_encode_function_give_full_reports(
    minilm, starter, tmp_path
):
    """What a user holds in a notebook: a loaded model object, saved with E5-style prompts,
    and a plain function; both are probed and reported from the Python API."""
    import copy
    import hashlib
    import re

    import numpy as np

    from instructprobe.reports.render import report

    def bag_of_words(texts):
        vectors = np.zeros((len(texts), 128), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                vectors[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % 128] += 1
        return vectors

    model = copy.copy(minilm.model)
    model.prompts = {"query": "query: ", "document": "passage: "}
    result = instructprobe.run(
        retrievers={"st": model, "bow": bag_of_words},
        suite=starter,
        limit=8,
        resamples=200,
        cache_dir=str(tmp_path / "cache"),
    )
    assert result.retriever_names() == ["st", "bow"]
    # the starter has no rewrites of its own
    absent = {instructprobe.Family.CURATED_PARAPHRASE}
    assert {c.family for c in result.cells} == set(instructprobe.Family) - absent
    st, bow = result.retrievers
    assert st["prompts_from"] == "model" and st["document_prompt"] == "passage: "
    assert st["template"] == "query: {instruction} {query}"
    assert st["identity"].startswith("weights-sha256:") and bow["kind"] == "encode-function"
    terminal = report(result, "term", width=160)
    assert "st reads the prompts its model was saved with: 'query: {instruction} {query}'" in (
        terminal
    )
    assert "bow" in terminal.split("Verdicts")[1]
    markdown = report(result, "md")
    assert "the model's own (saved with it); documents 'passage: '" in markdown
    path = tmp_path / "results.json"
    result.write_json(str(path))
    assert instructprobe.read_results(str(path)).retrievers == result.retrievers
