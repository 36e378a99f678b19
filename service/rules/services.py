"""Compile and evaluate CEL expressions: the public API of the rules package.

Programs are parsed once per process and source text; evaluating one only builds a small
activation with the names it reads, so conditions are cheap to test on every request.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

import celpy
from celpy.evaluation import CELEvalError

from service.rules.dates import is_date_bound, local_today, resolve_date_bound
from service.rules.errors import EvaluationError, ExpressionError
from service.rules.functions import FUNCTIONS
from service.rules.names import referenced_names
from service.rules.values import from_cel, to_cel

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
    """A parsed CEL expression, ready to evaluate against many contexts."""

    __slots__ = ("_program", "identifiers", "source")

    def __init__(self, source: str, program: celpy.Runner, identifiers: frozenset[str]) -> None:
        self.source = source
        self.identifiers = identifiers
        self._program = program

    def __repr__(self) -> str:
        return f"Expression({self.source!r})"

    def evaluate(self, context: Mapping[str, Any]) -> Any:
        """Return the value for `context`; raise EvaluationError when it cannot be computed.

        Names the expression reads but `context` lacks are null (not answered).
        """
        return from_cel(self.evaluate_cel(context))

    def evaluate_cel(self, context: Mapping[str, Any]) -> Any:
        """Return the raw CEL value for `context` (see `evaluate`)."""
        activation = {name: to_cel(context.get(name)) for name in self.identifiers}
        try:
            value = self._program.evaluate(activation)
        except CELEvalError as exc:
            raise EvaluationError(f"{self.source!r}: {exc.args[0] if exc.args else exc}") from exc
        except Exception as exc:
            # A definition must never crash a request: any failure means "not applicable".
            raise EvaluationError(f"{self.source!r}: {exc!r}") from exc
        if isinstance(value, CELEvalError):  # some celpy paths return the error
            raise EvaluationError(f"{self.source!r}: {value.args[0] if value.args else value}")
        return value

    def test(self, context: Mapping[str, Any]) -> bool | None:
        """Return True or False, or None when the expression is not applicable."""
        try:
            value = self.evaluate_cel(context)
        except EvaluationError:
            return None
        if isinstance(value, celpy.celtypes.BoolType):
            return bool(value)
        return None


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
    return Expression(source, _environment.program(tree, functions=FUNCTIONS), identifiers)


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
