"""The shortcuts that make validation fast decide exactly as the plain paths do.

Shared interpreter contexts (`Bindings`), conditions decided in Python, items handed to
CEL with only the fields read, and answers loaded without marshmallow's machinery: each
is compared with the path it replaces on many values.
"""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from marshmallow import ValidationError

from service.definitions.services import load_definitions
from service.forms.schema import compile_form
from service.rules.services import Bindings, EvaluationError, compile_expression, fields_read

ROOT = Path(__file__).resolve().parent.parent

VALUES: list[Any] = [
    None,
    "",
    "a",
    "b",
    "Köln",
    "\ud800",  # a lone surrogate: the interpreter cannot take it
    True,
    False,
    0,
    1,
    1.0,
    2**70,  # too big for the interpreter
    [],
    ["a"],
    {"a": 1},
    datetime(2020, 1, 1, tzinfo=UTC),
    timedelta(days=1),
]

SIMPLE = [
    'x == "a"',
    "x == 'a'",
    'x != "a"',
    "x == true",
    "x == false",
    "x != true",
    "x == null",
    "x != null",
    'x in ["a", "b"]',
    "x in []",
    '(x == "a")',
    'x == "a" || y == "b"',
    'x == "a" && y != null',
    'x == "a" || (y != null && x != "b")',
    'x >= "a"',
    'x < "b" && x > ""',
    'x >= "a" || y == "b"',
    'x >= "a" && y == "c"',
    'y == "c" && x <= "a"',
    'x >= "a" || y >= "b"',
]

OTHER = [
    "x == 1",
    "x",
    "!x",
    'x == "a" ? true : false',
    "size(x) > 0",
    "x.a == 1",
    "x < today()",
    "age(x) < 18",
    "age (x) < 18",  # without "age(" in the text the functions are not offered
    "x >= today() - days(14)",
    "x.all(p, p == 1)",
    'string(x) == "a"',
    'x == "a\\n"',
]


def _tested(expression: Any, context: Any) -> Any:
    """Return what `test` decides, or "failed" when it reports the expression as failing."""
    try:
        return expression.test(context)
    except EvaluationError:
        return "failed"


def _outcome(expression: Any, context: Any) -> Any:
    try:
        value = expression.evaluate(context)
    except EvaluationError:
        return "error"
    return (type(value), value)


@pytest.mark.parametrize("source", SIMPLE + OTHER)
def test_shared_contexts_evaluate_like_plain_ones(source: str) -> None:
    expression = compile_expression(source)
    for x, y in itertools.product(VALUES, VALUES[:9]):
        plain = {"x": x, "y": y}
        shared = Bindings(plain)
        assert _outcome(expression, shared) == _outcome(expression, plain), (x, y)
        assert _tested(expression, shared) == _tested(expression, plain), (x, y)


def test_simple_conditions_are_decided_without_the_interpreter() -> None:
    assert all(compile_expression(s)._check is not None for s in SIMPLE)
    assert all(compile_expression(s)._check is None for s in OTHER)


def test_a_shared_context_follows_rebound_values() -> None:
    expression = compile_expression("age(x) >= 18 && y == 1")
    context = Bindings({"x": datetime(1990, 1, 1, tzinfo=UTC), "y": 1})
    assert expression.test(context) is True
    context.rebind("y", 2)
    assert expression.test(context) is False
    context.rebind("y", 1)
    context.rebind("x", None)
    assert expression.test(context) is None  # age(null) >= 18 is an error


ITEM_RULES = [
    ("persons.all(p, p.a == 1 || p.b == null)", {"a", "b"}),
    ("persons.exists(p, has(p.c)) && persons.size() > 0", {"c"}),
    ("persons.map(p, p.a).size() == 2", {"a"}),
    ("persons.all(p, p.kids.all(k, k.a == 1) && p.b == 2)", {"kids", "b"}),
    ("persons.all(p, persons.exists(q, q.a == p.b))", {"a", "b"}),
    ("persons.all(p, p.missing == null)", {"missing"}),
    ("size(persons) > 1", None),
    ("persons[0].a == 1", None),
    ("persons.filter(p, p.a == 1).size() == 1", None),
    ("persons.all(p, p.size() == 4)", None),
    ('persons.all(p, p["a"] == 1)', None),
    ("persons.all(p, persons.all(p, p.a == 1))", None),
    ("persons.all(p, p == p)", None),
]


@pytest.mark.parametrize(("source", "read"), ITEM_RULES)
def test_items_with_only_the_fields_read_give_the_same_result(
    source: str, read: set[str] | None
) -> None:
    expression = compile_expression(source)
    found = fields_read(expression, "persons")
    assert found == (None if read is None else frozenset(read))
    if found is None:
        return
    rng = random.Random(source)
    keys = ["a", "b", "c", "d", "kids"]
    for _ in range(200):
        items = [
            {k: rng.choice([None, 1, 2, "x", [{"a": 1}], [{"a": 2}]]) for k in keys}
            for _ in range(rng.randint(0, 3))
        ]
        trimmed = [{k: v for k, v in item.items() if k in found} for item in items]
        # The interpreter's result; `test` also looks for nulls in fields it does not read.
        whole = _outcome(expression, {"persons": items})
        assert _outcome(expression, Bindings({"persons": trimmed})) == whole, items


def _marshmallow_load(schema: Any, data: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    try:
        loaded, errors = schema.load(data), {}
    except ValidationError as exc:
        loaded = exc.valid_data if isinstance(exc.valid_data, dict) else {}
        errors = exc.messages if isinstance(exc.messages, dict) else {}
    return {k: v for k, v in loaded.items() if v is not None}, errors


RAW = [
    None,
    "",
    "  ",
    "x",
    "ja",
    "40213",
    "2020-01-01",
    "31.02.2020",
    "DE",
    "+492111234567",
    "a@b.de",
    "1.234,50",
    "single",
    "landlord_details",
    0,
    1,
    True,
    [],
    ["address_books"],
    {},
    {"id": "u1", "name": "a.pdf", "content_type": "application/pdf", "size": 10},
]


def test_answers_load_as_marshmallow_loads_them() -> None:
    registry, problems = load_definitions(str(ROOT))
    assert not problems
    rng = random.Random(7)
    for key in (
        "residence_registration",
        "parking_permit",
        "deregistration",
        "dog_tax",
        "special_use_permit",
    ):
        compiled = compile_form(registry.form(key))
        schemas = [*compiled.schemas.values()]
        for group in compiled.fields:
            schemas.extend(group.item_schemas.values())
        for schema in schemas:
            assert schema.answer_fields is not None
            keys = [k for k, _field in schema.answer_fields]
            for _ in range(300):
                data = {k: rng.choice(RAW) for k in keys if rng.random() < 0.7}
                assert schema.load_answers(data) == _marshmallow_load(schema, data)
            assert schema.load_answers(["not a mapping"]) == _marshmallow_load(  # type: ignore[arg-type]
                schema, ["not a mapping"]
            )
