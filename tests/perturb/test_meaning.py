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


def test_the_cosine_judges_free_rewrites_and_the_vetting_judges_rule_written_ones(encoder):
    rewritten = "I require passages that explain the maximum daily dose of ibuprofen for adults."
    strict = MeaningFilter(encoder, threshold=0.999)
    (kept,) = strict.apply([variant(rewritten)], {"q1": ORIGINAL}).kept
    assert float(dict(kept.params)["cosine"]) < 0.999
    assert dict(kept.params)["words_vetted"] == "true"
    by_model = variant(rewritten, operator="model-paraphrase")
    (dropped,) = strict.apply([by_model], {"q1": ORIGINAL}).dropped
    assert dict(dropped.params)["words_vetted"] == "unchecked"
    held = dataclasses.replace(strict, cosine_judges_vetted=True)
    (dropped,) = held.apply([variant(rewritten)], {"q1": ORIGINAL}).dropped
    assert dict(dropped.params)["meaning_filter"] == "fail"


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
    assert dict(kept.params)["words_vetted"] == "unchecked"
    assert dict(kept.params)["grammar"] == "unchecked"
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


def test_the_issues_out_of_context_synonyms_are_dropped_at_any_cosine(encoder):
    from tests.perturb.test_vetting import ISSUE_14_SUBSTITUTIONS

    originals = {f"q{i}": original for i, (original, _, _) in enumerate(ISSUE_14_SUBSTITUTIONS)}
    variants = [
        dataclasses.replace(variant(paraphrase), case_id=f"q{i}")
        for i, (_, paraphrase, _) in enumerate(ISSUE_14_SUBSTITUTIONS)
    ]
    result = MeaningFilter(encoder, threshold=0.0).apply(variants, originals)
    assert result.kept == () and len(result.dropped) == len(ISSUE_14_SUBSTITUTIONS)
    for dropped, (_, _, word) in zip(result.dropped, ISSUE_14_SUBSTITUTIONS, strict=True):
        params = dict(dropped.params)
        assert params["words_vetted"] == "false" and word in params["unvetted"]


def test_a_vetted_rewrite_says_so(encoder):
    kept = variant("I'm searching for documents that explain the maximum daily dose of ibuprofen.")
    original = "I am looking for documents that explain the maximum daily dose of ibuprofen."
    (scored,) = MeaningFilter(encoder).apply([kept], {"q1": original}).kept
    assert dict(scored.params)["words_vetted"] == "true" and "unvetted" not in dict(scored.params)


def test_a_models_words_and_an_unvetting_filter_judge_by_the_cosine_alone(encoder):
    original = "My boss insists on official statistics."
    foreman = "My foreman insists on official statistics."
    by_model = variant(foreman, operator="model-paraphrase")
    by_wordnet = variant(foreman, operator="wordnet-paraphrase")
    (kept,) = MeaningFilter(encoder, threshold=0.0).apply([by_model], {"q1": original}).kept
    assert dict(kept.params)["words_vetted"] == "unchecked"
    unvetting = MeaningFilter(encoder, threshold=0.0, vet_words=False)
    result = unvetting.apply([by_wordnet], {"q1": original})
    assert len(result.kept) == 1 and dict(result.kept[0].params)["words_vetted"] == "unchecked"


def test_a_grammar_fault_is_dropped_at_any_cosine_and_says_which(encoder):
    from tests.perturb.test_grammar import AUDITS_REJECTED

    originals = {f"q{i}": original for i, (original, _, _) in enumerate(AUDITS_REJECTED)}
    variants = [
        dataclasses.replace(variant(paraphrase, operator="recast"), case_id=f"q{i}")
        for i, (_, paraphrase, _) in enumerate(AUDITS_REJECTED)
    ]
    result = MeaningFilter(encoder, threshold=0.0).apply(variants, originals)
    assert result.kept == () and len(result.dropped) == len(AUDITS_REJECTED)
    for dropped, (_, _, fault) in zip(result.dropped, AUDITS_REJECTED, strict=True):
        params = dict(dropped.params)
        assert params["grammar"] == "false" and params["grammar_faults"] == str(fault)
        assert params["meaning_filter"] == "fail"


def test_grammar_is_checked_for_a_models_words_unless_turned_off(encoder):
    from tests.perturb.test_grammar import AUDITS_REJECTED

    original, paraphrase, _ = AUDITS_REJECTED[0]
    by_model = variant(paraphrase, operator="model-paraphrase")
    (dropped,) = MeaningFilter(encoder, threshold=0.0).apply([by_model], {"q1": original}).dropped
    assert dict(dropped.params)["words_vetted"] == "unchecked"
    assert dict(dropped.params)["grammar"] == "false"
    unchecking = MeaningFilter(encoder, threshold=0.0, check_grammar=False)
    (kept,) = unchecking.apply([by_model], {"q1": original}).kept
    assert dict(kept.params)["grammar"] == "unchecked" and "grammar_faults" not in dict(kept.params)


def test_a_fluent_paraphrase_says_its_grammar_was_checked(encoder):
    kept = variant("I require passages that describe the maximum daily dose of ibuprofen.")
    (scored,) = MeaningFilter(encoder).apply([kept], {"q1": ORIGINAL}).kept
    assert dict(scored.params)["grammar"] == "true"
