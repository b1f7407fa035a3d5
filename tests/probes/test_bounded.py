"""The bounded-mean tests: checked against the capital computed term by term in plain Python,
for the level they promise on the hardest data, and for the intervals' coverage."""

import math

import numpy as np
import pytest

from instructprobe.probes.bounded import (
    CHANGE,
    Bounds,
    interval,
    p_above,
    p_below,
    prior,
    queries_needed,
)


def capital(values, c, low, high):
    """The averaged capital of betting on a mean above c, one product per stake."""
    stakes, weights = prior()
    total = 0.0
    for stake, weight in zip(stakes.tolist(), weights.tolist(), strict=True):
        wealth = 1.0
        for x in values:
            wealth *= 1 + stake * (x - c) / (c - low)
        total += weight * wealth
    return total


@pytest.mark.parametrize("seed", range(8))
def test_the_p_value_is_one_over_the_averaged_capital(seed):
    generator = np.random.default_rng(seed)
    values = generator.choice([-1.0, -0.3, 0.0, 0.0, 0.1, 0.5], 25)
    c = float(generator.uniform(-0.5, 0.3))
    expected = min(1.0, 1 / capital(values.tolist(), c, -1.0, 1.0))
    assert float(p_above(values, c)) == pytest.approx(expected, rel=1e-9)
    mirrored = min(1.0, 1 / capital((-values).tolist(), -c, -1.0, 1.0))
    assert float(p_below(values, c)) == pytest.approx(mirrored, rel=1e-9)


def test_the_prior_is_a_probability_over_stakes_that_cannot_ruin():
    stakes, weights = prior()
    assert weights.sum() == pytest.approx(1.0) and np.all(weights > 0)
    assert stakes.min() >= 0 and stakes.max() < 1


def test_the_null_at_its_boundary_is_rejected_at_most_alpha_on_the_hardest_data():
    """Mean exactly -0.05 from {0 w.p. 0.95, -1 w.p. 0.05}: all zeros is the best case for
    'mean > -0.05', and no valid test can claim it more often than alpha."""
    generator = np.random.default_rng(0)
    for n in (20, 60, 120, 400):
        draws = np.where(generator.random((4000, n)) < 0.05, -1.0, 0.0)
        rate = float(np.mean(p_above(draws, -0.05) < 0.05))
        assert rate <= 0.05 + 3 * math.sqrt(0.05 * 0.95 / 4000), (n, rate)


def test_values_at_a_bound_and_nulls_outside_the_range():
    ones = np.ones(10)
    assert float(p_above(ones, 1.0)) == 1.0, "a mean above the top cannot be shown"
    assert float(p_above(ones, -1.0)) == 0.0, "anything above the bottom refutes mean <= low"
    assert float(p_above(-ones, -1.0)) == 1.0


def test_the_interval_covers_and_is_the_inverted_tests():
    generator = np.random.default_rng(3)
    draws = np.where(generator.random((1500, 40)) < 0.1, -0.5, 0.0)  # mean -0.05
    limits = interval(draws)
    assert np.mean((limits[:, 0] <= -0.05) & (limits[:, 1] >= -0.05)) >= 0.95
    sample = draws[0]
    low, high = interval(sample)
    assert float(p_above(sample, low + 1e-6)) > 0.025 >= float(p_above(sample, low - 1e-3))
    assert float(p_below(sample, high - 1e-6)) > 0.025 >= float(p_below(sample, high + 1e-3))


def test_other_bounds_shift_and_scale_alike():
    values = np.random.default_rng(1).uniform(0, 1, 30)
    unit = Bounds(0.0, 1.0)
    assert float(p_above(values, 0.3, unit)) == pytest.approx(
        float(p_above(2 * values - 1, -0.4, CHANGE)), rel=1e-12
    )


def test_queries_needed_is_about_what_a_simulation_needs():
    """The planning estimate against the power it promises (0.8) at the size it names."""
    generator = np.random.default_rng(11)
    population = generator.normal(0.0, 0.03, 2000).clip(-1, 1)
    level = 0.05
    n = int(queries_needed(population, -0.05, True, level, CHANGE))
    draws = population[generator.integers(0, population.size, (400, n))]
    power = float(np.mean(p_above(draws, -0.05) < level))
    assert power >= 0.75, (n, power)
    smaller = population[generator.integers(0, population.size, (400, n // 2))]
    assert float(np.mean(p_above(smaller, -0.05) < level)) < power
