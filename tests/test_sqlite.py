"""The embedded database's write gate: writers queue fairly and never leave it locked."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest

from service.sqlite import GatedConnection, configure_connection


def _connect(path: Path, timeout: float = 5.0) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=timeout, factory=GatedConnection, check_same_thread=False)
    configure_connection(conn)
    return conn


def _gate_is_free(path: Path) -> bool:
    """Ask as another open file would: can the gate be taken right now?"""
    fd = os.open(f"{path}.writelock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


@pytest.fixture()
def database(tmp_path: Path) -> Path:
    path = tmp_path / "gate.db"
    conn = _connect(path)
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, who TEXT UNIQUE)")
    conn.commit()
    conn.close()
    return path


def test_the_gate_is_held_from_the_first_write_to_the_commit(database: Path) -> None:
    conn = _connect(database)
    conn.execute("SELECT count(*) FROM t").fetchone()
    assert _gate_is_free(database)  # reading takes nothing
    conn.execute("INSERT INTO t (who) VALUES ('a')")
    assert not _gate_is_free(database)
    conn.execute("INSERT INTO t (who) VALUES ('b')")  # the same transaction goes on
    conn.commit()
    assert _gate_is_free(database)
    conn.close()


def test_rollback_and_a_failed_first_write_let_the_next_writer_in(database: Path) -> None:
    conn = _connect(database)
    conn.execute("INSERT INTO t (who) VALUES ('a')")
    conn.rollback()
    assert _gate_is_free(database)
    conn.execute("INSERT INTO t (who) VALUES ('a')")
    conn.commit()
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("INSERT INTO t (who) VALUES ('a')")
    conn.rollback()
    assert _gate_is_free(database)
    conn.close()


def test_a_writer_waits_at_the_gate_and_goes_on_after_the_commit(database: Path) -> None:
    first, second = _connect(database), _connect(database)
    first.execute("INSERT INTO t (who) VALUES ('first')")
    done = threading.Event()
    errors: list[BaseException] = []

    def write() -> None:
        try:
            second.execute("INSERT INTO t (who) VALUES ('second')")
            second.commit()
        except BaseException as exc:  # reported below
            errors.append(exc)
        done.set()

    thread = threading.Thread(target=write)
    thread.start()
    assert not done.wait(0.2)  # blocked while the first writer holds the gate
    first.commit()
    thread.join(5)
    assert done.is_set() and not errors
    rows = [r[0] for r in first.execute("SELECT who FROM t ORDER BY id")]
    assert rows == ["first", "second"]
    first.close()
    second.close()


def test_a_writer_that_cannot_get_the_gate_gets_database_is_locked(database: Path) -> None:
    holder, late = _connect(database), _connect(database, timeout=0.1)
    holder.execute("INSERT INTO t (who) VALUES ('holder')")
    with pytest.raises(sqlite3.OperationalError, match="database is locked"):
        late.execute("INSERT INTO t (who) VALUES ('late')")
    holder.commit()
    late.execute("INSERT INTO t (who) VALUES ('late')")
    late.commit()
    assert [r[0] for r in late.execute("SELECT who FROM t ORDER BY id")] == ["holder", "late"]
    holder.close()
    late.close()


def test_many_concurrent_writers_all_commit(database: Path) -> None:
    """Eight threads with their own connections, each committing 25 transactions."""
    errors: list[BaseException] = []

    def work(n: int) -> None:
        conn = _connect(database)
        try:
            for i in range(25):
                conn.execute("INSERT INTO t (who) VALUES (?)", (f"{n}-{i}",))
                conn.execute("UPDATE t SET who = who WHERE who = ?", (f"{n}-{i}",))
                conn.commit()
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    check = _connect(database)
    assert check.execute("SELECT count(*) FROM t").fetchone()[0] == 200
    check.close()
    assert _gate_is_free(database)


def test_the_app_uses_the_gate_on_sqlite(app: Any) -> None:
    from service.extensions import db

    raw = db.engine.raw_connection()
    try:
        if db.engine.dialect.name == "sqlite":
            assert isinstance(raw.driver_connection, GatedConnection)
        else:
            assert db.engine.dialect.name == "postgresql"
            assert not isinstance(raw.driver_connection, GatedConnection)
    finally:
        raw.close()


@pytest.mark.parametrize("savepoint", ["SAVEPOINT s1", "  savepoint s1"])
def test_a_savepoint_that_comes_first_opens_the_transaction(database: Path, savepoint: str) -> None:
    """Its RELEASE does not commit: the rollback takes the savepoint's writes back too."""
    conn = _connect(database)
    conn.execute(savepoint)
    assert conn.in_transaction
    conn.execute("INSERT INTO t (who) VALUES ('a')")
    conn.execute("RELEASE s1")
    assert conn.in_transaction
    conn.rollback()
    assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 0
    assert _gate_is_free(database)
    conn.close()


def test_without_the_gated_connection_release_commits(database: Path) -> None:
    """What the gated connection prevents: plain pysqlite commits at a first RELEASE."""
    conn = sqlite3.connect(database)
    conn.execute("SAVEPOINT s1")
    conn.execute("INSERT INTO t (who) VALUES ('a')")
    conn.execute("RELEASE s1")
    conn.rollback()
    assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 1
    conn.close()


def test_a_savepoint_within_a_transaction_sends_no_second_begin(database: Path) -> None:
    conn = _connect(database)
    conn.execute("INSERT INTO t (who) VALUES ('a')")
    conn.execute("SAVEPOINT s1")
    conn.execute("INSERT INTO t (who) VALUES ('b')")
    conn.execute("ROLLBACK TO s1")
    conn.execute("RELEASE s1")
    conn.commit()
    assert conn.execute("SELECT who FROM t").fetchall() == [("a",)]
    conn.close()


def test_no_listener_of_ours_turns_on_connection_events(app: Any) -> None:
    """No connection event for every engine (as the savepoint's BEGIN once was one).

    Such a listener makes SQLAlchemy join and dispatch the engine's events on every
    connection, begin and commit of every request.
    """
    from sqlalchemy.engine import Engine

    assert not Engine._has_events
