"""Compile and evaluate CEL expressions: the public API of the rules package.

Two well-kept CEL implementations share the work. `cel-python` (pure Python) parses an
expression into a syntax tree once at load time; the checker walks that tree for the
names an expression reads. `common-expression-language` (bindings to the Rust CEL
interpreter) runs it: about a hundred times faster than interpreting the Python tree,
which matters because every page of every form evaluates its conditions again.
Programs are compiled once per process and source text; evaluating one only converts
the values of the names it reads.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

import cel as native_cel
import celpy

from service.rules.dates import is_date_bound, local_today, resolve_date_bound
from service.rules.errors import EvaluationError, ExpressionError
from service.rules.functions import NATIVE_FUNCTIONS
from service.rules.names import referenced_names
from service.rules.values import from_cel, to_cel, to_native

__all__ = [
    "EvaluationError",
    "Expression",
    "ExpressionError",
    "compile_expression",
    "from_cel",
    "is_date_bound",
    "local_today",
    "resolve_date_bound",
    "to_cel",
]

_environment = celpy.Environment()
# celpy's parser remembers the text being parsed on a shared object.
_parse_lock = threading.Lock()


class Expression:
    """A compiled CEL expression, ready to evaluate against many contexts."""

    __slots__ = ("_calls_ours", "_program", "identifiers", "source")

    def __init__(self, source: str, program: Any, identifiers: frozenset[str]) -> None:
        self.source = source
        self.identifiers = identifiers
        self._program = program
        # Only expressions calling today()/days()/age() need the (slower) function context.
        self._calls_ours = any(f"{name}(" in source for name in NATIVE_FUNCTIONS)

    def __repr__(self) -> str:
        return f"Expression({self.source!r})"

    def evaluate(self, context: Mapping[str, Any]) -> Any:
        """Return the value for `context`; raise EvaluationError when it cannot be computed.

        Names the expression reads but `context` lacks are null (not answered). Values may
        be plain Python values or cel-python values; dates become timestamps.
        """
        variables = {name: to_native(context.get(name)) for name in self.identifiers}
        try:
            if self._calls_ours:
                return self._program.execute(native_cel.Context(variables, NATIVE_FUNCTIONS))
            return self._program.execute(variables)
        except Exception as exc:
            # A definition must never crash a request: any failure means "not applicable".
            raise EvaluationError(f"{self.source!r}: {exc}") from None

    def test(self, context: Mapping[str, Any]) -> bool | None:
        """Return True or False, or None when the expression is not applicable."""
        try:
            value = self.evaluate(context)
        except EvaluationError:
            return None
        return value if isinstance(value, bool) else None


def compile_expression(source: str, names: Iterable[str] | None = None) -> Expression:
    """Return the compiled expression; with `names`, refuse any other identifier."""
    expression = _compile(source)
    if names is not None:
        allowed = set(names)
        tree = _parse(source)
        for token in referenced_names(tree):
            if token not in allowed:
                raise ExpressionError(f"unknown name {str(token)!r} in {source!r}", token.column)
    return expression


@lru_cache(maxsize=4096)
def _compile(source: str) -> Expression:
    tree = _parse(source)
    identifiers = frozenset(str(token) for token in referenced_names(tree))
    try:
        program = native_cel.compile(source)
    except (ValueError, RuntimeError) as exc:
        raise ExpressionError(f"cannot parse {source!r}: {str(exc).splitlines()[0]}") from None
    return Expression(source, program, identifiers)


@lru_cache(maxsize=4096)
def _parse(source: str) -> Any:
    if not isinstance(source, str) or not source.strip():
        raise ExpressionError("empty expression")
    with _parse_lock:
        try:
            return _environment.compile(source)
        except celpy.CELParseError as exc:
            raise ExpressionError(f"cannot parse {source!r}", exc.column) from None
        except Exception as exc:  # lark raises a few other errors for odd input
            raise ExpressionError(f"cannot parse {source!r}: {exc}") from None
