"""The starter run (the session's ``starter_result``) as a results file, and runs split by
retriever, for the report, compare and gate tests."""

from __future__ import annotations

import dataclasses

import pytest


def only(result, retriever):
    """The run as if it had probed ``retriever`` alone (same suite, seed and queries)."""
    return dataclasses.replace(
        result,
        cells=tuple(c for c in result.cells if c.retriever == retriever),
        strata=tuple(s for s in result.strata if s.retriever == retriever),
        dose_response=tuple(d for d in result.dose_response if d.retriever == retriever),
        outcomes=tuple(o for o in result.outcomes if o.retriever == retriever),
        retrievers=tuple(r for r in result.retrievers if r.get("name") == retriever),
    )


@pytest.fixture(scope="session")
def results_file(starter_result, tmp_path_factory):
    path = tmp_path_factory.mktemp("results") / "starter.json"
    starter_result.write_json(path)
    return path


@pytest.fixture(scope="session")
def bm25_only(starter_result):
    return only(starter_result, "bm25")


@pytest.fixture(scope="session")
def minilm_only(starter_result):
    return only(starter_result, "minilm")
