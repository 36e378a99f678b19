"""Read computed values and date bounds: the parts of a form that are expressions.

`r` is the definitions reader (`reader.Reader`), passed in so this module needs no import
of the loader.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from service.definitions import schemas
from service.definitions.constants import COMPUTED_TYPES
from service.definitions.types import ComputedDefinition
from service.definitions.yamlio import LineDict
from service.engine.types import Text


def parse_computed(r: Any, doc: LineDict) -> tuple[ComputedDefinition, ...]:
    found = []
    for line, item in r.items(doc, "computed", "form", required=False):
        if not r.keys(item, "computed value", schemas.COMPUTED, line):
            continue
        key = r.name(item, "key", "computed value")
        what = f"computed value '{key}'"
        kind = str(item.get("type", "number"))
        if kind not in COMPUTED_TYPES:
            r.problems.add(
                item.line_of("type"),
                f"{what}: unknown type {kind!r} (known: {', '.join(sorted(COMPUTED_TYPES))})",
            )
        currency = r.string(item, "currency", what)
        if kind == "fee":
            currency = currency or "EUR"
            if not re.fullmatch(r"[A-Z]{3}", currency):
                r.problems.add(
                    item.line_of("currency"), f"{what}: 'currency' must be a code like EUR"
                )
        elif currency is not None:
            r.problems.add(item.line_of("currency"), f"{what}: only a fee has a 'currency'")
        found.append(
            ComputedDefinition(
                key=key,
                label=r.text(item, "label", what) or Text(key),
                expression=r.expression(item, "expression", what) or "",
                type=kind,
                currency=currency,
                line=item.line,
            )
        )
    return tuple(found)


def limit(r: Any, obj: LineDict, key: str, ftype: str) -> tuple[Decimal | str | None, Text | None]:
    """Read a field's `min` or `max` and the message shown when an answer passes it.

    Written either bare (`max: today()`) or with its own message
    (`max: {value: today(), message: {de: ..., en: ...}}`).
    """
    value = obj.get(key)
    if value is None:
        return None, None
    what = f"field '{obj.get('key')}': '{key}'"
    message = None
    if isinstance(value, LineDict):
        r.keys(value, what, schemas.LIMIT)
        message = r.text(value, "message", what)
        if value.get("value") is None:
            return None, message
        holder, holder_key = value, "value"
    else:
        holder, holder_key = obj, key
    if ftype == "date":
        return date_bound(r, holder, holder_key, what), message
    if ftype not in ("number", "money"):
        r.problems.add(obj.line_of(key), f"{what}: only number, money and date fields have limits")
        return None, None
    try:
        return Decimal(str(holder.get(holder_key))), message
    except InvalidOperation:
        r.problems.add(holder.line_of(holder_key), f"{what} must be a number")
        return None, None


def date_bound(r: Any, obj: LineDict, key: str, what: str | None = None) -> str | None:
    """Read a date field's `min`/`max`: an expression like `today() - days(14)`."""
    from service.rules.services import ExpressionError, check_expression, legacy_date_bound

    value = obj.get(key)
    what = what or f"field '{obj.get('key')}': '{key}'"
    text = value if isinstance(value, str) else getattr(value, "isoformat", lambda: None)()
    if text is None:
        r.problems.add(obj.line_of(key), f"{what} must be a date expression like today()")
        return None
    suggestion = legacy_date_bound(text)
    if suggestion is not None:
        r.problems.add(
            obj.line_of(key),
            f"{what}: dates are written as expressions, like everywhere else: "
            f"write '{suggestion}' instead of '{text}'",
        )
        return text
    from service.definitions.expressions import position

    # Where the expression stands in the file, for the column and the caret.
    source = obj.source(key) or text
    try:
        result = check_expression(text, {})
    except ExpressionError as exc:
        at, column = position(r.problems, obj.line_of(key), source, exc.line, exc.column or 0)
        r.problems.add(at, f"{what}: {exc.message}", column, exc.width)
        return None
    if result.kind not in ("timestamp", "dyn"):
        at, column = position(r.problems, obj.line_of(key), source, 1, 1)
        r.problems.add(at, f"{what} must be a date, not a {result}", column, len(text))
    return text
