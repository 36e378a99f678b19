"""Example answers shown next to a question, chosen so that they would be accepted."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from service.definitions.types import FieldDefinition
from service.rules.dates import local_today
from service.rules.services import date_bound

#: The example of a date field without limits that exclude it (a plausible birth date).
DEFAULT_DAY = date(1990, 5, 17)


def example_day(definition: FieldDefinition, today: date | None = None) -> date:
    """Return a day that `definition`'s `min` and `max` allow, for the "for example" hint.

    A date that must lie after next week gets an example after next week, not a birthday
    in 1990: a week after the earliest allowed day, or the earliest day itself when the
    latest allowed day comes sooner.
    """
    today = today or local_today()
    low = date_bound(str(definition.minimum), today) if definition.minimum is not None else None
    high = date_bound(str(definition.maximum), today) if definition.maximum is not None else None
    if (low is None or low <= DEFAULT_DAY) and (high is None or high >= DEFAULT_DAY):
        return DEFAULT_DAY
    if low is not None:
        later = low + timedelta(days=7)
        return later if high is None or later <= high else low
    assert high is not None  # DEFAULT_DAY lies after the latest allowed day
    return high - timedelta(days=7)


#: An answer of each field type, as stored in a case's data (`example_answers`).
_EXAMPLES: dict[str, Any] = {
    "text": "Beispiel",
    "textarea": "Beispiel\nzweite Zeile",
    "email": "anna.beispiel@example.org",
    "phone": "+49 211 1234567",
    "postal_code_de": "40213",
    "iban": "DE89370400440532013000",
    "licence_plate": "D-AB 1234",
    "country": "AT",
    "number": "2",
    "money": "12.50",
    "yesno": True,
    "checkbox": True,
    "file": {"id": "sample", "name": "beispiel.pdf", "content_type": "application/pdf", "size": 1},
}


def example_answer(definition: FieldDefinition) -> Any:
    """Return an answer `definition` could hold (the first option of a choice)."""
    if definition.type == "date":
        return example_day(definition).isoformat()
    if definition.type == "group":
        return [example_answers(definition.fields)]
    if definition.options:
        first = definition.options[0].value
        return [first] if definition.type == "checkboxes" else first
    return _EXAMPLES.get(definition.type, "Beispiel")


def example_answers(fields: Iterable[FieldDefinition]) -> dict[str, Any]:
    """Return a sample case's answers: every field answered, optional and hidden ones too.

    `definitions check` renders each template on it, so a template naming a field the
    form lacks fails there, not when a case reaches the step.
    """
    return {f.key: example_answer(f) for f in fields}
