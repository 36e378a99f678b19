"""Computed values (a fee, a number of days): worked out from the answers where shown.

The same values, in the same order, for the portal's check page and case page, the back
office, the API, documents and e-mails. A value whose answers are missing is None.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from babel.numbers import format_currency

from service.definitions.types import FormDefinition
from service.forms.answers import expression_values
from service.forms.display import format_day, format_number, locale_for, yes_no_labels
from service.forms.schema import compile_form
from service.i18n import gettext_for
from service.rules.services import EvaluationError, compile_expression


@dataclass(frozen=True)
class ComputedValue:
    """One computed value: `value` is plain JSON (a fee in cents, a date as YYYY-MM-DD)."""

    key: str
    label: str
    type: str
    value: Any
    display: str
    currency: str | None = None

    def as_json(self) -> dict[str, Any]:
        """Return the value as the API shows it."""
        body = {"key": self.key, "label": self.label, "type": self.type, "value": self.value}
        if self.currency:
            body["currency"] = self.currency
        body["display"] = self.display
        return body


def compute(form: FormDefinition, data: Mapping[str, Any]) -> dict[str, Any]:
    """Return the computed values of `data` by key, as plain JSON values (None if missing)."""
    context = expression_values(compile_form(form), data)
    values: dict[str, Any] = {}
    for c in form.computed:
        try:
            result = compile_expression(c.expression).evaluate(context)
        except EvaluationError:
            result = None
        context[c.key] = result
        values[c.key] = _plain(result)
    return values


def computed_values(
    form: FormDefinition, data: Mapping[str, Any], lang: str
) -> list[ComputedValue]:
    """Return the computed values of `data` with labels and display texts in `lang`."""
    values = compute(form, data)
    return [
        ComputedValue(
            key=c.key,
            label=c.label.get(lang),
            type=c.type,
            value=values[c.key],
            display=display(c.type, values[c.key], lang, c.currency),
            currency=c.currency,
        )
        for c in form.computed
    ]


def display(kind: str, value: Any, lang: str, currency: str | None = None) -> str:
    """Return a computed value as a person reads it: "150,00 €", "26.11.2026", "ja"."""
    if value is None:
        return gettext_for(lang).gettext("Not answered")
    if kind == "fee":
        amount = Decimal(int(value)) / 100
        return str(format_currency(amount, currency or "EUR", locale=locale_for(lang)))
    if kind == "date":
        return format_day(datetime.fromisoformat(value).date(), lang)
    if kind == "yesno":
        return yes_no_labels(lang)[bool(value)]
    if kind == "number":
        return format_number(value, lang)
    return str(value)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    return str(value)
