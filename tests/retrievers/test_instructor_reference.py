"""INSTRUCTOR against its reference, InstructorEmbedding 1.0.1 (PyPI), on the same tiny random
checkpoint. The package needs sentence-transformers 2.2.2 and transformers < 4.40, so it runs in
its own environment (its Python named by ``$INSTRUCTPROBE_INSTRUCTOR_REF``, by default
/tmp/instructor-ref/bin/python; tests/retrievers/reference/instructor_101.py says how to make
it); where that environment is absent the test is skipped, saying so."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

from instructprobe.perturb import Order, Request
from instructprobe.retrievers.base import Template
from instructprobe.retrievers.cache import DOCUMENT, QUERY
from instructprobe.retrievers.instructor import InstructorRetriever
from instructprobe.retrievers.presets import INSTRUCTOR_DOCUMENT, INSTRUCTOR_QUERY

SCRIPT = Path(__file__).parent / "reference" / "instructor_101.py"
REFERENCE = os.environ.get("INSTRUCTPROBE_INSTRUCTOR_REF", "/tmp/instructor-ref/bin/python")
TEMPLATE = Template()
REQUESTS = [
    Request("what do cats eat", "Only documents about kittens are relevant."),
    Request("what do cats eat", "Only documents about kittens are relevant.", Order.QUERY_FIRST),
    Request("household pets", ""),
]
DOCUMENTS = ["Kittens need three meals a day.", "  stock markets fell  ", "a"]


def _reference_available() -> bool:
    if not Path(REFERENCE).is_file():
        return False
    found = subprocess.run(
        [REFERENCE, "-c", "import InstructorEmbedding, sentence_transformers"],
        capture_output=True,
        check=False,
    )
    return found.returncode == 0


pytestmark = [
    pytest.mark.model,
    pytest.mark.skipif(
        not _reference_available(),
        reason=f"InstructorEmbedding 1.0.1's environment is absent ({REFERENCE}); see {SCRIPT}",
    ),
]


@pytest.fixture(scope="module")
def pairs_and_reference(tmp_path_factory):
    """Each case as [instruction, text] and the package's embedding of it."""
    queries = [TEMPLATE.render(r) for r in REQUESTS]
    cases = [(INSTRUCTOR_QUERY, q, QUERY) for q in queries]
    cases += [(INSTRUCTOR_DOCUMENT, d, DOCUMENT) for d in DOCUMENTS]
    cases += [("cats: ", "dogs", QUERY)]  # an instruction of one token: nothing is left out
    folder = tmp_path_factory.mktemp("instructor-101") / "model"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": ""}
    subprocess.run(
        [REFERENCE, str(SCRIPT), str(folder)],
        input=json.dumps([[i, t] for i, t, _ in cases]),
        text=True,
        capture_output=True,
        check=True,
        env=env,
        cwd=str(folder.parent),
    )
    reference = np.array(json.loads((folder / "reference.json").read_text()), dtype=np.float32)
    return folder, cases, reference


def _ours(folder, instruction, text, role):
    kind = "query_instruction" if role == QUERY else "document_instruction"
    retriever = InstructorRetriever("ours", str(folder), **{kind: instruction})
    return retriever.embed([text], role)[0]


def test_every_input_equals_instructorembedding_1_0_1(pairs_and_reference):
    folder, cases, reference = pairs_and_reference
    ours = np.stack([_ours(folder, i, t, role) for i, t, role in cases])
    np.testing.assert_allclose(ours, reference, atol=1e-5)


def test_stripping_the_instruction_as_followirs_copy_does_gives_other_vectors(
    pairs_and_reference,
):
    """The test can fail: joining the stripped instruction (``"…retrieval:Kittens"``) is not
    what the package computes for the model card's instructions."""
    folder, cases, reference = pairs_and_reference
    stripped = np.stack([_ours(folder, i.strip(), t, role) for i, t, role in cases[:3]])
    assert np.abs(stripped - reference[:3]).max() > 1e-3
