"""Statements run on the DBAPI cursor write and refuse exactly as through SQLAlchemy."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event, insert, select
from sqlalchemy.exc import IntegrityError

from service.cases.models import Case
from service.extensions import core, db
from service.jobs.constants import JobStatus
from service.jobs.models import OutboxItem
from service.prepared import Prepared

OUTBOX_COLUMNS = (
    "kind", "key", "payload", "case_id", "status", "attempts", "available_at", "created_at"
)  # fmt: skip


def _outbox_row(key: str) -> dict[str, Any]:
    at = datetime(2026, 3, 2, 8, 15, 30, 123456, tzinfo=UTC)
    return {
        "kind": "webhook_event",
        "key": key,
        "payload": {"reference": "AN-2026-000001", "umlaut": "Straße", "none": None},
        "case_id": None,
        "status": JobStatus.PENDING,
        "attempts": 0,
        "available_at": at,
        "created_at": at,
    }


def _sent_by_sqlalchemy(statement: Any, values: dict[str, Any]) -> tuple[str, Any]:
    """Return the SQL text and parameters `Connection.execute` hands to the driver."""
    sent: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, sql: str, parameters: Any, *_: Any) -> None:
        sent.append((sql, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        core().execute(statement, values)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return sent[0]


def _comparable(parameters: Any) -> Any:
    # psycopg's JSON wrappers do not compare by content.
    def plain(value: Any) -> Any:
        return (type(value), value.obj) if hasattr(value, "obj") else value

    if isinstance(parameters, dict):
        return {k: plain(v) for k, v in parameters.items()}
    return tuple(plain(v) for v in parameters)


def test_a_prepared_insert_sends_what_sqlalchemy_sends(app: Any) -> None:
    """Datetimes, JSON and enums reach the driver converted as `Connection.execute` does."""
    prepared = Prepared(insert(OutboxItem), column_keys=OUTBOX_COLUMNS)
    compiled = prepared.compiled(db.engine.dialect)
    sql, parameters = _sent_by_sqlalchemy(insert(OutboxItem), _outbox_row("a"))
    assert compiled.sql == sql
    assert _comparable(compiled.parameters(_outbox_row("a"))) == _comparable(parameters)


def test_a_prepared_insert_reads_back_as_written(app: Any) -> None:
    """The row reads back through the ORM with its zone, its JSON and its text intact."""
    Prepared(insert(OutboxItem), column_keys=OUTBOX_COLUMNS).executemany(
        [_outbox_row("first"), _outbox_row("second")]
    )
    items = db.session.scalars(select(OutboxItem).order_by(OutboxItem.key)).all()
    assert [i.key for i in items] == ["first", "second"]
    assert items[0].available_at == _outbox_row("x")["available_at"]
    assert items[0].payload == _outbox_row("x")["payload"]
    assert items[0].status == JobStatus.PENDING


def test_a_refused_prepared_statement_raises_sqlalchemys_error(app: Any) -> None:
    """A duplicate is SQLAlchemy's IntegrityError (mapped to a 409), and rolls back."""
    prepared = Prepared(insert(OutboxItem), column_keys=OUTBOX_COLUMNS)
    prepared.execute(_outbox_row("twice"))
    with pytest.raises(IntegrityError):
        prepared.execute(_outbox_row("twice"))
    db.session.rollback()
    assert db.session.scalar(select(OutboxItem.id)) is None


def test_a_column_whose_default_sqlalchemy_would_compute_is_refused(app: Any) -> None:
    """Leaving out `created_at` would store no time at all: refused before anything runs."""
    prepared = Prepared(insert(Case), column_keys=("reference",))
    with pytest.raises(ValueError, match="submitted_at"):
        prepared.execute({"reference": "AN-2026-000001"})


def test_nones_reach_the_driver_as_through_sqlalchemy(app: Any) -> None:
    """A None datetime stays NULL and a None JSON value becomes JSON null, as in SQLAlchemy."""
    columns = (*OUTBOX_COLUMNS, "lease_until", "done_at")
    row = {**_outbox_row("nones"), "payload": None, "lease_until": None, "done_at": None}
    compiled = Prepared(insert(OutboxItem), column_keys=columns).compiled(db.engine.dialect)
    _sql, parameters = _sent_by_sqlalchemy(insert(OutboxItem), row)
    assert _comparable(compiled.parameters(row)) == _comparable(parameters)


def test_a_missing_value_is_named(app: Any) -> None:
    prepared = Prepared(insert(OutboxItem), column_keys=OUTBOX_COLUMNS)
    row = _outbox_row("missing")
    del row["available_at"]
    with pytest.raises(KeyError, match="available_at"):
        prepared.execute(row)
