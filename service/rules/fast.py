"""Decide more expressions in Python: a small CEL subset, exactly as the interpreter does.

`simple.py` decides an answer compared with literals. This covers what the shipped
definitions write besides: field access (`p.first_names`, `persons[0]`), text joined
with `+`, comparisons of texts, whole numbers and dates, `!`, `? :`, our functions
(`today()`, `days(14)`, `age(birth_date)`, ...), `string()`, `contains()` and the macros
`all`, `exists` and `exists_one` over a list.

The rule that keeps it equal to the interpreter: every operation is decided only for
operand types whose CEL meaning is plain (a string joined with a string, a date minus a
duration, two whole numbers compared); any other case, every error and a null result
are "undecided" (None), and the interpreter runs the expression as before. Before
anything is decided, every value the expression reads must be one the interpreter takes
as it is (a text it can encode, a whole number within 64 bits, a date in UTC, lists and
maps of such); otherwise handing the values over could fail or change their type.
`tests/rules/test_rules_fast.py` compares both on many values.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from lark import Token, Tree

from service.rules.fastvalues import (
    RELATIONS,
    UNDECIDED,
    add,
    subtract,
    takes,
    whole,
)
from service.rules.functions import NATIVE_FUNCTIONS
from service.rules.names import BUILTIN_NAMES, referenced_names

#: Returns the value, or None when undecided (the interpreter then runs).
Check = Callable[[Mapping[str, Any]], Any]


#: Evaluates one node: (context, bound macro variables) -> value or UNDECIDED.
_Node = Callable[[Mapping[str, Any], dict[str, Any]], Any]

#: A string literal without escapes, prefixes or triple quotes.
_PLAIN_STRING = re.compile(r'"[^"\\\r\n]*"|\'[^\'\\\r\n]*\'')
_DECIMAL = re.compile(r"-?[0-9]+")
_FLOAT = re.compile(r"-?[0-9]+\.[0-9]+")
_MACROS = frozenset({"all", "exists", "exists_one"})
#: Result types handed back as they are (the interpreter returns the same Python value).
_RESULTS = (bool, str, int, float)
#: Parse-tree levels that only pass their single child through.
_PASSING = frozenset(
    {"expr", "conditionalor", "conditionaland", "relation", "addition", "multiplication"}
    | {"unary", "member", "primary", "paren_expr"}
)


class _Unsupported(Exception):
    """The expression uses something this module does not decide."""


def fast_check(tree: Tree) -> Check | None:
    """Return a function deciding `tree` like the interpreter, or None if it cannot."""
    try:
        node = _compile(tree, frozenset())
    except _Unsupported:
        return None
    names = tuple(sorted({str(token) for token in referenced_names(tree)}))

    def check(context: Mapping[str, Any]) -> Any:
        for name in names:
            if not takes(context.get(name)):
                return None
        value = node(context, {})
        return value if type(value) in _RESULTS else None

    return check


def _unwrap(node: Tree | Token) -> Tree | Token:
    while isinstance(node, Tree) and node.data in _PASSING and len(node.children) == 1:
        node = node.children[0]
    return node


def _compile(node: Tree | Token, bound: frozenset[str]) -> _Node:
    node = _unwrap(node)
    if not isinstance(node, Tree):
        raise _Unsupported
    compiler = _COMPILERS.get(node.data)
    if compiler is None:
        raise _Unsupported
    return compiler(node, bound)


def _operands(node: Tree, bound: frozenset[str]) -> tuple[str, _Node, _Node]:
    """Return the operator and both sides of `a op b` (parsed as level(level_op(a), b))."""
    if len(node.children) != 2:
        raise _Unsupported
    first, second = node.children
    if not isinstance(first, Tree) or len(first.children) != 1:
        raise _Unsupported
    return first.data, _compile(first.children[0], bound), _compile(second, bound)


def _ternary(node: Tree, bound: frozenset[str]) -> _Node:
    if len(node.children) != 3:
        raise _Unsupported
    condition, yes, no = (_compile(child, bound) for child in node.children)

    def run(context: Mapping[str, Any], scope: dict[str, Any]) -> Any:
        chosen = condition(context, scope)
        if type(chosen) is not bool:
            return UNDECIDED
        return (yes if chosen else no)(context, scope)

    return run


def _logical(node: Tree, bound: frozenset[str]) -> _Node:
    """CEL's `||` and `&&`: either side decides when it is true (false), in any order."""
    if len(node.children) != 2:
        raise _Unsupported
    left, right = (_compile(child, bound) for child in node.children)
    decisive = node.data == "conditionalor"

    def run(context: Mapping[str, Any], scope: dict[str, Any]) -> Any:
        first = left(context, scope)
        if first is decisive:
            return decisive
        second = right(context, scope)
        if second is decisive:
            return decisive
        if type(first) is bool and type(second) is bool:
            return not decisive
        return UNDECIDED

    return run


def _binary(
    node: Tree, bound: frozenset[str], table: Mapping[str, Callable[[Any, Any], Any]]
) -> _Node:
    """Both operands decided first, then the operator of `table` (undecided if either is)."""
    operator, left, right = _operands(node, bound)
    combine = table.get(operator)
    if combine is None:
        raise _Unsupported

    def run(context: Mapping[str, Any], scope: dict[str, Any]) -> Any:
        a = left(context, scope)
        if a is UNDECIDED:
            return UNDECIDED
        b = right(context, scope)
        if b is UNDECIDED:
            return UNDECIDED
        return combine(a, b)

    return run


_ADDITIONS = {"addition_add": add, "addition_sub": subtract}


def _relation(node: Tree, bound: frozenset[str]) -> _Node:
    return _binary(node, bound, RELATIONS)


def _addition(node: Tree, bound: frozenset[str]) -> _Node:
    return _binary(node, bound, _ADDITIONS)


def _unary(node: Tree, bound: frozenset[str]) -> _Node:
    if len(node.children) != 2 or not isinstance(node.children[0], Tree):
        raise _Unsupported
    operator = node.children[0].data
    operand = _compile(node.children[1], bound)
    if operator == "unary_not":

        def negated(context: Mapping[str, Any], scope: dict[str, Any]) -> Any:
            value = operand(context, scope)
            return not value if type(value) is bool else UNDECIDED

        return negated
    if operator == "unary_neg":

        def minus(context: Mapping[str, Any], scope: dict[str, Any]) -> Any:
            value = operand(context, scope)
            return whole(-value) if type(value) is int else UNDECIDED

        return minus
    raise _Unsupported


def _ident(node: Tree, bound: frozenset[str]) -> _Node:
    token = node.children[0]
    if not isinstance(token, Token) or token in BUILTIN_NAMES:
        raise _Unsupported
    name = str(token)
    if name in bound:
        return lambda _context, scope: scope[name]
    return lambda context, _scope: context.get(name)


def _literal(node: Tree, _bound: frozenset[str]) -> _Node:
    token = node.children[0]
    if not isinstance(token, Token):
        raise _Unsupported
    value: Any
    if token.type == "STRING_LIT" and _PLAIN_STRING.fullmatch(token):
        value = str(token)[1:-1]
    elif token.type == "BOOL_LIT" and token in ("true", "false"):
        value = token == "true"
    elif token.type == "INT_LIT" and _DECIMAL.fullmatch(token):
        value = int(token)
        if whole(value) is UNDECIDED:
            raise _Unsupported
    elif token.type == "FLOAT_LIT" and _FLOAT.fullmatch(token):
        value = float(token)
    elif token.type == "NULL_LIT" and token == "null":
        value = None
    else:
        raise _Unsupported
    return lambda _context, _scope: value


def _list(node: Tree, bound: frozenset[str]) -> _Node:
    items = _arguments(node.children[0] if node.children else None, bound)

    def run(context: Mapping[str, Any], scope: dict[str, Any]) -> Any:
        values = [item(context, scope) for item in items]
        return UNDECIDED if any(v is UNDECIDED for v in values) else values

    return run


def _arguments(exprlist: Tree | Token | None, bound: frozenset[str]) -> list[_Node]:
    if exprlist is None:
        return []
    if not isinstance(exprlist, Tree) or exprlist.data != "exprlist":
        raise _Unsupported
    return [_compile(child, bound) for child in exprlist.children]


def _member(node: Tree, bound: frozenset[str]) -> _Node:
    """`map.field`: the field's value when the map has it."""
    target, name = node.children
    if not isinstance(name, Token):
        raise _Unsupported
    of, key = _compile(target, bound), str(name)

    def run(context: Mapping[str, Any], scope: dict[str, Any]) -> Any:
        value = of(context, scope)
        if type(value) is dict and key in value:
            return value[key]
        return UNDECIDED

    return run


def _index(node: Tree, bound: frozenset[str]) -> _Node:
    """`list[i]` within the list, `map["key"]` when the map has it."""
    target, position = (_compile(child, bound) for child in node.children)

    def run(context: Mapping[str, Any], scope: dict[str, Any]) -> Any:
        value, at = target(context, scope), position(context, scope)
        if type(value) is list and type(at) is int and 0 <= at < len(value):
            return value[at]
        if type(value) is dict and type(at) is str and at in value:
            return value[at]
        return UNDECIDED

    return run


def _call(node: Tree, bound: frozenset[str]) -> _Node:
    """`today()`, `days(n)`, ...: our functions, as the interpreter calls them; `string(s)`."""
    name, *rest = node.children
    if not isinstance(name, Token):
        raise _Unsupported
    arguments = _arguments(rest[0] if rest else None, bound)
    if name == "string" and len(arguments) == 1:
        (argument,) = arguments

        def text(context: Mapping[str, Any], scope: dict[str, Any]) -> Any:
            value = argument(context, scope)
            return value if type(value) is str else UNDECIDED

        return text
    function = NATIVE_FUNCTIONS.get(str(name))
    if function is None:
        raise _Unsupported
    if not arguments:  # `today()`
        return lambda _context, _scope: _result(function, ())
    if len(arguments) == 1:
        return _call_one(function, arguments[0])

    def run(context: Mapping[str, Any], scope: dict[str, Any]) -> Any:
        values = [argument(context, scope) for argument in arguments]
        if any(v is UNDECIDED for v in values):
            return UNDECIDED
        return _result(function, values)

    return run


def _call_one(function: Callable[..., Any], argument: _Node) -> _Node:
    """`_call`'s run for one argument (`days(14)`, `age(d)`), without a list and a generator."""

    def run(context: Mapping[str, Any], scope: dict[str, Any]) -> Any:
        value = argument(context, scope)
        if value is UNDECIDED:
            return UNDECIDED
        return _result(function, (value,))

    return run


def _result(function: Callable[..., Any], values: list[Any] | tuple[Any, ...]) -> Any:
    """Return what `function` gives for `values`, UNDECIDED when the interpreter should say."""
    try:
        result = function(*values)
    except Exception:  # the interpreter reports it: left to it
        return UNDECIDED
    return result if type(result) is timedelta or takes(result) else UNDECIDED


def _method(node: Tree, bound: frozenset[str]) -> _Node:
    """`text.contains(part)` and the macros `list.all(x, ...)`, `exists`, `exists_one`."""
    target, name, *rest = node.children
    if not isinstance(name, Token) or not rest or not isinstance(rest[0], Tree):
        raise _Unsupported
    arguments = rest[0].children
    if name in _MACROS and len(arguments) == 2:
        return _macro(str(name), target, arguments[0], arguments[1], bound)
    if name != "contains" or len(arguments) != 1:
        raise _Unsupported
    of, part = _compile(target, bound), _compile(arguments[0], bound)

    def contains(context: Mapping[str, Any], scope: dict[str, Any]) -> Any:
        text, sought = of(context, scope), part(context, scope)
        if type(text) is str and type(sought) is str:
            return sought in text
        return UNDECIDED

    return contains


def _macro(
    kind: str,
    target: Tree | Token,
    variable: Tree | Token,
    body: Tree | Token,
    bound: frozenset[str],
) -> _Node:
    """Decided only when the body gives true or false for every item of a list."""
    name = _unwrap(variable)
    if not (isinstance(name, Tree) and name.data == "ident" and len(name.children) == 1):
        raise _Unsupported
    var = str(name.children[0])
    items, test = _compile(target, bound), _compile(body, bound | {var})

    def run(context: Mapping[str, Any], scope: dict[str, Any]) -> Any:
        values = items(context, scope)
        if type(values) is not list:
            return UNDECIDED
        inner = dict(scope)
        results = []
        for value in values:
            inner[var] = value
            result = test(context, inner)
            if type(result) is not bool:
                return UNDECIDED
            results.append(result)
        if kind == "all":
            return all(results)
        if kind == "exists":
            return any(results)
        return results.count(True) == 1

    return run


_COMPILERS: dict[str, Callable[[Tree, frozenset[str]], _Node]] = {
    "expr": _ternary,
    "conditionalor": _logical,
    "conditionaland": _logical,
    "relation": _relation,
    "addition": _addition,
    "unary": _unary,
    "ident": _ident,
    "literal": _literal,
    "list_lit": _list,
    "member_dot": _member,
    "member_index": _index,
    "ident_arg": _call,
    "member_dot_arg": _method,
}
