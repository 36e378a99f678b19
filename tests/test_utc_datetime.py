"""`UTCDateTime` binds on SQLite exactly the text SQLAlchemy's own processing gives."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import TypeDecorator
from sqlalchemy.dialects import postgresql, sqlite

from service.extensions import UTCDateTime, _sqlite_text

SQLITE = sqlite.dialect()


def _sqlalchemy_text(value: datetime | None) -> str | None:
    """The text SQLAlchemy makes: `process_bind_param`, then SQLite's `%`-format."""
    process = TypeDecorator.bind_processor(UTCDateTime().dialect_impl(SQLITE), SQLITE)
    assert process is not None
    return process(value)


def _values() -> list[datetime]:
    rng = random.Random(20261130)
    zones = [UTC, timezone(timedelta(hours=2)), timezone(-timedelta(hours=9, minutes=30))]
    zones.append(ZoneInfo("Europe/Berlin"))
    fixed = [
        datetime(2026, 3, 2, 8, 15, 30, 123456, tzinfo=UTC),
        datetime(2026, 3, 2, 8, 15, 30, tzinfo=UTC),  # no microseconds
        datetime(2026, 3, 2, 8, 15, 30, 1, tzinfo=UTC),
        datetime(999, 1, 1, 0, 0, tzinfo=UTC),  # a year of three digits
        datetime(1, 1, 1, 12, 0, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(2026, 10, 25, 2, 30, tzinfo=ZoneInfo("Europe/Berlin")),  # the DST change
        datetime(2026, 3, 2, 0, 30, tzinfo=timezone(timedelta(hours=2))),  # the day before in UTC
        datetime.now(UTC),
    ]
    drawn = [
        datetime(1970, 1, 1, tzinfo=UTC)
        + timedelta(seconds=rng.randrange(0, 4_000_000_000), microseconds=rng.randrange(10**6))
        for _ in range(2000)
    ]
    return fixed + [d.astimezone(rng.choice(zones)) for d in drawn]


def test_sqlite_text_is_sqlalchemys() -> None:
    for value in _values():
        assert _sqlite_text(value) == _sqlalchemy_text(value), value
    assert _sqlite_text(None) is None is _sqlalchemy_text(None)


def test_the_sqlite_processor_is_the_fast_one_and_refuses_naive_datetimes() -> None:
    process = UTCDateTime().dialect_impl(SQLITE).bind_processor(SQLITE)
    assert process is _sqlite_text
    with pytest.raises(ValueError, match="naive datetime"):
        process(datetime(2026, 3, 2, 8, 15))
    with pytest.raises(ValueError, match="naive datetime"):
        _sqlalchemy_text(datetime(2026, 3, 2, 8, 15))


def test_another_storage_format_or_dialect_keeps_sqlalchemys_processing() -> None:
    pg = postgresql.dialect()
    assert UTCDateTime().dialect_impl(pg).bind_processor(pg) is not _sqlite_text
    truncated = UTCDateTime()
    truncated.impl = sqlite.DATETIME(truncate_microseconds=True)
    process = truncated.dialect_impl(SQLITE).bind_processor(SQLITE)
    assert process is not None and process is not _sqlite_text
    assert process(datetime(2026, 3, 2, 8, 15, 30, 5, tzinfo=UTC)) == "2026-03-02 08:15:30"
