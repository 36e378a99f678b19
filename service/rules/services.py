"""Compile and evaluate CEL expressions: the public API of the rules package.

Two well-kept CEL implementations share the work. `cel-python` (pure Python) parses an
expression into a syntax tree once at load time; the checker walks that tree for the
names an expression reads. `common-expression-language` (bindings to the Rust CEL
interpreter) runs it: about a hundred times faster than interpreting the Python tree,
which matters because every page of every form evaluates its conditions again.
Programs are compiled once per process and source text; evaluating one only converts
the values of the names it reads. `Bindings` share that conversion between the expressions
evaluated against the same values (a form's conditions and rules).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from functools import lru_cache
from typing import Any

import cel as native_cel
import celpy

from service.rules.cost import (
    MAX_COST,
    BudgetExceeded,
    CostTooHigh,
    Plan,
    check_budget,
    check_cost,
    plan,
)
from service.rules.dates import (
    is_date_bound,
    legacy_date_bound,
    local_today,
    resolve_date_bound,
)
from service.rules.errors import EvaluationError, ExpressionError, RuleFailed
from service.rules.fast import fast_check
from service.rules.functions import NATIVE_FUNCTIONS
from service.rules.names import item_fields_read, referenced_names
from service.rules.simple import Check, simple_check
from service.rules.typecheck import CelType, infer
from service.rules.values import from_cel, to_cel, to_native

log = logging.getLogger(__name__)

__all__ = [
    "MAX_COST",
    "Bindings",
    "BudgetExceeded",
    "CelType",
    "CostTooHigh",
    "EvaluationError",
    "Expression",
    "ExpressionError",
    "RuleFailed",
    "check_expression",
    "check_expression_cost",
    "compile_expression",
    "date_bound",
    "fields_read",
    "from_cel",
    "is_date_bound",
    "legacy_date_bound",
    "local_today",
    "resolve_date_bound",
    "syntax_tree",
    "to_cel",
]

_environment = celpy.Environment()
# celpy's parser remembers the text being parsed on a shared object.
_parse_lock = threading.Lock()


class Bindings(dict[str, Any]):
    """Plain values by name, converted for the native interpreter once, when first read.

    Handing values to the Rust interpreter costs about a microsecond per value (a map of
    twenty answers, twenty); evaluating a program is a fraction of that. Expressions
    evaluated against the same Bindings share one interpreter context, to which each name
    is added when an expression first reads it. Values must be what `to_native` returns
    (they are not converted again) and change only through `rebind`.
    """

    __slots__ = ("_added", "_prepared")

    def __init__(self, values: Mapping[str, Any] | None = None) -> None:
        super().__init__(values or {})
        self._prepared: Any = None
        self._added: set[str] = set()

    @property
    def names(self) -> set[str]:
        """Return the names already handed to the interpreter."""
        return self._added

    def rebind(self, name: str, value: Any) -> None:
        """Set `name` to `value`, in the interpreter context too if it was read already."""
        self[name] = value
        if name in self._added:
            self._prepared.add_variable(name, value)

    def prepared(self, names: frozenset[str]) -> Any:
        """Return the interpreter context with `names` added (missing ones as null)."""
        if self._prepared is None:
            self._prepared = native_cel.Context(None, NATIVE_FUNCTIONS)
        missing = names - self._added
        if missing:
            for name in missing:
                self._prepared.add_variable(name, self.get(name))
            self._added |= missing
        return self._prepared


class Expression:
    """A compiled CEL expression, ready to evaluate against many contexts."""

    __slots__ = (
        "_calls_ours",
        "_check",
        "_fast",
        "_loops",
        "_other_names",
        "_program",
        "_shares",
        "cost_plan",
        "identifiers",
        "source",
    )

    def __init__(
        self,
        source: str,
        program: Any,
        identifiers: frozenset[str],
        check: Check | None = None,
        cost_plan: Plan | None = None,
        fast: Check | None = None,
    ) -> None:
        self.source = source
        self.identifiers = identifiers
        self._program = program
        self.cost_plan = cost_plan or Plan(1)
        # Only macros loop; an expression without one costs its (small) size at most.
        self._loops = bool(self.cost_plan.loops)
        # Decides the simplest conditions on plain values without the interpreter.
        self._check = check
        # Only expressions calling today()/days()/age() need the (slower) function context.
        self._calls_ours = any(f"{name}(" in source for name in NATIVE_FUNCTIONS)
        # A shared context (Bindings) always has our functions and may hold other names.
        # Programs for which that could matter are run on their own values instead: those
        # calling one of our functions without `_calls_ours` knowing (`age (x)` fails
        # without them), and those where a name the interpreter reads but `identifiers`
        # lacks (macro variables) could be found in the shared context.
        calls = set(program.functions()) & NATIVE_FUNCTIONS.keys()
        self._shares = self._calls_ours or not calls
        self._other_names = frozenset(program.variables()) - identifiers
        # Decides more expressions in Python (see fast.py); a null result is left to the
        # interpreter. Not for the programs above that run without our functions.
        self._fast = fast if self._shares and check is None else None

    def __repr__(self) -> str:
        return f"Expression({self.source!r})"

    def evaluate(self, context: Mapping[str, Any]) -> Any:
        """Return the value for `context`; raise EvaluationError when it cannot be computed.

        Names the expression reads but `context` lacks are null (not answered). Values may
        be plain Python values or cel-python values; dates become timestamps. Raises
        BudgetExceeded, before evaluating, when the values are too large for the budget.
        """
        if self._loops:
            read = {name: context.get(name) for name in self.identifiers}
            check_budget(self.source, self.cost_plan, read)
        shared = type(context) is Bindings
        if shared:
            decided = self._decided(context)
            if decided is not None:
                return decided
        if type(context) is Bindings and self._shares:
            try:
                prepared = context.prepared(self.identifiers)
                if not self._other_names & context.names:
                    return self._program.execute(prepared)
            except Exception as exc:
                raise _evaluation_error(self.source, exc) from None
        variables = {name: to_native(context.get(name)) for name in self.identifiers}
        if not shared and self._fast is not None:
            result = self._fast(variables)
            if result is not None:
                return result
        try:
            if self._calls_ours:
                return self._program.execute(native_cel.Context(variables, NATIVE_FUNCTIONS))
            return self._program.execute(variables)
        except Exception as exc:
            # A definition must never crash a request: any failure means "not applicable".
            raise _evaluation_error(self.source, exc) from None

    def decided(self, context: Mapping[str, Any]) -> Any:
        """Return the value decided in Python for a shared context, None if undecided.

        Only without macros (whose budget `evaluate` checks first); what `evaluate` would
        return for `context` whenever it is not None.
        """
        if type(context) is Bindings and not self._loops:
            return self._decided(context)
        return None

    def _decided(self, context: Mapping[str, Any]) -> Any:
        """Return the value decided in Python (simple.py, fast.py), None if left undecided."""
        if self._check is not None:
            return self._check(context)
        if self._fast is not None:
            return self._fast(context)
        return None

    def test(self, context: Mapping[str, Any]) -> bool | None:
        """Return True or False, or None when the expression is not applicable.

        Not applicable means an answer it reads is missing (null). A failure with every
        value there (division by zero, a type the checker could not see) is a mistake in
        the definition: RuleFailed, which callers report and never count as a pass.
        BudgetExceeded is raised too: values too large to evaluate are refused.
        """
        try:
            value = self.evaluate(context)
        except BudgetExceeded:
            raise
        except EvaluationError as exc:
            if exc.absent or any(_has_null(context.get(name)) for name in self.identifiers):
                return None
            raise RuleFailed(exc.message) from None
        return value if isinstance(value, bool) else None

    def holds(self, context: Mapping[str, Any], what: str, on_failure: bool) -> bool:
        """Return whether the expression is true; log a run-time failure, give `on_failure`."""
        decided = self.decided(context)
        if decided is not None:
            return decided is True  # what `evaluate` and `test` would make of it
        try:
            return self.test(context) is True
        except RuleFailed as exc:
            log.error("expression failed: %s: %s", what, exc.message)
            return on_failure


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


@lru_cache(maxsize=512)
def date_bound(spec: str, today: date) -> date:
    """Return the day a date field's `min`/`max` stands for on `today`.

    Versions stored before expressions (`today + 3 months`) still work for their cases.
    """
    if legacy_date_bound(spec) is not None:
        return resolve_date_bound(spec, today)
    value = compile_expression(spec).evaluate({})
    if not isinstance(value, datetime):
        raise ExpressionError(f"not a date: {spec!r}")
    return value.date()


def check_expression(source: str, scope: Mapping[str, CelType]) -> CelType:
    """Return the type of `source`; raise ExpressionError at the first mistake.

    Parse errors, unknown names, unknown functions and comparisons or arithmetic of
    unlike types are refused with the line and column inside the expression.
    """
    tree = _parse(source)
    result = infer(tree, scope, source)
    _compile(source)  # the interpreter must accept it too
    return result


def check_expression_cost(expression: Expression, bounds: Mapping[str, int]) -> None:
    """Raise CostTooHigh when `expression` may cost more than MAX_COST steps.

    `bounds` gives the longest a list may be, by name or dotted path (`persons`,
    `data.persons`); other lists count as `cost.DEFAULT_LIST_BOUND` items.
    """
    check_cost(expression.source, expression.cost_plan, bounds)


def syntax_tree(source: str) -> Any:
    """Return the parse tree of `source` (cel-python's lark tree), e.g. to translate it."""
    return _parse(source)


def fields_read(expression: Expression, name: str) -> frozenset[str] | None:
    """Return the fields `expression` reads of the items of the list of maps `name`.

    None when it may use an item as a whole (see `names.item_fields_read`): then the
    items must be complete maps. A map holding only the fields read gives the same result.
    """
    return item_fields_read(_parse(expression.source), name)


@lru_cache(maxsize=4096)
def _compile(source: str) -> Expression:
    tree = _parse(source)
    identifiers = frozenset(str(token) for token in referenced_names(tree))
    try:
        program = native_cel.compile(source)
    except (ValueError, RuntimeError) as exc:
        raise ExpressionError(f"cannot parse {source!r}: {str(exc).splitlines()[0]}") from None
    return Expression(
        source, program, identifiers, simple_check(tree), plan(tree), fast_check(tree)
    )


@lru_cache(maxsize=4096)
def _parse(source: str) -> Any:
    if not isinstance(source, str) or not source.strip():
        raise ExpressionError("empty expression")
    with _parse_lock:
        try:
            return _environment.compile(source)
        except celpy.CELParseError as exc:
            raise _parse_error(source, exc.line or 1, exc.column or 1) from None
        except Exception as exc:  # lark raises a few other errors for odd input
            raise ExpressionError(f"cannot parse {source!r}: {exc}") from None


def _parse_error(source: str, line: int, column: int) -> ExpressionError:
    """Say what the parser stopped at: the end of the text or an unexpected character."""
    lines = source.splitlines() or [""]
    text = lines[min(line, len(lines)) - 1]
    rest = text[column - 1 :].strip()
    if line >= len(lines) and (len(rest) <= 2 or (rest[0] in "\"'" and " " not in rest)):
        after = f" after {rest!r}" if rest else ""
        return ExpressionError(
            f"cannot parse: the expression ends too early{after}", column, line, max(1, len(rest))
        )
    return ExpressionError(f"cannot parse: unexpected {text[column - 1]!r}", column, line)


def _has_null(value: Any) -> bool:
    """Say whether `value` is null or holds a null anywhere (an unanswered question)."""
    if value is None:
        return True
    if isinstance(value, Mapping):
        return any(_has_null(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_has_null(v) for v in value)
    return False


def _evaluation_error(source: str, exc: Exception) -> EvaluationError:
    error = EvaluationError(f"{source!r}: {exc}")
    # A missing map key or list item is an unanswered question, like null.
    error.absent = isinstance(exc, KeyError | IndexError)
    return error
