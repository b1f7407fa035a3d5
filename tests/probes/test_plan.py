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
    strict = plan(
        small,
        (Family.PARAPHRASE,),
        0,
        MeaningFilter(meaning.encoder, threshold=0.999, cosine_judges_vetted=True),
    )
    assert unfiltered.dropped == ()
    assert len(strict.variants) + len(strict.dropped) == len(unfiltered.variants)
    assert strict.dropped


def test_paraphrases_judged_a_block_at_a_time_are_judged_alike(small, meaning, monkeypatch):
    """Blocks of a few paraphrases (several encode calls) keep and drop what one block does."""
    from instructprobe.probes import plan as planning

    calls = []

    class Counted:
        name = meaning.encoder.name

        def encode(self, texts):
            calls.append(len(texts))
            return meaning.encoder.encode(texts)

    # some kept, some dropped
    counted = MeaningFilter(Counted(), threshold=0.95, cosine_judges_vetted=True)
    whole = plan(small, (Family.PARAPHRASE,), 0, counted)
    assert len(calls) == 1
    monkeypatch.setattr(planning, "FILTER_BLOCK", 3)
    blocks = plan(small, (Family.PARAPHRASE,), 0, counted)
    assert len(calls) > 3
    assert blocks == whole and blocks.dropped and blocks.variants


def test_other_families_are_not_filtered_or_encoded(small):
    planned = plan(small, (Family.CURATED, Family.CONTROL, Family.STRIP), 0)
    assert planned.dropped == ()
    assert {v.family for v in planned.variants} == {Family.CURATED, Family.CONTROL, Family.STRIP}
    assert all("cosine" not in dict(v.params) for v in planned.variants)


def test_negation_variants_record_their_form(small):
    planned = plan(small, (Family.NEGATION,), 0)
    assert {v.form for v in planned.variants} == {"exclusion-clause"}, "the clause is a default"
    for variant in planned.variants:
        assert variant.expectation.down or variant.expectation.up
    opted = plan(small, (Family.NEGATION,), 0, operators=("predicate-negation",))
    assert {v.form for v in opted.variants} >= {"exclusion-clause"}


def test_the_suites_own_changes_are_a_family_apart_from_generated_ones(small):
    planned = plan(small, (Family.CURATED,), 0)
    assert {v.form for v in planned.variants} <= {"changed", "negated"}
    assert {v.operator for v in planned.variants} == {"curated"}
    for variant in planned.variants:
        assert variant.expectation.down or variant.expectation.up


def test_the_exclusion_clause_runs_by_default(small):
    planned = plan(small, (Family.NEGATION,), 0)
    clauses = [v for v in planned.variants if v.form == "exclusion-clause"]
    relevant = {c.id: {d.id for d in c.relevant} for c in planned.cases}
    assert clauses, "the starter's queries have several relevant documents each"
    assert all(v.expectation.down < relevant[v.case_id] for v in clauses)


def test_same_seed_same_plan(small, meaning):
    assert plan(small, tuple(Family), 3, meaning) == plan(small, tuple(Family), 3, meaning)


def test_the_original_order_is_the_suites_and_the_reorder_family_asks_the_other(small):
    from dataclasses import replace

    from instructprobe.perturb import Order

    families = (Family.REORDER, Family.NEGATION, Family.CONTROL)
    default = plan(small, families, 0, None)
    assert {c.request.order for c in default.cases} == {Order.INSTRUCTION_FIRST}
    query_first = plan(replace(small, order="query_first"), families, 0, None)
    chosen = plan(small, families, 0, None, order=Order.QUERY_FIRST)
    for planned in (query_first, chosen):
        assert {c.request.order for c in planned.cases} == {Order.QUERY_FIRST}
        swaps = [v for v in planned.variants if v.operator == "template-swap"]
        assert swaps and {v.request.order for v in swaps} == {Order.INSTRUCTION_FIRST}
        assert {v.form for v in swaps} == {"instruction-first"}
        others = [v for v in planned.variants if v.family is not Family.REORDER]
        assert others and {v.request.order for v in others} == {Order.QUERY_FIRST}
    assert query_first.variants == chosen.variants


def test_followir_and_mteb_folders_are_asked_query_first_as_their_evaluation_does():
    from pathlib import Path

    from instructprobe.suites import load_suite

    fixtures = Path(__file__).parents[1] / "suites" / "fixtures"
    assert load_suite(f"followir:{fixtures / 'followir'}").order == "query_first"
    assert load_suite(f"mteb:{fixtures / 'followir-mteb'}").order == "query_first"
    assert load_suite(f"instructir:{fixtures / 'instructir'}").order == "instruction_first"
    assert load_suite(f"mteb:{fixtures / 'instructir-mteb'}").order == "instruction_first"
