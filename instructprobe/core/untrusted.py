"""Text from outside (suites, results files, gates files, caches) made safe to show.

A terminal obeys the characters it is sent: ESC starts sequences that clear the screen, set the
window title or make hyperlinks (OSC 8), carriage return and backspace overwrite what was
printed, and bidirectional overrides reorder what is read. ``printable`` writes each of them as
a visible escape (``\\x1b``, ``\\u202e``), so the text still says what it held but cannot act.
``printable_copy`` does it to every string of a record, so a report renders a copy in which no
such character is left, whatever field it came from.
"""

from __future__ import annotations

import dataclasses
import functools
import operator
import re
from collections.abc import Mapping
from typing import Any, TypeVar

T = TypeVar("T")

_ACTIVE = (
    "\x00-\x08\x0b-\x1f\x7f-\x9f"  # C0 (tab and newline aside), DEL and C1: ESC, CSI, OSC, CR…
    "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"  # bidirectional marks, embeddings, overrides
    "\u2028\u2029\ufeff\ufff9-\ufffb"  # line and paragraph separators, BOM, annotations
)
_IN_LINES = re.compile(f"[{_ACTIVE}]")
_IN_ONE_LINE = re.compile(f"[{_ACTIVE}\n]")


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str, *, lines: bool = False) -> str:
    """``text`` with every control, bidirectional and separator character written as a
    visible escape; newlines are kept only when ``lines`` (tabs always are)."""
    return (_IN_LINES if lines else _IN_ONE_LINE).sub(_escaped, text)


def one_line(message: object) -> str:
    """An error's or a warning's message as one printable line (it may quote hostile input)."""
    return printable(str(message).strip() or type(message).__name__)


def printable_copy(value: T) -> T:
    """A copy of ``value`` (records, tuples, lists, mappings, sets and strings, nested) whose
    strings are ``printable`` with their newlines kept; parts without such characters are the
    same objects, so a clean record is returned as it is."""
    copied: T = _copy(value)
    return copied


_PLAIN = frozenset({int, float, bool, type(None)})


def _copy(value: Any) -> Any:
    if type(value) in _PLAIN:
        return value
    if isinstance(value, str):
        return printable(value, lines=True)
    if isinstance(value, tuple | list | frozenset | set):
        items = [_copy(item) for item in value]
        if all(map(operator.is_, items, value)):
            return value
        return type(value)(*items) if hasattr(value, "_fields") else type(value)(items)
    if isinstance(value, Mapping):
        old = list(value.items())
        new = [(_copy(k), _copy(v)) for k, v in old]
        if all(a is c and b is d for (a, b), (c, d) in zip(new, old, strict=True)):
            return value
        return dict(new)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changed = {}
        for name in _init_fields(type(value)):
            old = getattr(value, name)
            new = _copy(old)
            if new is not old:
                changed[name] = new
        return dataclasses.replace(value, **changed) if changed else value
    return value


@functools.cache
def _init_fields(record: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(record) if f.init)


def json_printable(text: str) -> str:
    """JSON text with every control, bidirectional and separator character written as a
    ``\\uXXXX`` escape: the same JSON value, safe to show (outside its strings JSON has only
    newlines and spaces, which stay)."""
    return _IN_LINES.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


class JSONTextError(ValueError):
    """Text that is not a JSON value this program can hold; ``msg`` says why in a few words,
    ``lineno`` where, when the parser knows."""

    def __init__(self, msg: str, lineno: int | None = None) -> None:
        super().__init__(msg)
        self.msg, self.lineno = msg, lineno


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def parse_json(text: str | bytes) -> Any:
    """``json.loads`` of a file's text, raising only ``JSONTextError``: also for what the
    parser accepts or stops on without a ``JSONDecodeError`` (nesting deeper than Python's
    recursion limit, an integer longer than Python converts, a ``\\u`` escape of half a
    character, which no UTF-8 file, database or hash can take)."""
    import json

    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise JSONTextError(error.msg, error.lineno) from None
    except RecursionError:
        raise JSONTextError("nested too deep") from None
    except ValueError:  # Python's limit on the digits of an integer it converts
        import sys

        digits = sys.get_int_max_str_digits()
        raise JSONTextError(f"a number of more than {digits:,} digits") from None
    decoded = text if isinstance(text, str) else text.decode("utf-8", "replace")
    if _SURROGATE_ESCAPE.search(decoded) and _holds_a_lone_surrogate(value):
        raise JSONTextError("a lone surrogate: a \\u escape of half a character")
    return value


def _holds_a_lone_surrogate(value: Any) -> bool:
    import json

    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
