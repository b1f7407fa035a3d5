"""The suite records: sampling queries, and a task-wide instruction."""

from __future__ import annotations

from collections import Counter

import pytest

from instructprobe.suites import Query, Suite


def suite(topics: list[str]) -> Suite:
    queries = tuple(
        Query(f"q{i}", f"query {i}", f"instruction {i}" if i % 2 else " ", {"d": 1}, topic=t)
        for i, t in enumerate(topics)
    )
    return Suite("s", (), queries)


def test_a_sample_keeps_each_topics_share_and_the_suites_order(starter):
    sampled = starter.sampled(15, seed=0)
    topics = Counter(q.topic for q in sampled.queries)
    assert len(sampled.queries) == 15 and set(topics.values()) == {3}  # 5 topics of 9
    positions = [starter.queries.index(q) for q in sampled.queries]
    assert positions == sorted(positions)
    assert sampled.documents == starter.documents


def test_a_sample_is_seeded():
    topics = ["a"] * 30 + ["b"] * 10
    first, again = suite(topics).sampled(8, 1), suite(topics).sampled(8, 1)
    assert first == again
    assert first != suite(topics).sampled(8, 2)
    assert Counter(q.topic for q in first.queries) == {"a": 6, "b": 2}


def test_shares_follow_the_largest_remainders_and_untopiced_suites_sample_plainly():
    sampled = suite(["a"] * 5 + ["b"] * 3 + ["c"] * 2).sampled(5, 0)
    assert Counter(q.topic for q in sampled.queries) == {"a": 3, "b": 1, "c": 1}
    plain = suite([""] * 10 + ["x"]).sampled(4, 0)
    assert len(plain.queries) == 4
    assert suite(["a"] * 3).sampled(5, 0).queries == suite(["a"] * 3).queries


@pytest.mark.parametrize("given", [None, "Find what a child can read."])
def test_a_task_wide_instruction_fills_only_the_queries_without_one(given):
    filled = suite(["a"] * 4).instructed(given)
    expected = [f"instruction {i}" if i % 2 else (given or " ") for i in range(4)]
    assert [q.instruction for q in filled.queries] == expected
