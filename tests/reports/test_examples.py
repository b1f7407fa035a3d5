from instructprobe.perturb import Family
from instructprobe.reports.examples import plain_diff, rank_moves, word_diff, worst
from instructprobe.suites import load_suite


def test_word_diff_marks_the_changed_words_and_elides_long_unchanged_runs():
    before = "I am a nurse on an adult ward and I need passages on ibuprofen doses for adults."
    after = "I am a nurse on an adult ward and I need texts on ibuprofen doses for adults."
    old, new = word_diff(before, after, context=2)
    assert plain_diff(old) == "... I need [-passages-] on ibuprofen ..."
    assert plain_diff(new) == "... I need {+texts+} on ibuprofen ..."
    full_old, full_new = word_diff(before, after, context=None)
    assert plain_diff(full_old) == before.replace("passages", "[-passages-]")
    assert plain_diff(full_new) == after.replace("texts", "{+texts+}")


def test_appended_clause_is_an_insertion():
    old, new = word_diff("Find dosing advice.", "Find dosing advice. Do not include children.")
    assert plain_diff(old) == "Find dosing advice."
    assert plain_diff(new) == "Find dosing advice. {+Do not include children.+}"


def test_results_record_each_variants_original_instruction(small_result, starter):
    instructions = {q.id: q.instruction for q in starter.queries}
    for variant in small_result.variants:
        assert variant.original_instruction == instructions[variant.query_id]


def test_worst_examples_are_the_lowest_values_of_each_deciding_cell(small_result):
    found = worst(small_result, per_cell=2)
    variants = {v.id: v for v in small_result.variants}
    assert found
    assert {e.family for e in found} >= {Family.CURATED, Family.KEYWORDS}
    for example in found:
        values = [
            o.values[str(example.metric)]
            for o in small_result.outcomes
            if o.retriever == example.retriever
            and variants[o.variant_id].family is example.family
            and o.values.get(str(example.metric)) is not None
        ]
        if example.family is Family.KEYWORDS:
            # a sensitive edit should lower the measure: the worst ones lowered it least
            assert example.value >= 0
            assert example.value in sorted(values, reverse=True)[:2]
        else:
            assert example.value < 0
            assert example.value in sorted(values)[:2]


def test_negation_examples_track_the_documents_that_should_drop(small_result):
    instructions = {q.id: q.instruction for q in load_suite("starter").queries}
    curated = [e for e in worst(small_result, 3) if e.family is Family.CURATED]
    assert curated
    for example in curated:
        assert example.before == instructions[example.variant.query_id]
        assert example.after != example.before
        assert {m.doc_id for m in example.moves} <= set(example.variant.down) | set(
            example.variant.up
        )
        assert any(m.expected == "down" for m in example.moves)


def test_rank_moves_cover_every_expected_down_document(small_result):
    variants = {v.id: v for v in small_result.variants if v.family is Family.CURATED}
    expected = sum(
        len([d for d in variants[o.variant_id].down if d in o.ranks])
        for o in small_result.outcomes
        if o.retriever == "bm25" and o.variant_id in variants
    )
    moves = rank_moves(small_result, Family.CURATED, "bm25")
    assert len(moves) == expected > 0
    assert all(m.before >= 1 and m.after >= 1 for m in moves)


def test_a_sensitive_edit_marks_the_relevant_documents_that_rose_as_the_wrong_way(small_result):
    moved = [(e.family, m) for e in worst(small_result, 3) for m in e.moves]
    keywords = [m for family, m in moved if family is Family.KEYWORDS]
    assert {m.after < m.before for m in keywords} == {True, False}  # some rose, some dropped
    for family, move in moved:
        if move.expected != "relevant" or move.after == move.before:
            continue
        rose = move.after < move.before
        # the keywords-only instruction should rank the relevant documents lower
        assert move.wrong_way is (rose if family is Family.KEYWORDS else not rose)
