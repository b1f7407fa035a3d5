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
