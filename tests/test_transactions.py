"""One transaction per request: what a failed request wrote is gone, savepoints included."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from service.cases.models import ReferenceCounter
from service.extensions import db


def test_rollback_undoes_a_savepoint_that_was_the_first_write(app: Any) -> None:
    """Regression: pysqlite let RELEASE SAVEPOINT commit when no BEGIN had been sent."""
    with db.session.begin_nested():
        db.session.add(ReferenceCounter(prefix="TT", year=2026, last=7))
    db.session.rollback()
    assert (
        db.session.scalar(select(ReferenceCounter).where(ReferenceCounter.prefix == "TT")) is None
    )


def test_failed_request_leaves_the_database_as_it_was(app: Any, client: Any) -> None:
    """A request answered with an error rolls back everything it flushed."""

    from service.extensions import csrf

    @app.post("/_test/fail-after-write")
    @csrf.exempt
    def fail_after_write() -> tuple[str, int]:
        db.session.add(ReferenceCounter(prefix="FX", year=2026, last=1))
        db.session.flush()
        return "refused", 422

    assert client.post("/_test/fail-after-write").status_code == 422
    db.session.remove()
    assert (
        db.session.scalar(select(ReferenceCounter).where(ReferenceCounter.prefix == "FX")) is None
    )
