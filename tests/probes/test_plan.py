import pytest

from instructprobe.perturb import Family
from instructprobe.perturb.meaning import MeaningFilter, SentenceEncoder
from instructprobe.probes.plan import plan


@pytest.fixture(scope="module")
def small(starter):
    return starter.limited(6)


@pytest.fixture(scope="module")
def meaning(minilm):
    return MeaningFilter(SentenceEncoder(minilm.model, "all-MiniLM-L6-v2"))


def test_every_kept_generated_paraphrase_passed_the_meaning_filter(small, meaning):
    planned = plan(small, (Family.PARAPHRASE,), 0, meaning)
    generated = [v for v in planned.variants if v.operator != "curated-paraphrase"]
    assert generated
    for variant in generated:
        params = dict(variant.params)
        assert float(params["cosine"]) >= meaning.threshold
        assert params["same_polarity"] == "true" and params["meaning_filter"] == "pass"
    for variant in planned.dropped:
        assert dict(variant.params)["meaning_filter"] == "fail"


def test_a_strict_filter_drops_and_no_filter_keeps_everything(small, meaning):
    unfiltered = plan(small, (Family.PARAPHRASE,), 0, None)
    strict = plan(small, (Family.PARAPHRASE,), 0, MeaningFilter(meaning.encoder, threshold=0.999))
    assert unfiltered.dropped == ()
    assert len(strict.variants) + len(strict.dropped) == len(unfiltered.variants)
    assert strict.dropped


def test_other_families_are_not_filtered_or_encoded(small):
    planned = plan(small, (Family.CURATED, Family.CONTROL, Family.STRIP), 0)
    assert planned.dropped == ()
    assert {v.family for v in planned.variants} == {Family.CURATED, Family.CONTROL, Family.STRIP}
    assert all("cosine" not in dict(v.params) for v in planned.variants)


def test_negation_variants_record_their_form(small):
    planned = plan(small, (Family.NEGATION,), 0)
    forms = {v.form for v in planned.variants}
    assert not forms, "every generated negation is opt-in"
    opted = plan(small, (Family.NEGATION,), 0, operators=("exclusion-clause",))
    assert {v.form for v in opted.variants} == {"exclusion-clause"}
    for variant in opted.variants:
        assert variant.expectation.down or variant.expectation.up


def test_the_suites_own_changes_are_a_family_apart_from_generated_ones(small):
    planned = plan(small, (Family.CURATED,), 0)
    assert {v.form for v in planned.variants} <= {"changed", "negated"}
    assert {v.operator for v in planned.variants} == {"curated"}
    for variant in planned.variants:
        assert variant.expectation.down or variant.expectation.up


def test_the_exclusion_clause_runs_where_it_is_named(small):
    planned = plan(small, (Family.NEGATION,), 0, operators=("exclusion-clause",))
    clauses = [v for v in planned.variants if v.form == "exclusion-clause"]
    relevant = {c.id: {d.id for d in c.relevant} for c in planned.cases}
    assert clauses, "the starter's queries have several relevant documents each"
    assert all(v.expectation.down < relevant[v.case_id] for v in clauses)


def test_same_seed_same_plan(small, meaning):
    assert plan(small, tuple(Family), 3, meaning) == plan(small, tuple(Family), 3, meaning)
