"""One transaction per request: what a failed request wrote is gone, savepoints included."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, text

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


def test_a_long_read_does_not_hold_up_a_submission(app: Any) -> None:
    """A report reading in one connection while another commits (WAL on SQLite, MVCC on PG)."""
    reader, writer = db.engine.raw_connection(), db.engine.raw_connection()
    sqlite = db.engine.dialect.name == "sqlite"
    try:
        if sqlite:
            reader.execute("BEGIN")
        cursor = reader.cursor()
        cursor.execute("SELECT count(*) FROM reference_counters")
        assert cursor.fetchone()[0] == 0
        wait = writer.cursor()
        wait.execute("PRAGMA busy_timeout = 200" if sqlite else "SET lock_timeout = '200ms'")
        wait.execute("INSERT INTO reference_counters (prefix, year, last) VALUES ('LR', 2026, 1)")
        writer.commit()  # in rollback-journal mode: "database is locked" after 200 ms
        cursor.execute("SELECT count(*) FROM reference_counters")
        assert cursor.fetchone()[0] == (0 if sqlite else 1)  # the reader's snapshot (SQLite)
        reader.rollback()
        cursor = reader.cursor()
        cursor.execute("SELECT count(*) FROM reference_counters")
        assert cursor.fetchone()[0] == 1
    finally:
        reader.close()
        writer.close()


def test_sqlite_commit_durability_follows_the_setting(make_app: Any) -> None:
    app = make_app(SQLITE_SYNCHRONOUS="full")
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            assert db.engine.dialect.name == "postgresql"  # the setting is SQLite's only
            return
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
    with pytest.raises(ValueError, match="AMTSWEG_SQLITE_SYNCHRONOUS"):
        make_app(SQLITE_SYNCHRONOUS="sometimes")


def test_an_answer_refused_at_commit_is_a_whole_answer(
    app: Any, client: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A request whose commit fails gets the security headers, its id and its log line."""
    import json

    from sqlalchemy.exc import OperationalError
    from sqlalchemy.orm import scoped_session

    from service.extensions import csrf

    @app.post("/_test/locked-at-commit")
    @csrf.exempt
    def locked_at_commit() -> tuple[str, int]:
        def locked() -> None:
            raise OperationalError("COMMIT", {}, Exception("database is locked"))

        monkeypatch.setattr(scoped_session, "commit", lambda self: locked())
        return "written", 201

    capsys.readouterr()
    answer = client.post("/_test/locked-at-commit", headers={"X-Request-ID": "commit-fails-1"})
    monkeypatch.undo()
    assert answer.status_code == 503
    assert answer.headers["X-Request-ID"] == "commit-fails-1"
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert answer.headers["Content-Security-Policy"]
    lines = [json.loads(x) for x in capsys.readouterr().err.splitlines() if x.startswith("{")]
    logged = [x for x in lines if x.get("logger") == "amtsweg.access"]
    assert [(x["status"], x["request_id"]) for x in logged] == [(503, "commit-fails-1")]
