"""Decide the simplest conditions in Python: an answer compared with literals.

Most conditions of a form compare one answer with a text or yes/no (`kind == "upload"`,
`status in ["married", "civil_partnership"]`, `abroad == false`). CEL's equality never
fails (values of different types are unequal), so for plain values these are decided here
exactly as the interpreter decides them, without handing the values over to it (which
costs about a microsecond per value). Anything else is left to the interpreter.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from lark import Token, Tree

from service.rules.names import BUILTIN_NAMES

#: Returns the result, or None when the values are not plain enough to decide here.
Check = Callable[[Mapping[str, Any]], bool | None]
#: Returns the result, or None for an error (which the interpreter then reports).
_Test = Callable[[Mapping[str, Any]], bool | None]

_ORDER: dict[str, Callable[[str, str], bool]] = {
    "relation_lt": lambda a, b: a < b,
    "relation_le": lambda a, b: a <= b,
    "relation_gt": lambda a, b: a > b,
    "relation_ge": lambda a, b: a >= b,
}

#: Parse-tree levels that only pass their single child through.
_PASSING = frozenset(
    {"expr", "conditionalor", "conditionaland", "relation", "addition", "multiplication"}
    | {"unary", "member", "primary", "paren_expr"}
)
#: A string literal without escapes, prefixes or triple quotes.
_PLAIN_STRING = re.compile(r'"[^"\\\r\n]*"|\'[^\'\\\r\n]*\'')


def simple_check(tree: Tree) -> Check | None:
    """Return a check deciding `tree` like the interpreter, or None if it is not that simple.

    Understood: `name == literal`, `name != literal` (a string, true, false or null),
    `name in [strings]`, `name < "text"` (and `<=`, `>`, `>=`; an error unless `name` is
    a string), and these joined with `&&` and `||`. Errors are left to the interpreter.
    """
    names: set[str] = set()
    test = _test(tree, names)
    if test is None:
        return None
    read = tuple(sorted(names))

    def check(context: Mapping[str, Any]) -> bool | None:
        for name in read:
            if not _plain(context.get(name)):
                return None
        return test(context)

    return check


def _plain(value: Any) -> bool:
    """Say whether the interpreter takes `value` as a null, bool, double or string."""
    kind = type(value)
    if value is None or kind is bool or kind is float:
        return True
    if kind is not str:
        return False
    if value.isascii():
        return True
    try:
        value.encode("utf-8")  # a lone surrogate cannot be handed over: an error there
    except UnicodeEncodeError:
        return False
    return True


def _test(node: Tree | Token, names: set[str]) -> _Test | None:
    node = _unwrap(node)
    if not isinstance(node, Tree) or len(node.children) != 2:
        return None
    first, second = node.children
    if node.data in ("conditionalor", "conditionaland"):
        left, right = _test(first, names), _test(second, names)
        if left is None or right is None:
            return None
        if node.data == "conditionalor":
            return lambda context: _or(left, right, context)
        return lambda context: _and(left, right, context)
    # `a == b` is relation(relation_eq(a), b).
    if node.data != "relation" or not isinstance(first, Tree) or len(first.children) != 1:
        return None
    operator = first.data
    if operator not in ("relation_eq", "relation_ne", "relation_in", *_ORDER):
        return None
    name = _name(first.children[0])
    if name is None:
        return None
    names.add(name)
    if operator == "relation_in":
        strings = _strings(second)
        if strings is None:
            return None
        return lambda context: _is_one_of(context.get(name), strings)
    literal = _literal(second)
    if literal is None:
        return None
    expected = literal[0]
    if operator in _ORDER:
        if not isinstance(expected, str):
            return None
        compare, text = _ORDER[operator], expected
        return lambda context: _ordered(compare, context.get(name), text)
    if operator == "relation_eq":
        return lambda context: _equal(context.get(name), expected)
    return lambda context: not _equal(context.get(name), expected)


def _or(left: _Test, right: _Test, context: Mapping[str, Any]) -> bool | None:
    """CEL's `||`: true if either side is, an error unless both are false."""
    first = left(context)
    if first is True:
        return True
    second = right(context)
    if second is True:
        return True
    return False if first is False and second is False else None


def _and(left: _Test, right: _Test, context: Mapping[str, Any]) -> bool | None:
    """CEL's `&&`: false if either side is, an error unless both are true."""
    first = left(context)
    if first is False:
        return False
    second = right(context)
    if second is False:
        return False
    return True if first is True and second is True else None


def _ordered(compare: Callable[[str, str], bool], value: Any, text: str) -> bool | None:
    """Compare strings by code point (as CEL does); anything else with a string is an error."""
    return compare(value, text) if type(value) is str else None


def _equal(value: Any, literal: str | bool | None) -> bool:
    if literal is None:
        return value is None
    return type(value) is type(literal) and value == literal


def _is_one_of(value: Any, strings: frozenset[str]) -> bool:
    return type(value) is str and value in strings


def _unwrap(node: Tree | Token) -> Tree | Token:
    while isinstance(node, Tree) and node.data in _PASSING and len(node.children) == 1:
        node = node.children[0]
    return node


def _name(node: Tree | Token) -> str | None:
    node = _unwrap(node)
    if isinstance(node, Tree) and node.data == "ident" and len(node.children) == 1:
        token = node.children[0]
        if isinstance(token, Token) and token not in BUILTIN_NAMES:
            return str(token)
    return None


def _literal(node: Tree | Token) -> tuple[str | bool | None] | None:
    """Return the value of a string, bool or null literal (in a tuple), else None."""
    node = _unwrap(node)
    if not (isinstance(node, Tree) and node.data == "literal" and len(node.children) == 1):
        return None
    token = node.children[0]
    if not isinstance(token, Token):
        return None
    if token.type == "STRING_LIT" and _PLAIN_STRING.fullmatch(token):
        return (str(token)[1:-1],)
    if token.type == "BOOL_LIT" and token in ("true", "false"):
        return (token == "true",)
    if token.type == "NULL_LIT" and token == "null":
        return (None,)
    return None


def _strings(node: Tree | Token) -> frozenset[str] | None:
    """Return the strings of a list literal of plain strings, else None."""
    node = _unwrap(node)
    if not (isinstance(node, Tree) and node.data == "list_lit"):
        return None
    if not node.children:
        return frozenset()
    exprlist = node.children[0]
    if len(node.children) != 1 or not isinstance(exprlist, Tree) or exprlist.data != "exprlist":
        return None
    strings: set[str] = set()
    for item in exprlist.children:
        literal = _literal(item)
        if literal is None or not isinstance(literal[0], str):
            return None
        strings.add(literal[0])
    return frozenset(strings)
