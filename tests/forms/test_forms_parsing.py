"""Reading dates as people type them: ISO and German, refused with the same errors."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from service.forms.parsing import parse_date


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2020-01-15", date(2020, 1, 15)),
        (" 2020-01-15 ", date(2020, 1, 15)),
        ("15.01.2020", date(2020, 1, 15)),
        ("5.1.2020", date(2020, 1, 5)),
        ("\uff12\uff10\uff12\uff10-01-15", date(2020, 1, 15)),  # full-width digits: not ISO
        (date(2020, 1, 15), date(2020, 1, 15)),
    ],
)
def test_dates_are_read(text: object, day: date) -> None:
    assert parse_date(text) == day


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2020-02-31", "day is out of range for month"),
        ("0000-01-01", "year 0 is out of range"),
        ("2020-13-01", "month must be in 1..12"),
        ("2020-1-01", "not a date"),
        ("2020-W01-1", "not a date"),
        ("", "not a date"),
        (20200101, "not a date"),
        (datetime(2020, 1, 15), "not a date"),  # a datetime is not a date here
    ],
)
def test_what_is_not_a_date_is_refused(text: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_date(text)
