import random
from collections import Counter

from hypothesis import given, settings

from instructprobe.perturb import Case, CorpusStats, get_operator
from instructprobe.perturb.reorder import sentence_blocks
from instructprobe.perturb.strategies import instruction_texts, seeds, texts
from instructprobe.perturb.text import words


def shuffle(instruction, seed=0):
    op = get_operator("sentence-shuffle")
    return op.variants(Case("q", "x", instruction), random.Random(seed), CorpusStats())


def test_dependent_sentences_stay_after_their_predecessor():
    instruction = (
        "I run a bakery. It sells sourdough. However, flour costs rose. "
        "I need supplier reviews. Also, delivery times matter."
    )
    blocks = [instruction[a:b] for a, b in sentence_blocks(instruction)]
    assert blocks == [
        "I run a bakery. It sells sourdough. However, flour costs rose.",
        "I need supplier reviews. Also, delivery times matter.",
    ]
    for seed in range(5):
        (variant,) = shuffle(instruction, seed)
        text = variant.request.instruction
        assert "I run a bakery. It sells sourdough. However, flour costs rose." in text
        assert "I need supplier reviews. Also, delivery times matter." in text
        assert text.startswith("I need supplier reviews.")


def test_nothing_to_shuffle_when_all_sentences_lean_on_the_first():
    assert shuffle("I run a bakery. It sells bread. This matters. They know.") == ()
    assert shuffle("One sentence only.") == ()


@settings(max_examples=80, deadline=None)
@given(instruction=texts() | instruction_texts(), seed=seeds())
def test_sentence_shuffle_keeps_the_token_multiset(instruction, seed):
    for variant in shuffle(instruction, seed):
        assert Counter(words(variant.request.instruction)) == Counter(words(instruction))
        assert variant.request.instruction != instruction


def test_template_swap_keeps_the_text_and_changes_the_order():
    (variant,) = get_operator("template-swap").variants(
        Case("q", "x", "Find things."), random.Random(0), CorpusStats()
    )
    assert variant.request.instruction == "Find things." and variant.strength == 0.0
