"""The extra CEL functions of the definition language.

`today()`, `days(n)`, `age(date)`, `date("2026-01-31")` and `add_months(date, n)`: the one
way to write dates in every expression (conditions, rules, date bounds, computed values).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from celpy import celtypes

from service.rules.dates import add_months, local_today
from service.rules.values import date_to_timestamp


def cel_today() -> celtypes.TimestampType:
    """Return today's date in Europe/Berlin as a timestamp at midnight UTC."""
    return date_to_timestamp(local_today())


def cel_days(n: Any) -> celtypes.DurationType:
    """Return a duration of `n` days."""
    if isinstance(n, bool) or not isinstance(n, (int, float)):
        raise TypeError("days() takes a number")
    return celtypes.DurationType(timedelta(days=float(n)))


def completed_years(born: date, today: date) -> int:
    """Return the number of completed years from `born` until `today`."""
    before_birthday = (today.month, today.day) < (born.month, born.day)
    return today.year - born.year - int(before_birthday)


def cel_age(timestamp: Any) -> celtypes.IntType:
    """Return the completed years from `timestamp` until today."""
    if not isinstance(timestamp, celtypes.TimestampType):
        # TypeError makes celpy report "no such overload": the rule is not applicable.
        raise TypeError("age() takes a date")
    return celtypes.IntType(completed_years(timestamp.date(), local_today()))


def cel_date(text: Any) -> celtypes.TimestampType:
    """Return the ISO date `text` ("2026-01-31") as a timestamp at midnight UTC."""
    return date_to_timestamp(date.fromisoformat(str(text)))


def cel_add_months(timestamp: Any, n: Any) -> celtypes.TimestampType:
    """Return the date `n` months after `timestamp` (month ends clamped)."""
    if not isinstance(timestamp, celtypes.TimestampType):
        raise TypeError("add_months() takes a date")
    return date_to_timestamp(add_months(timestamp.date(), int(n)))


#: Bound into every program, so each expression can use them.
FUNCTIONS: dict[str, Any] = {
    "today": cel_today,
    "days": cel_days,
    "age": cel_age,
    "date": cel_date,
    "add_months": cel_add_months,
}


def native_today() -> datetime:
    """Return today's date in Europe/Berlin as midnight UTC (for the native interpreter)."""
    return datetime.combine(local_today(), time(), tzinfo=UTC)


def native_days(n: Any) -> timedelta:
    """Return a duration of `n` days."""
    if isinstance(n, bool) or not isinstance(n, (int, float)):
        raise TypeError("days() takes a number")
    return timedelta(days=float(n))


def native_age(timestamp: Any) -> int | None:
    """Return the completed years from `timestamp` until today; null when not a date."""
    if not isinstance(timestamp, datetime):
        return None  # null: a comparison with it is "not applicable"
    return completed_years(timestamp.date(), local_today())


def native_date(text: Any) -> datetime:
    """Return the ISO date `text` as midnight UTC."""
    if not isinstance(text, str):
        raise TypeError('date() takes a text like "2026-01-31"')
    return datetime.combine(date.fromisoformat(text), time(), tzinfo=UTC)


def native_add_months(timestamp: Any, n: Any) -> datetime:
    """Return the date `n` months after `timestamp` (31 Jan + 1 month = 28 Feb)."""
    if not isinstance(timestamp, datetime) or isinstance(n, bool) or not isinstance(n, int):
        raise TypeError("add_months() takes a date and a whole number")
    return datetime.combine(add_months(timestamp.date(), n), time(), tzinfo=UTC)


#: The same functions for the native (Rust) interpreter, which takes plain Python values.
NATIVE_FUNCTIONS: dict[str, Any] = {
    "today": native_today,
    "days": native_days,
    "age": native_age,
    "date": native_date,
    "add_months": native_add_months,
}
