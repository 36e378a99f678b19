"""Local dates and relative date bounds such as "today - 14 days"."""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from service.rules.errors import ExpressionError

#: The city's time zone: "today" is the date on the town hall's calendar.
LOCAL_TIMEZONE = ZoneInfo("Europe/Berlin")

_RELATIVE = re.compile(r"today(?:\s*([+-])\s*(\d{1,4})\s*(day|week|month|year)s?)?")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def local_today() -> date:
    """Return today's date in Europe/Berlin (computed now, so frozen clocks are honoured)."""
    return datetime.now(LOCAL_TIMEZONE).date()


def add_months(day: date, months: int) -> date:
    """Return `day` moved by `months`, clamped to the end of a shorter month."""
    year, month_index = divmod(day.month - 1 + months, 12)
    year += day.year
    last = calendar.monthrange(year, month_index + 1)[1]
    return date(year, month_index + 1, min(day.day, last))


def resolve_date_bound(spec: str, today: date) -> date:
    """Return the date that `spec` ("today", "today + 3 months", "2026-01-01") stands for."""
    text = spec.strip().lower() if isinstance(spec, str) else ""
    if _ISO_DATE.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise ExpressionError(f"not a valid date: {spec!r}") from None
    match = _RELATIVE.fullmatch(text)
    if match is None:
        raise ExpressionError(
            f"not a date bound: {spec!r} (use an ISO date, 'today' or 'today - 14 days')"
        )
    sign, amount, unit = match.groups()
    if sign is None:
        return today
    n = int(amount) * (-1 if sign == "-" else 1)
    if unit == "day":
        return today + timedelta(days=n)
    if unit == "week":
        return today + timedelta(weeks=n)
    if unit == "month":
        return add_months(today, n)
    return add_months(today, 12 * n)


def is_date_bound(spec: object) -> bool:
    """Say whether `spec` is a valid date bound for a date field's `min` or `max`."""
    if not isinstance(spec, str):
        return False
    try:
        resolve_date_bound(spec, date(2000, 1, 1))
    except ExpressionError:
        return False
    return True


def legacy_date_bound(spec: str) -> str | None:
    """Return the expression for a date bound in the first edition's form, else None.

    `today + 3 months` became `add_months(today(), 3)`, `today - 14 days` became
    `today() - days(14)`, `2026-01-01` became `date("2026-01-01")`: one way to write dates.
    """
    text = spec.strip().lower()
    if _ISO_DATE.fullmatch(text):
        return f'date("{text}")'
    match = _RELATIVE.fullmatch(text)
    if match is None:
        return None
    sign, amount, unit = match.groups()
    if sign is None:
        return "today()"
    n = int(amount)
    if unit in ("day", "week"):
        days = n * (7 if unit == "week" else 1)
        return f"today() {sign} days({days})"
    months = n * (12 if unit == "year" else 1)
    return f"add_months(today(), {'-' if sign == '-' else ''}{months})"
