"""Relative date bounds of date fields: "today", "today - 14 days", ISO dates."""

from __future__ import annotations

from datetime import date

import pytest
from freezegun import freeze_time

from service.rules.services import (
    ExpressionError,
    is_date_bound,
    local_today,
    resolve_date_bound,
)

TODAY = date(2026, 3, 2)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("today", date(2026, 3, 2)),
        ("today - 14 days", date(2026, 2, 16)),
        ("today + 1 day", date(2026, 3, 3)),
        ("today+2 weeks", date(2026, 3, 16)),
        ("today + 3 months", date(2026, 6, 2)),
        ("today - 1 month", date(2026, 2, 2)),
        ("today - 18 years", date(2008, 3, 2)),
        ("  Today  ", date(2026, 3, 2)),
        ("2026-01-01", date(2026, 1, 1)),
    ],
)
def test_bounds_resolve_against_today(spec, expected):
    assert resolve_date_bound(spec, TODAY) == expected


def test_months_are_clamped_to_shorter_months():
    assert resolve_date_bound("today + 1 month", date(2026, 1, 31)) == date(2026, 2, 28)
    assert resolve_date_bound("today + 1 year", date(2028, 2, 29)) == date(2029, 2, 28)


@pytest.mark.parametrize(
    "spec", ["tomorrow", "today - 14", "today - two days", "today * 2 days", "2026-02-30", ""]
)
def test_bad_bounds_are_refused(spec):
    with pytest.raises(ExpressionError):
        resolve_date_bound(spec, TODAY)
    assert is_date_bound(spec) is False


def test_is_date_bound_for_the_checker():
    assert is_date_bound("today + 3 months") is True
    assert is_date_bound(14) is False


@freeze_time("2026-12-31 23:30:00")
def test_local_today_is_berlin_time():
    assert local_today() == date(2027, 1, 1)
