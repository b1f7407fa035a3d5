"""What a run keeps of each measured variant: a small record, and its numbers in columns."""

import math

from instructprobe.perturb import Expectation, Family, Request, Variant
from instructprobe.probes.measures import parse
from instructprobe.probes.observe import Observation, Observations, Observed, ObservedTable


def variant(n: int) -> Variant:
    request = Request("query", f"instruction {n}")
    return Variant(f"q{n % 3}", Family.PARAPHRASE, "op", "form", request, Expectation.invariant())


def test_observations_read_back_equal_with_undefined_numbers_kept_apart():
    measure = parse("nDCG@10")
    numbers = [(0.5, 0.25, -0.25), (None, None, None), (1.0, None, None), (0.0, -0.0, math.inf)]
    made = [
        Observation(Observed.of(variant(n)), measure, *values) for n, values in enumerate(numbers)
    ]
    table = ObservedTable()
    kept = Observations(measure, table)
    for o in reversed(made):
        table.add(o.variant)
    for row, o in zip((3, 2, 1, 0), made, strict=True):
        kept.append(o, row)
    assert len(kept) == 4
    assert list(kept) == made
    assert list(kept) == made, "read again, the same"
    assert [o.original for o in kept] == [0.5, None, 1.0, 0.0]


def test_an_observed_variant_keeps_what_the_statistics_read():
    v = variant(1)
    kept = Observed.of(v)
    assert (kept.id, kept.case_id, kept.form, kept.strength) == (v.id, "q1", "form", 1.0)
    table = ObservedTable()
    rows = [table.add(Observed.of(variant(n))) for n in range(5)]
    assert [table[row] for row in rows] == [Observed.of(variant(n)) for n in range(5)]


def distractor_clause(family: Family = Family.NEGATION) -> Variant:
    """An exclusion clause whose ``down`` document is a non-relevant near miss, d2."""
    request = Request("query", 'instruction. Do not include documents that mention "X".')
    return Variant(
        "q",
        family,
        "exclusion-clause",
        "exclusion-clause",
        request,
        Expectation.directional(down=frozenset({"d2"})),
    )


def test_a_distractor_moving_down_is_scored_by_p_mrr_and_the_expected_move():
    from instructprobe.probes.observe import observe
    from instructprobe.retrievers.base import Ranking

    qrels = {"d1": 1}  # d2, the near miss the clause names, is not relevant
    before = Ranking(("d1", "d2", "d3"), (3.0, 2.0, 1.0))
    after = Ranking(("d1", "d3", "d2"), (3.0, 2.0, 1.0))
    pmrr = observe(distractor_clause(), parse("p-MRR"), before, after, qrels)
    assert pmrr.value is not None and pmrr.value > 0  # d2 went from rank 2 to 3, as asked
    assert observe(distractor_clause(), parse("moved"), before, after, qrels).value == 1
    risen = observe(distractor_clause(), parse("p-MRR"), after, before, qrels)
    assert risen.value is not None and risen.value < 0
    # Pair accuracy is NevIR's own and keeps the suite's judgments: d1 stays on top.
    assert observe(distractor_clause(), parse("pair-acc"), before, after, qrels).value == 1.0


def test_a_curated_change_keeps_its_judgments():
    from instructprobe.probes.observe import judged_before, observe
    from instructprobe.retrievers.base import Ranking

    qrels = {"d1": 1}
    assert judged_before(distractor_clause(Family.CURATED), qrels) == qrels
    before = Ranking(("d1", "d2", "d3"), (3.0, 2.0, 1.0))
    after = Ranking(("d1", "d3", "d2"), (3.0, 2.0, 1.0))
    assert (
        observe(distractor_clause(Family.CURATED), parse("p-MRR"), before, after, qrels).value
        is None
    )
