import dataclasses
import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from instructprobe.core.untrusted import json_printable, printable, printable_copy

ACTIVE = re.compile(
    "[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ufeff]"
)
"""What a terminal acts on (newline included: a one-line message must stay one line)."""


def test_terminal_sequences_become_visible_escapes():
    assert printable("\x1b]0;title\x07\x1b[2Jok") == "\\x1b]0;title\\x07\\x1b[2Jok"
    assert printable("a\rb\x08c\x9bd\u202ee") == "a\\x0db\\x08c\\x9bd\\u202ee"
    assert printable("one\ntwo") == "one\\x0atwo"
    assert printable("one\ntwo", lines=True) == "one\ntwo"
    assert printable("tab\tand ünïcode ✓") == "tab\tand ünïcode ✓"


@given(st.text())
def test_nothing_a_terminal_obeys_is_left_and_a_second_pass_changes_nothing(text):
    shown = printable(text)
    assert not ACTIVE.search(shown)
    assert printable(shown) == shown
    assert not ACTIVE.search(printable(text, lines=True).replace("\n", ""))


@given(
    st.recursive(
        st.text() | st.integers() | st.none(),
        lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
    )
)
def test_json_escaping_keeps_the_value(value):
    text = json.dumps(value, ensure_ascii=False, indent=1)
    shown = json_printable(text)
    assert json.loads(shown) == value
    assert not ACTIVE.search(shown.replace("\n", ""))


@dataclasses.dataclass(frozen=True)
class Inner:
    name: str
    scores: dict[str, float]


@dataclasses.dataclass(frozen=True)
class Outer:
    inner: tuple[Inner, ...]
    tags: frozenset[str]
    count: int = 0


def test_a_copy_has_printable_strings_everywhere_and_clean_parts_are_shared():
    clean = Inner("ok", {"nDCG@10": 0.5})
    hostile = Inner("\x1b[31mred", {"d\x1b": 1.0})
    record = Outer((clean, hostile), frozenset({"a\u202eb"}), 3)
    copied = printable_copy(record)
    assert copied.inner[0] is clean, "an unchanged part is not copied"
    assert copied.inner[1] == Inner("\\x1b[31mred", {"d\\x1b": 1.0})
    assert copied.tags == frozenset({"a\\u202eb"})
    assert copied.count == 3
    assert record.inner[1].name == "\x1b[31mred", "the original is left alone"
    everything = printable_copy(Outer((clean,), frozenset({"x"})))
    assert everything == Outer((clean,), frozenset({"x"}))


def test_a_message_is_one_printable_line():
    from instructprobe.core.untrusted import one_line

    assert one_line(ValueError("bad\n\x1b[2Jinput\n")) == "bad\\x0a\\x1b[2Jinput"
    assert one_line(KeyError()) == "KeyError"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[" * 100_000, "nested too deep"),
        ("[" + "9" * 5_000 + "]", "a number of more than 4,300 digits"),
        ('{"id": "d\\ud800"}', "a lone surrogate"),
        ('{"d\\uDC80": 1}', "a lone surrogate"),
        (b'"\\udfff"', "a lone surrogate"),
        ('{"id": ', "Expecting value"),
    ],
    ids=["deep", "long-number", "high-surrogate", "low-surrogate-key", "bytes", "cut"],
)
def test_json_that_python_cannot_hold_is_one_error(text, message):
    from instructprobe.core.untrusted import JSONTextError, parse_json

    with pytest.raises(JSONTextError, match=re.escape(message)):
        parse_json(text)


def test_json_with_escaped_pairs_and_plain_text_is_read_as_json_reads_it():
    from instructprobe.core.untrusted import parse_json

    assert parse_json('{"e": "\\ud83d\\ude00", "t": "\\\\ud800"}') == {"e": "😀", "t": "\\ud800"}
    assert parse_json(b'[1, "x"]') == [1, "x"]
