import pytest

from instructprobe.probes.plan import case_for, corpus_stats
from instructprobe.probes.search import (
    RankingCache,
    SearchSettings,
    judge,
    search_case,
    searchable_operators,
)
from instructprobe.retrievers.base import Ranking


def ranking(*ids):
    return Ranking(tuple(ids), tuple(float(-i) for i in range(len(ids))))


def test_judge_flags_a_new_top_result_or_a_relevant_document_leaving_the_top_k():
    before = ranking("a", "b", "c", "d")
    assert not judge(before, ranking("a", "c", "b", "d"), ["b"], cutoff=3).broken
    assert judge(before, ranking("b", "a", "c", "d"), ["b"], cutoff=3).broken
    left = judge(before, ranking("a", "c", "d", "b"), ["b"], cutoff=3)
    assert left.broken and (left.rank_before, left.rank_after) == (2, 4)
    assert left.displacement == 2


def test_only_meaning_preserving_operators_are_searched():
    names = searchable_operators()
    assert "phrase-rules" in names and "template-swap" in names
    assert not {"exclusion-clause", "strip-overlap", "curated-paraphrase"} & set(names)
    assert "wordnet-paraphrase" not in names, "opt-in: a reading audit rejected 24 of 30"


@pytest.fixture(scope="module")
def travel(starter, bm25):
    query = next(q for q in starter.queries if q.id == "travel-q02")
    index = bm25.index([d.id for d in starter.documents], [d.text for d in starter.documents])
    return case_for(query, starter), RankingCache(bm25, index, 1000, None), corpus_stats(starter)


def test_search_finds_and_shrinks_an_edit_that_flips_bm25s_top_result(travel):
    case, cache, stats = travel
    found = search_case(
        case, cache, stats, SearchSettings(max_examples=300, timeout_s=60), key="test|travel-q02"
    )
    assert found is not None
    assert found.instruction_after != found.instruction_before
    assert found.top_before != found.top_after or found.rank_after > 10
    assert len(found.operators) == 1, "shrinking leaves the shortest chain"


def test_found_cases_are_replayed_first_from_the_database(travel, tmp_path):
    case, cache, stats = travel
    settings = SearchSettings(max_examples=300, timeout_s=60, database=tmp_path / "db")
    first = search_case(case, cache, stats, settings, key="replay|travel-q02")
    again = search_case(case, cache, stats, settings, key="replay|travel-q02")
    assert first is not None and again is not None
    assert again.instruction_after == first.instruction_after
    assert again.examples <= 2


def test_settings_are_validated():
    with pytest.raises(ValueError, match="max examples"):
        SearchSettings(max_examples=0)
    with pytest.raises(ValueError, match="timeout"):
        SearchSettings(timeout_s=0)


def test_the_same_seed_gives_the_same_finding_with_a_database(travel, tmp_path):
    case, cache, stats = travel

    def search(seed, db):
        settings = SearchSettings(max_examples=60, timeout_s=60, seed=seed, database=tmp_path / db)
        return search_case(case, cache, stats, settings, key="seeded|travel-q02")

    first, again, third = search(1, "a"), search(1, "b"), search(1, "c")
    assert first is not None and first == again == third
    assert search(2, "d") != first, "the seed is the search's"


class SameRanking:
    """A retriever that no edit moves, so a search finds nothing."""

    def rank(self, request):
        return ranking("a", "b", "c")


def test_a_search_that_finds_nothing_stops_at_its_timeout(starter, monkeypatch):
    query = next(q for q in starter.queries if q.id == "travel-q02")
    seconds = iter(range(10**6))  # each look at the clock is one second later
    monkeypatch.setattr("instructprobe.probes.search.time.monotonic", lambda: next(seconds))
    tried = []
    found = search_case(
        case_for(query, starter),
        SameRanking(),
        corpus_stats(starter),
        SearchSettings(max_examples=500, timeout_s=5),
        key="timeout|travel-q02",
        on_example=lambda: tried.append(1),
    )
    assert found is None
    assert len(tried) < 10, "no edits are drawn after the timeout"


def test_a_ctrl_c_lost_in_a_callback_stops_the_search(starter):
    import signal
    from contextlib import suppress

    from instructprobe.core.interrupts import Interrupted, stop_on_signals

    query = next(q for q in starter.queries if q.id == "travel-q02")
    settings = SearchSettings(max_examples=50, timeout_s=60)
    with stop_on_signals():
        with suppress(Interrupted):  # as Python does with one raised in a gc callback
            signal.raise_signal(signal.SIGINT)
        with pytest.raises(Interrupted):
            search_case(
                case_for(query, starter), SameRanking(), corpus_stats(starter), settings, "lost"
            )
