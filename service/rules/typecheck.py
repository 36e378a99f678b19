"""Type-check a CEL expression against the declared types of the names it reads.

cel-python parses, but has no checker, and the Rust interpreter only finds a mistake
when the expression runs (where a failure used to look like "not applicable"). This
walks cel-python's parse tree once, at load time, and refuses what can never be
meant: comparing a number with a text (`length_m > "5"`), a date with a text
(`end_date >= "2099-01-01"`), mixing whole and decimal numbers in arithmetic, calling an
unknown function, reading a field a map does not have. Unknown types (`dyn`) pass.
Written here because no maintained Python CEL checker exists (cel-python has none; the
Go and C++ checkers are not reachable from Python).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lark import Token, Tree

from service.rules.celtypes import (
    BOOL,
    BYTES,
    DOUBLE,
    DURATION,
    DYN,
    FUNCTIONS,
    INT,
    METHODS,
    NULL,
    STRING,
    TIMESTAMP,
    CelType,
    Signature,
    list_of,
    map_of,
)
from service.rules.errors import ExpressionError
from service.rules.names import BUILTIN_NAMES

__all__ = [
    "BOOL", "BYTES", "DOUBLE", "DURATION", "DYN", "INT", "NULL", "STRING", "TIMESTAMP",
    "CelType", "infer", "list_of", "map_of",
]  # fmt: skip


_NUMBERS = frozenset({"int", "uint", "double"})
_SPAN = re.compile(r"[^&|?:)\],]*")
_LITERALS = {
    "STRING_LIT": STRING, "MLSTRING_LIT": STRING, "INT_LIT": INT, "UINT_LIT": CelType("uint"),
    "FLOAT_LIT": DOUBLE, "BOOL_LIT": BOOL, "NULL_LIT": NULL, "BYTES_LIT": BYTES,
}  # fmt: skip
_RELATIONS = {
    "relation_lt": "<", "relation_le": "<=", "relation_gt": ">", "relation_ge": ">=",
    "relation_eq": "==", "relation_ne": "!=", "relation_in": "in",
}  # fmt: skip
_ARITHMETIC = {
    "addition_add": "+", "addition_sub": "-", "multiplication_mul": "*",
    "multiplication_div": "/", "multiplication_mod": "%",
}  # fmt: skip
_PASSING = frozenset(
    {"expr", "conditionalor", "conditionaland", "relation", "addition", "multiplication"}
    | {"unary", "member", "primary", "paren_expr"}
)

_MACROS = frozenset({"all", "exists", "exists_one", "map", "filter"})


@dataclass
class TypeProblem(Exception):
    """A type mistake at 1-based `line`/`column` of the expression, `width` characters long."""

    message: str
    line: int
    column: int
    width: int = 1


def infer(tree: Tree, scope: Mapping[str, CelType], source: str = "") -> CelType:
    """Return the type of `tree` in `scope`, or raise ExpressionError at the first mistake."""
    try:
        return _Checker(scope, source.splitlines()).type_of(tree)
    except TypeProblem as exc:
        raise ExpressionError(exc.message, exc.column, line=exc.line, width=exc.width) from None


class _Checker:
    def __init__(self, scope: Mapping[str, CelType], lines: list[str]) -> None:
        self.scope = dict(scope)
        self.lines = lines

    # ------------------------------------------------------------------ helpers

    def fail(self, node: Tree | Token, message: str) -> TypeProblem:
        if isinstance(node, Token):
            return TypeProblem(message, node.line or 1, node.column or 1, len(str(node)))
        meta = node.meta
        line = getattr(meta, "line", 1)
        column = getattr(meta, "column", 1)
        end_line = getattr(meta, "end_line", None)
        end = getattr(meta, "end_column", None)
        if end is None and 0 < line <= len(self.lines):
            # lark keeps no end for a node ending in `true`, `false` or `null`: up to the
            # next operator that binds less than a comparison.
            rest = _SPAN.match(self.lines[line - 1], column - 1)
            end, end_line = (column + len(rest.group().rstrip()) if rest else None), line
        width = max(1, end - column) if end is not None and end_line == line else 1
        return TypeProblem(message, line, column, width)

    def type_of(self, node: Tree | Token) -> CelType:
        if isinstance(node, Token):
            return _LITERALS.get(node.type, DYN)
        while node.data in _PASSING and len(node.children) == 1:
            child = node.children[0]
            if not isinstance(child, Tree):
                return self.type_of(child)
            node = child
        if node.data in ("relation", "addition", "multiplication") and len(node.children) == 2:
            # `a < b` parses as relation(relation_lt(a), b): the operator wraps the left side.
            op, right = node.children
            if isinstance(op, Tree) and op.children:
                if op.data in _RELATIONS:
                    return self._relation(node, op.data, op.children[0], right)
                if op.data in _ARITHMETIC:
                    return self._arithmetic(node, op.data, op.children[0], right)
        method = getattr(self, f"_{node.data}", None)
        if method is not None:
            result: CelType = method(node)
            return result
        # Anything else: check the parts, the whole is not known.
        for child in node.children:
            if isinstance(child, Tree):
                self.type_of(child)
        return DYN

    # ----------------------------------------------------------- the grammar

    def _expr(self, node: Tree) -> CelType:
        condition, then, otherwise = node.children
        self._need_bool(condition, "the condition of '? :'")
        a, b = self.type_of(then), self.type_of(otherwise)
        if not _same(a, b) and "null" not in (a.kind, b.kind):
            raise self.fail(node, f"both results of '? :' must be of one type, not a {a} and a {b}")
        return b if a.kind in ("dyn", "null") else a

    def _conditionalor(self, node: Tree) -> CelType:
        for child in node.children:
            self._need_bool(child, "'||'")
        return BOOL

    def _conditionaland(self, node: Tree) -> CelType:
        for child in node.children:
            self._need_bool(child, "'&&'")
        return BOOL

    def _unary(self, node: Tree) -> CelType:
        op, operand = node.children[0], node.children[-1]
        kind = op.data if isinstance(op, Tree) else ""
        if kind == "unary_not":
            self._need_bool(operand, "'!'")
            return BOOL
        t = self.type_of(operand)
        if kind == "unary_neg" and t.kind not in _NUMBERS | {"dyn", "duration"}:
            raise self.fail(node, f"'-' needs a number, not a {t}")
        return t

    def _need_bool(self, node: Tree | Token, where: str) -> None:
        t = self.type_of(node)
        if t.kind not in ("bool", "dyn"):
            raise self.fail(node, f"{where} needs yes/no values, not a {t}")

    def _literal(self, node: Tree) -> CelType:
        return self.type_of(node.children[0])

    def _ident(self, node: Tree) -> CelType:
        name = str(node.children[0])
        if name in self.scope:
            return self.scope[name]
        if name in BUILTIN_NAMES:
            return DYN
        hint = ": write the field's key alone, like 'kind == \"a\"'" if name == "data" else ""
        raise self.fail(node.children[0], f"unknown name '{name}'{hint}")

    _dot_ident = _ident

    def _list_lit(self, node: Tree) -> CelType:
        items = [self.type_of(c) for c in _exprs(node)]
        if items and all(_same(items[0], t) for t in items):
            return list_of(items[0])
        return list_of(DYN)

    def _map_lit(self, node: Tree) -> CelType:
        for child in node.children:
            if isinstance(child, Tree):
                self.type_of(child)
        return map_of(None)

    def _mapinits(self, node: Tree) -> CelType:
        for child in node.children:
            if isinstance(child, Tree):
                self.type_of(child)
        return DYN

    def _member_dot(self, node: Tree) -> CelType:
        base, name = node.children
        if _bare_name(base) == "data" and "data" not in self.scope:
            # The first edition's guards read `data.x`; every expression now says `x`.
            start = self.fail(base, "")
            end = getattr(name, "end_column", None) or start.column + 1
            width = end - start.column
            raise TypeProblem(f"write '{name}', not 'data.{name}'", start.line, start.column, width)
        t = self.type_of(base)
        if t.kind == "map" and t.fields is not None:
            if str(name) not in t.fields:
                known = ", ".join(sorted(t.fields)) or "none"
                raise self.fail(name, f"unknown field '{name}' (known: {known})")
            return t.fields[str(name)]
        if t.kind not in ("map", "dyn"):
            raise self.fail(name, f"a {t} has no field '{name}'")
        return DYN

    def _member_index(self, node: Tree) -> CelType:
        base, index = node.children
        t, i = self.type_of(base), self.type_of(index)
        if t.kind == "list":
            if i.kind not in ("int", "uint", "dyn"):
                raise self.fail(index, f"a list is indexed by a whole number, not a {i}")
            return t.item or DYN
        if t.kind not in ("map", "dyn"):
            raise self.fail(node, f"a {t} cannot be indexed")
        return DYN

    def _ident_arg(self, node: Tree) -> CelType:
        name, *rest = node.children
        args = _exprs(rest[0]) if rest else []
        if str(name) == "has":
            return BOOL  # has(x.f): the argument is a field selection, not a value
        signature = FUNCTIONS.get(str(name))
        if signature is None:
            raise self.fail(name, f"unknown function '{name}'")
        return self._call(node, str(name), signature, [self.type_of(a) for a in args])

    def _member_dot_arg(self, node: Tree) -> CelType:
        base, name, *rest = node.children
        args = _exprs(rest[0]) if rest else []
        method = str(name)
        if method in _MACROS and args:
            return self._macro(node, base, method, args)
        self.type_of(base)
        signature = METHODS.get(method)
        if signature is None:
            raise self.fail(name, f"unknown function '{method}'")
        arg_types = [self.type_of(a) for a in args]
        return self._call(node, method, signature, arg_types)

    def _call(self, node: Tree, name: str, sig: Signature, args: list[CelType]) -> CelType:
        result = sig(args)
        if isinstance(result, str):
            raise self.fail(node, f"{name}() {result}")
        return result

    def _macro(self, node: Tree, base: Any, method: str, args: list[Any]) -> CelType:
        t = self.type_of(base)
        if t.kind not in ("list", "map", "dyn"):
            raise self.fail(node, f"{method}() needs a list, not a {t}")
        variable = _bare_name(args[0])
        if variable is None or len(args) < 2:
            raise self.fail(node, f"{method}() takes a variable name and an expression")
        item = (t.item or DYN) if t.kind == "list" else DYN
        inner = _Checker({**self.scope, variable: item}, self.lines)
        body = [inner.type_of(a) for a in args[1:]]
        if method in ("all", "exists", "exists_one"):
            if body[-1].kind not in ("bool", "dyn"):
                raise inner.fail(args[-1], f"{method}() needs a yes/no condition, not {body[-1]}")
            return BOOL
        if method == "filter":
            return t if t.kind == "list" else list_of(DYN)
        return list_of(body[-1])

    def _relation(self, node: Tree, kind: str, left: Any, right: Any) -> CelType:
        a, b = self.type_of(left), self.type_of(right)
        op = _RELATIONS[kind]
        if op == "in":
            if b.kind == "list" and b.item is not None and not _comparable(a, b.item, "=="):
                raise self.fail(
                    node, f"cannot look for a {a} in a list of {b.item}{_hint(a, b.item, right)}"
                )
            if b.kind not in ("list", "map", "dyn"):
                raise self.fail(right, f"'in' needs a list or a map, not a {b}")
            return BOOL
        if not _comparable(a, b, op):
            raise self.fail(
                node, f"cannot compare a {a} with a {b} using '{op}'{_hint(a, b, right)}"
            )
        return BOOL

    def _arithmetic(self, node: Tree, kind: str, left: Any, right: Any) -> CelType:
        a, b = self.type_of(left), self.type_of(right)
        op = _ARITHMETIC[kind]
        result = _arithmetic(op, a, b)
        if result is None:
            hint = ""
            if {a.kind, b.kind} == {"int", "double"}:
                hint = " (CEL does not mix them: write 2.0 for a number, or use int(...))"
            raise self.fail(node, f"cannot compute a {a} {op} a {b}{hint}")
        return result


def _exprs(node: Any) -> list[Any]:
    if isinstance(node, Tree) and node.data == "exprlist":
        return list(node.children)
    if isinstance(node, Tree) and node.data == "list_lit":
        return _exprs(node.children[0]) if node.children else []
    return [node] if node is not None else []


def _bare_name(node: Any) -> str | None:
    while isinstance(node, Tree) and len(node.children) == 1:
        if node.data == "ident":
            return str(node.children[0])
        node = node.children[0]
    return None


def _same(a: CelType, b: CelType) -> bool:
    if "dyn" in (a.kind, b.kind):
        return True
    if a.kind in _NUMBERS and b.kind in _NUMBERS:
        return a.kind == b.kind
    return a.kind == b.kind


def _comparable(a: CelType, b: CelType, op: str) -> bool:
    if "dyn" in (a.kind, b.kind):
        return True
    if op in ("==", "!=") and "null" in (a.kind, b.kind):
        return True
    if a.kind in _NUMBERS and b.kind in _NUMBERS:
        return True
    if a.kind != b.kind:
        return False
    if op in ("==", "!="):
        return True
    return a.kind in ("string", "timestamp", "duration", "bool", "bytes")


def _arithmetic(op: str, a: CelType, b: CelType) -> CelType | None:
    kinds = (a.kind, b.kind)
    if "dyn" in kinds:
        return a if b.kind == "dyn" and a.kind in _NUMBERS else DYN
    if a.kind in _NUMBERS and a.kind == b.kind:
        return a
    table = {
        ("+", "string", "string"): STRING,
        ("+", "list", "list"): a,
        ("+", "timestamp", "duration"): TIMESTAMP,
        ("+", "duration", "timestamp"): TIMESTAMP,
        ("+", "duration", "duration"): DURATION,
        ("-", "timestamp", "duration"): TIMESTAMP,
        ("-", "timestamp", "timestamp"): DURATION,
        ("-", "duration", "duration"): DURATION,
    }
    return table.get((op, a.kind, b.kind))


def _hint(a: CelType, b: CelType, right: Any) -> str:
    """Say how to write what was probably meant."""
    text = _literal_text(right)
    if text is None:
        return ""
    inner = text[1:-1] if len(text) >= 2 and text[0] in "\"'" else text
    if a.kind in _NUMBERS and b.kind == "string":
        return f": write {inner} without quotes"
    if a.kind == "timestamp" and b.kind == "string":
        return f': write date("{inner}")'
    if a.kind == "bool" and b.kind == "string":
        return ": write true or false without quotes"
    return ""


def _literal_text(node: Any) -> str | None:
    while isinstance(node, Tree) and len(node.children) == 1:
        node = node.children[0]
    if isinstance(node, Token) and node.type in _LITERALS:
        return str(node)
    return None
