"""The expressions decided in Python (service/rules/fast.py) give what the interpreter gives.

Each expression is evaluated on many values (nulls, wrong types, missing fields, texts
the interpreter cannot take, numbers beyond 64 bits, dates in other zones) once by the
interpreter alone and once with the Python path in front of it; results, errors and what
`test` makes of them must be the same.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from service.rules.services import (
    Bindings,
    EvaluationError,
    Expression,
    RuleFailed,
    compile_expression,
)
from service.rules.values import to_native

TODAY = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)

SCALARS: list[Any] = [
    None,
    "",
    "a",
    "b",
    "a b",
    "none",
    "Köln",
    "\ud800",  # a lone surrogate: the interpreter cannot take it
    "\uffff",  # the last character of the first plane ...
    "\U0001f600",  # ... orders before one beyond it (UTF-8 and code points agree)
    True,
    False,
    0,
    1,
    2,
    -1,
    2**63 - 1,
    2**63,  # becomes an unsigned number in the interpreter
    -(2**63) - 1,  # becomes a double in the interpreter
    -(2**63),  # its negation overflows
    1.0,
    float("nan"),
    TODAY,
    TODAY - timedelta(days=20),
    TODAY + timedelta(days=900),
    datetime(1, 1, 1, tzinfo=UTC),
    datetime(2010, 5, 17, tzinfo=UTC),
    datetime(2020, 1, 1, tzinfo=timezone(timedelta(hours=2))),
    datetime(2020, 1, 1),  # a date without a zone
    timedelta(days=1),
    b"a",
    [],
    ["a"],
    ["a", 1],
    {"a": "a"},
    {1: "a"},
]

EXPRESSIONS = [
    # What the shipped forms and workflows write.
    'x + " " + y',
    'x[0].a + " " + x[0].b',
    "x >= today()",
    'x.all(p, string(" " + p.a + " ").contains(" " + p.b + " "))',
    'x.all(p, p.a == "none" || p.b >= today())',
    'x == "a" ? 6000 : 3000',
    "x >= today() - days(14)",
    "x + days(14)",
    "x",
    "x >= y",
    "x <= y + days(4)",
    "x.all(d, x.exists_one(e, e.a == d.a))",
    "x.all(d, d.a != true || d.b == true)",
    "age(x) < 18",
    # Each construct on its own.
    "x + y",
    "x - y",
    "x - days(1)",
    "x < y",
    "x <= y",
    "x > y",
    "x == y",
    "x != y",
    "x in y",
    'x in ["a", "b"]',
    'x in ["a", 1]',
    "!x",
    "-x",
    "x ? y : 1",
    "x && y",
    "x || y",
    "(x || y) && !x",
    "x == null",
    "x != null",
    "x.a",
    "x.a.b",
    "x[0]",
    "x[1]",
    'x["a"]',
    "x[y]",
    "x.contains(y)",
    "string(x)",
    "age(x)",
    "days(x)",
    "date(x)",
    "add_months(x, y)",
    "x.all(p, p == y)",
    'x.exists(p, p.a == "a")',
    "x.exists_one(p, p == y)",
    "x == 1",
    "x == 1.5",
    "x < 2",
    "-9223372036854775807 < x",
    "x + 9223372036854775807",
    "x.all(x, x == 1)",  # the macro variable shadows the name
    'x.a == "a" || y.b == "b"',
    'y == "a" && x.a == "a"',
    # An error on either side of || and && (CEL's commutative absorption), in a
    # condition, in a function or an overflow; unicode order; lists compared.
    "date(x) > today() || y",
    "y && date(x) > today()",
    "x + 1 > 0 || y",
    'x[0] == y || y == "a"',
    "(x ? y : !y) || x",
    "x ? (y ? 1 : 2) : 3",
    'x == y ? "s" : x',
    '"ä" + x < "ö"',
    'x in [y, "a"]',
    "-x > 0",
    "x <= today() + days(y)",
    "x.exists(p, p) || y",
    "string(x) + string(y)",
    "x > y || y > x || x == y",
]


#: Always left to the interpreter: a date or duration as the result, a list of mixed
#: types, a comparison with a double.
NEVER_DECIDED = {
    "x + days(14)",
    "x - days(1)",
    "days(x)",
    "date(x)",
    "add_months(x, y)",
    'x in ["a", 1]',
    "x == 1.5",
}


def _values(rng: random.Random, depth: int = 0) -> Any:
    roll = rng.random()
    if depth < 2 and roll < 0.2:
        return [_values(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    if depth < 2 and roll < 0.4:
        keys = rng.sample(["a", "b", "c"], rng.randint(0, 3))
        return {k: _values(rng, depth + 1) for k in keys}
    return rng.choice(SCALARS)


def _interpreter_only(source: str) -> Expression:
    """The expression as the interpreter alone evaluates it (no Python path)."""
    fast = compile_expression(source)
    return Expression(source, fast._program, fast.identifiers, None, fast.cost_plan)


def _outcome(expression: Expression, context: Any) -> Any:
    try:
        value = expression.evaluate(context)
    except EvaluationError as exc:
        return ("error", exc.absent)
    return (type(value), _comparable(value))


def _comparable(value: Any) -> Any:
    """Return `value` comparable with ==: nan as a text, containers in a fixed order.

    The interpreter returns a map's keys in no fixed order; containers are never the
    Python path's results.
    """
    if isinstance(value, list):
        return sorted(repr(_comparable(v)) for v in value)
    if isinstance(value, dict):
        return sorted(repr((k, _comparable(v))) for k, v in value.items())
    return repr(value)


def _tested(expression: Expression, context: Any) -> Any:
    try:
        return expression.test(context)
    except RuleFailed:
        return "failed"


@pytest.mark.parametrize("source", EXPRESSIONS)
def test_the_python_path_decides_as_the_interpreter(source: str) -> None:
    expression, alone = compile_expression(source), _interpreter_only(source)
    rng = random.Random(source)
    contexts = [{"x": x, "y": y} for x in SCALARS for y in SCALARS[:12]]
    contexts += [{"x": _values(rng), "y": _values(rng)} for _ in range(1500)]
    contexts += [{}, {"x": [{"a": "a b", "b": "a"}], "y": "a"}]
    decided = 0
    for context in contexts:
        assert _outcome(expression, context) == _outcome(alone, context), context
        assert _tested(expression, context) == _tested(alone, context), context
        try:  # a shared context holds values as `to_native` makes them
            native = {name: to_native(value) for name, value in context.items()}
        except TypeError:
            continue
        expected = _outcome(alone, Bindings(native))
        assert _outcome(expression, Bindings(native)) == expected, context
        assert _tested(expression, Bindings(native)) == _tested(alone, Bindings(native)), context
        decided += expression._fast is not None and expression._fast(native) is not None
    if expression._fast is not None and source not in NEVER_DECIDED:
        assert decided, "the Python path decided nothing"


def test_the_shipped_expressions_are_decided_in_python() -> None:
    for source in EXPRESSIONS[:14]:
        expression = compile_expression(source)
        assert expression._fast is not None or expression._check is not None, source


def test_unsupported_expressions_are_left_to_the_interpreter() -> None:
    for source in (
        "int(x * 2.0)",
        "size(x) > 0",
        "x.map(p, p.a).size() == 1",
        "has(x.a)",
        "age (x) < 18",  # without "age(" in the text the functions are not offered
        'x == "a\\n"',
        "type(x) == string",
        "{'a': x}.a == 1",
    ):
        assert compile_expression(source)._fast is None, source
