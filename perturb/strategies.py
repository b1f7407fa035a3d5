"""Hypothesis strategies for operators and their compositions, for property tests of your own.

>>> from hypothesis import given
>>> from instructprobe.perturb.strategies import operator_variants
>>> @given(operator_variants("preference-flip"))
... def test_flips_are_negations(drawn):
...     case, variants = drawn
...     assert all(has_negation(v.request.instruction) for v in variants)

``texts()`` mixes any Unicode (NUL, right-to-left marks, emoji, combining marks) with
instruction-like sentences built from the words the operators react to, so that a property is
tried both on hostile input and on input the operators actually edit.
"""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import strategies as st

from instructprobe.perturb.base import CorpusStats, Operator
from instructprobe.perturb.model import Case, RelevantDocument, Variant
from instructprobe.perturb.phrases import PHRASE_RULES
from instructprobe.perturb.registry import get_operator, operator_names
from instructprobe.perturb.seeding import rng_for
from instructprobe.perturb.text import word_set

HOSTILE = (
    "",
    " ",
    "\t\n ",
    "\x00",
    "a\x00b. c\x00.",
    "\u200f\u05d0\u05d1\u05d2. \u0627\u0644\u0639\u0631\u0628\u064a\u0629.",
    "e\u0301\u0300 n\u0303. Z\u0336a\u0335l\u0334g\u0337o\u0338.",
    "\U0001f600\U0001f469\u200d\U0001f4bb. \U0001f1fa\U0001f1f8!",
    "I'M LOOKING FOR DOCUMENTS.",
    "...!!!???",
    "İ ǅ ß ﬁ ẞ.",
)
TOPIC = sorted(
    word_set(
        "ibuprofen dose adult kidney fever vaccine mortgage tenant lease solar panel battery "
        "python library recipe gluten river county museum ticket visa passport salary tax"
    )
)
SEARCH = sorted(
    word_set(
        "must should need prefer focus on prioritize emphasize interested in discuss include "
        "explain describe avoid not never without documents passages articles information about "
        "the a my and or however it this also specifically detailed reliable latest"
    )
)


def instruction_texts(max_words: int = 40) -> st.SearchStrategy[str]:
    """Instruction-like text: sentences of search words, rule phrases and topic words."""
    vocabulary = sorted({p for rule in PHRASE_RULES for p in rule.phrases} | set(SEARCH))
    word = st.sampled_from(vocabulary) | st.sampled_from(TOPIC)
    sentence = st.lists(word, min_size=1, max_size=12).map(
        lambda ws: (" ".join(ws)).capitalize() + "."
    )
    return st.lists(sentence, min_size=1, max_size=max(1, max_words // 6)).map(" ".join)


def texts(max_size: int = 300) -> st.SearchStrategy[str]:
    """Any string an operator might meet: hostile Unicode or instruction-like text."""
    return st.one_of(
        st.sampled_from(HOSTILE),
        st.text(alphabet=st.characters(codec="utf-8"), max_size=max_size),
        instruction_texts(),
    )


def cases(max_relevant: int = 3) -> st.SearchStrategy[Case]:
    """Cases with any query, instruction and relevant documents (grades 1-2)."""
    document = st.tuples(
        texts() | st.lists(st.sampled_from(TOPIC)).map(" ".join), st.integers(1, 2)
    )
    return st.builds(
        lambda query, instruction, relevant: Case(
            "q",
            query,
            instruction,
            tuple(
                RelevantDocument(f"d{i}", text, grade) for i, (text, grade) in enumerate(relevant)
            ),
        ),
        texts(80) | st.lists(st.sampled_from(TOPIC), max_size=4).map(" ".join),
        texts(),
        st.lists(document, max_size=max_relevant),
    )


def seeds() -> st.SearchStrategy[int]:
    return st.integers(0, 2**32 - 1)


def operators(names: Sequence[str] | None = None) -> st.SearchStrategy[Operator]:
    """One of the registered operators (or of ``names``)."""
    return st.sampled_from(tuple(names or operator_names())).map(get_operator)


def _run(operator: Operator, case: Case, seed: int) -> tuple[Case, tuple[Variant, ...]]:
    return case, operator.variants(case, rng_for(seed, operator.name, case.id), CorpusStats())


def operator_variants(
    name: str, case_strategy: st.SearchStrategy[Case] | None = None
) -> st.SearchStrategy[tuple[Case, tuple[Variant, ...]]]:
    """A case and the variants the operator called ``name`` makes of it (seeded)."""
    operator = get_operator(name)
    return st.builds(lambda c, s: _run(operator, c, s), case_strategy or cases(), seeds())


def operator_strategies() -> dict[str, st.SearchStrategy[tuple[Case, tuple[Variant, ...]]]]:
    """``operator_variants`` for every registered operator, by name."""
    return {name: operator_variants(name) for name in operator_names()}


def compositions(
    names: Sequence[str] | None = None, max_length: int = 3
) -> st.SearchStrategy[Operator]:
    """A chain of 2 to ``max_length`` registered operators (see ``perturb.compose``)."""
    from instructprobe.perturb.compose import compose

    return st.lists(operators(names), min_size=2, max_size=max_length).map(
        lambda steps: compose(*steps)
    )


def composed_variants(
    names: Sequence[str] | None = None, max_length: int = 3
) -> st.SearchStrategy[tuple[Operator, Case, tuple[Variant, ...]]]:
    """A composition, a case, and the composition's variants of it."""
    return st.builds(
        lambda op, c, s: (op, *_run(op, c, s)), compositions(names, max_length), cases(), seeds()
    )
