"""`extensions.core` hands out the connection `Session.connection()` would, and only then."""

from __future__ import annotations

import gc
import weakref
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, PendingRollbackError

from service.cases.models import ReferenceCounter
from service.extensions import core, db


def test_core_is_the_sessions_connection_within_a_transaction(app: Any) -> None:
    first = core()
    assert first is db.session.connection()
    assert core() is first
    with db.session.begin_nested():
        assert core() is db.session.connection() is first
    assert core() is first
    db.session.rollback()


@pytest.mark.parametrize("end", ["commit", "rollback", "close", "remove"])
def test_a_new_transaction_gets_its_own_connection(app: Any, end: str) -> None:
    first = core()
    getattr(db.session, end)()
    second = core()
    assert second is db.session.connection()
    assert second is not first
    assert first.closed
    db.session.rollback()


def _fail_a_flush_and_expect_both_to_refuse(prefix: str) -> None:
    """Flush a duplicate counter; then the session and `core()` both refuse to go on."""
    db.session.add(ReferenceCounter(prefix=prefix, year=2026, last=2))
    with pytest.raises(IntegrityError):
        db.session.flush()
    with pytest.raises(PendingRollbackError):
        db.session.connection()
    with pytest.raises(PendingRollbackError):
        core()


def test_a_failed_flush_is_refused_as_by_the_session(app: Any) -> None:
    core()
    db.session.add(ReferenceCounter(prefix="CF", year=2026, last=1))
    db.session.flush()
    _fail_a_flush_and_expect_both_to_refuse("CF")
    db.session.rollback()
    assert core() is db.session.connection()
    assert (
        db.session.scalar(select(ReferenceCounter).where(ReferenceCounter.prefix == "CF")) is None
    )
    db.session.rollback()


def test_a_failed_savepoint_is_refused_until_rolled_back(app: Any) -> None:
    outer = core()
    db.session.add(ReferenceCounter(prefix="CS", year=2026, last=1))
    db.session.flush()
    savepoint = db.session.begin_nested()
    _fail_a_flush_and_expect_both_to_refuse("CS")
    savepoint.rollback()
    assert core() is outer is db.session.connection()
    db.session.rollback()


@pytest.mark.parametrize("end", ["commit", "rollback"])
def test_a_finished_session_is_freed_without_the_garbage_collector(app: Any, end: str) -> None:
    """What core() keeps makes no reference cycle of the session, transaction and connection.

    Such a cycle outlived every request until the collector ran, and made it run three
    times as often.
    """
    db.session.remove()
    gc.collect()
    gc.disable()
    try:
        connection = weakref.ref(core())
        session = weakref.ref(db.session())
        transaction = weakref.ref(db.session().get_transaction())
        getattr(db.session, end)()
        db.session.remove()
        assert (session(), transaction(), connection()) == (None, None, None)
    finally:
        gc.enable()
