import dataclasses

import pytest

from instructprobe.perturb import Expectation, Family, Request, Variant
from instructprobe.perturb.meaning import DEFAULT_THRESHOLD, MeaningFilter, SentenceEncoder

ORIGINAL = "I need documents that explain the maximum daily dose of ibuprofen for adults."


def variant(instruction, operator="graded-paraphrase", family=Family.PARAPHRASE):
    return Variant(
        "q1", family, operator, "f", Request("ibuprofen", instruction), Expectation.invariant()
    )


@pytest.fixture(scope="module")
def encoder(minilm):
    return SentenceEncoder(minilm.model, "all-MiniLM-L6-v2")


def test_close_paraphrase_passes_and_its_score_is_kept(encoder):
    kept = variant(
        "I require passages that describe the maximum daily dose of ibuprofen for adults."
    )
    result = MeaningFilter(encoder).apply([kept], {"q1": ORIGINAL})
    (scored,) = result.kept
    params = dict(scored.params)
    assert float(params["cosine"]) >= DEFAULT_THRESHOLD
    assert (
        params["threshold"] == f"{DEFAULT_THRESHOLD:g}" and params["encoder"] == "all-MiniLM-L6-v2"
    )
    assert params["meaning_filter"] == "pass" and not result.dropped
    assert result.pass_rate() == 1.0


def test_unrelated_rewrite_is_dropped_with_its_score(encoder):
    result = MeaningFilter(encoder).apply(
        [variant("Recipes for a chocolate cake with strawberries.")], {"q1": ORIGINAL}
    )
    (dropped,) = result.dropped
    assert float(dict(dropped.params)["cosine"]) < 0.5
    assert dict(dropped.params)["meaning_filter"] == "fail" and result.kept == ()


def test_a_paraphrase_that_adds_a_negation_is_dropped_however_close(encoder):
    negated = ORIGINAL.replace("that explain", "that do not explain")
    result = MeaningFilter(encoder, threshold=0.0).apply([variant(negated)], {"q1": ORIGINAL})
    (dropped,) = result.dropped
    assert dict(dropped.params)["same_polarity"] == "false"


def test_curated_paraphrases_are_scored_but_kept(encoder):
    curated = variant("Cake recipes.", operator="curated-paraphrase")
    result = MeaningFilter(encoder).apply([curated], {"q1": ORIGINAL})
    (kept,) = result.kept
    assert dict(kept.params)["meaning_filter"] == "fail"
    assert result.pass_rate("curated-paraphrase") == 0.0


def test_other_families_pass_through_unscored(encoder):
    other = dataclasses.replace(variant("x"), family=Family.REORDER, operator="sentence-shuffle")
    result = MeaningFilter(encoder).apply([other], {"q1": ORIGINAL})
    assert result.kept == (other,) and result.pass_rate() is None


def test_empty_texts_score_zero_and_nothing_is_encoded_for_nothing(encoder):
    flt = MeaningFilter(encoder)
    assert flt.cosines([]) == []
    assert flt.cosines([("", "a")]) == [0.0]


def test_threshold_must_be_a_cosine(encoder):
    with pytest.raises(ValueError, match="cosine threshold"):
        MeaningFilter(encoder, threshold=1.5)
