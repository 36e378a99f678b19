"""Example answers shown next to a question, chosen so that they would be accepted."""

from __future__ import annotations

from datetime import date, timedelta

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
