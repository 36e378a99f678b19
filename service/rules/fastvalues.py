"""The values and operations of fast.py: what the interpreter takes, and the operations
decided in Python, each for the operand types whose CEL meaning is plain (UNDECIDED for
any other, which leaves the expression to the interpreter).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

INT_MIN, INT_MAX = -(2**63), 2**63 - 1


class _Undecided:
    """The result of an operation left to the interpreter."""


UNDECIDED: Any = _Undecided()


def takes(value: Any) -> bool:
    """Say whether the interpreter takes `value` as it is.

    A text it can encode, a whole number within 64 bits (larger ones change type), a date
    in UTC, lists and maps of such; anything else is left to the interpreter.
    """
    kind = type(value)
    if value is None or kind is bool or kind is float:
        return True
    if kind is str:
        return value.isascii() or _encodable(value)
    if kind is int:
        return INT_MIN <= value <= INT_MAX
    if kind is datetime:
        return value.tzinfo is UTC
    if kind is list:
        return all(map(takes, value))
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str or not (key.isascii() or _encodable(key)):
                return False
            if not takes(item):
                return False
        return True
    return False


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _equal(a: Any, b: Any) -> Any:
    kind = type(a)
    if kind is type(b) and kind in _EQUAL_TYPES:
        return a == b
    if kind in _UNLIKE_TYPES and type(b) in _UNLIKE_TYPES:
        return False  # values of different types are unequal (not for numbers: 1 == 1.0)
    return UNDECIDED


def _not_equal(a: Any, b: Any) -> Any:
    result = _equal(a, b)
    return result if result is UNDECIDED else not result


def _ordered(compare: Callable[[Any, Any], bool]) -> Callable[[Any, Any], Any]:
    def run(a: Any, b: Any) -> Any:
        kind = type(a)
        if kind is type(b) and kind in _ORDERED_TYPES:
            return compare(a, b)
        return UNDECIDED

    return run


def _is_in(a: Any, b: Any) -> Any:
    if type(a) is str and type(b) is list and all(type(item) is str for item in b):
        return a in b
    return UNDECIDED


_EQUAL_TYPES = frozenset({str, int, bool, type(None), datetime})
_UNLIKE_TYPES = frozenset({str, bool, type(None)})
_ORDERED_TYPES = frozenset({str, int, datetime})
RELATIONS: dict[str, Callable[[Any, Any], Any]] = {
    "relation_eq": _equal,
    "relation_ne": _not_equal,
    "relation_lt": _ordered(lambda a, b: a < b),
    "relation_le": _ordered(lambda a, b: a <= b),
    "relation_gt": _ordered(lambda a, b: a > b),
    "relation_ge": _ordered(lambda a, b: a >= b),
    "relation_in": _is_in,
}


def add(a: Any, b: Any) -> Any:
    kinds = (type(a), type(b))
    if kinds == (str, str):
        return a + b
    if kinds == (int, int):
        return whole(a + b)
    if kinds == (datetime, timedelta):
        return _moved(a, b)
    return UNDECIDED


def subtract(a: Any, b: Any) -> Any:
    kinds = (type(a), type(b))
    if kinds == (int, int):
        return whole(a - b)
    if kinds == (datetime, timedelta):
        return _moved(a, -b)
    return UNDECIDED


def whole(value: int) -> Any:
    return value if INT_MIN <= value <= INT_MAX else UNDECIDED


def _moved(when: datetime, by: timedelta) -> Any:
    try:
        return when + by
    except OverflowError:
        return UNDECIDED
