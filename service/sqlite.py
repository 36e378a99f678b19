"""The embedded database: SQLite settings and a fair queue for its one writer at a time.

Two things make SQLite serve several web processes well:

- **WAL with a configurable `synchronous` level** (`configure_connection`): readers go on
  while a request writes, a long read no longer holds up the next commit, and a commit
  appends to the log instead of rewriting a rollback journal.
- **A write gate** (`GatedConnection`): SQLite lets one transaction write at a time and
  makes the others wait in its busy handler, which sleeps 1, 2, 5, 10, ... up to 100 ms
  between attempts. Under load the waiting requests back off further and further and
  miss the moments the lock is free: at 16 concurrent submissions some waited a whole
  second. The gate is an exclusive file lock (`<database>.writelock`) taken just before
  a connection's first write and released right after its commit or rollback; waiting
  writers poll it every half millisecond, so the next one starts as soon as the last
  one is done. It orders writers across threads and processes alike; SQLite's own lock
  still guards the data, the gate only decides who tries next. A writer that cannot
  get the gate within the connection's timeout gets SQLite's own "database is locked".

The same connection class sends BEGIN before a SAVEPOINT that would otherwise come
first (`GatedCursor.execute`): pysqlite sends BEGIN only before the first
INSERT/UPDATE/DELETE, so such a SAVEPOINT opens a transaction of its own and its RELEASE
commits it, half a request written even when the request then fails. Reads keep
pysqlite's behaviour (no lock held between statements), which the embedded default's
concurrency needs. It is done here rather than in SQLAlchemy's `savepoint` event: any
listener of connection events makes SQLAlchemy join and dispatch the engine's events on
every connection, begin and commit (about 65,000 instructions of a submission).

No library does this for pysqlite (apsw could set a busy handler, at the price of another
driver), so it is written here and kept small. The bench's bare stack uses the same
engine options, so both sides of the comparison run alike.
"""

from __future__ import annotations

import fcntl
import os
import re
import sqlite3
import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

#: `synchronous` levels SQLite accepts (https://sqlite.org/pragma.html#pragma_synchronous).
SYNCHRONOUS_LEVELS = ("OFF", "NORMAL", "FULL", "EXTRA")
#: How often a waiting writer looks at the gate again.
GATE_POLL_SECONDS = 0.0005
#: Statements that take SQLite's write lock.
_WRITES = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER)\b", re.IGNORECASE)
#: A savepoint's start (not its RELEASE or ROLLBACK TO).
_SAVEPOINT = re.compile(r"\s*SAVEPOINT\b", re.IGNORECASE)


def synchronous_level(value: str) -> str:
    """Return the `synchronous` level named by `value`, or raise a clear ValueError."""
    level = value.strip().upper()
    if level not in SYNCHRONOUS_LEVELS:
        raise ValueError(
            f"AMTSWEG_SQLITE_SYNCHRONOUS is {value!r}; use one of " + ", ".join(SYNCHRONOUS_LEVELS)
        )
    return level


def configure_connection(dbapi_connection: Any, synchronous: str = "NORMAL") -> None:
    """Put an SQLite connection in write-ahead-log mode with the given `synchronous` level.

    With `synchronous=NORMAL` a commit does not wait for the disk: an application crash
    loses nothing, a power cut can lose the last commits but never corrupts the
    database. That is SQLite's recommendation for applications (and the default of
    Rails 8, for example); `AMTSWEG_SQLITE_SYNCHRONOUS=FULL` makes every commit durable
    at the price of one disk sync each.
    """
    level = synchronous_level(synchronous)
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={level}")
    finally:
        cursor.close()


class GatedCursor(sqlite3.Cursor):
    """A cursor of a `GatedConnection`: takes the write gate before the first write.

    A SAVEPOINT outside a transaction gets its BEGIN first (module docstring).
    """

    connection: GatedConnection

    # try/finally rather than a context manager: every statement passes here, and a
    # generator-based one cost about 0.8 µs of the 1.7 µs a gated `SELECT 1` took.
    def execute(self, sql: str, parameters: Any = (), /) -> GatedCursor:
        """Run `sql`, first taking the gate if it writes."""
        connection = self.connection
        if not connection.in_transaction and _SAVEPOINT.match(sql):
            super().execute("BEGIN")
        connection.enter_gate(sql)
        try:
            super().execute(sql, parameters)
        finally:
            connection.leave_gate()
        return self

    def executemany(self, sql: str, seq_of_parameters: Any, /) -> GatedCursor:
        """Run `sql` for each parameter set, first taking the gate if it writes."""
        connection = self.connection
        connection.enter_gate(sql)
        try:
            super().executemany(sql, seq_of_parameters)
        finally:
            connection.leave_gate()
        return self


class GatedConnection(sqlite3.Connection):
    """An SQLite connection that holds the database's write gate while it writes.

    Pass it as `factory` to `sqlite3.connect` (SQLAlchemy: `connect_args`); an in-memory
    database has no gate.
    """

    def __init__(self, database: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(database, *args, **kwargs)
        name = os.fspath(database)
        self._gate_path = None if name in ("", ":memory:") or name.startswith("file:") else name
        self._gate_fd: int | None = None
        self._gate_held = False
        self._gate_timeout = float(kwargs.get("timeout", args[0] if args else 5.0))

    def cursor(self, factory: Any = GatedCursor) -> Any:
        """Return a cursor that honours the gate."""
        return super().cursor(factory)

    def execute(self, sql: str, parameters: Any = (), /) -> Any:
        """Run `sql` on a new gated cursor (the C shortcut would bypass `cursor`)."""
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql: str, seq_of_parameters: Any, /) -> Any:
        """Run `sql` for each parameter set on a new gated cursor."""
        return self.cursor().executemany(sql, seq_of_parameters)

    def enter_gate(self, sql: str) -> None:
        """Take the gate before `sql` if it writes; `leave_gate` after it, in any case.

        The gate is kept while a transaction is open. A failed first write leaves no
        transaction open, and then the gate goes at once.
        """
        if (
            not self._gate_held
            and self._gate_path is not None
            and self.isolation_level is not None
            and _WRITES.match(sql)
        ):
            self._acquire()

    def leave_gate(self) -> None:
        """Let the next writer in after a statement, unless a transaction is still open."""
        if self._gate_held and not self.in_transaction:
            self._release()

    def commit(self) -> None:
        """Commit, then let the next writer in."""
        try:
            super().commit()
        finally:
            self._release()

    def rollback(self) -> None:
        """Roll back, then let the next writer in."""
        try:
            super().rollback()
        finally:
            self._release()

    def close(self) -> None:
        """Close the connection and the gate's file."""
        try:
            super().close()
        finally:
            self._release()
            if self._gate_fd is not None:
                os.close(self._gate_fd)
                self._gate_fd = None

    def _acquire(self) -> None:
        assert self._gate_path is not None
        if self._gate_fd is None:
            self._gate_fd = os.open(self._gate_path + ".writelock", os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + self._gate_timeout
        while True:
            try:
                fcntl.flock(self._gate_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                self._gate_held = True
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise sqlite3.OperationalError("database is locked") from None
                time.sleep(GATE_POLL_SECONDS)

    def _release(self) -> None:
        if self._gate_held and self._gate_fd is not None:
            fcntl.flock(self._gate_fd, fcntl.LOCK_UN)
        self._gate_held = False


def engine_options(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return SQLAlchemy engine options for `url`: on SQLite the write gate, no pre-ping."""
    result = dict(options or {})
    if url.startswith("sqlite"):
        # A connection to a local file cannot go stale, so the ping before each checkout
        # (a `SELECT 1` per request, about 3 % of a submission's CPU) checks nothing.
        result.pop("pool_pre_ping", None)
        connect_args = dict(result.get("connect_args") or {})
        connect_args.setdefault("factory", GatedConnection)
        result["connect_args"] = connect_args
    return result


def init_engine(engine: Engine, synchronous: str) -> None:
    """Apply `configure_connection` to every new connection of an SQLite engine."""
    if engine.dialect.name != "sqlite":
        return
    level = synchronous_level(synchronous)  # a wrong setting fails at start, not later

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        configure_connection(dbapi_connection, level)
