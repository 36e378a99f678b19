"""Flask extensions, created once and bound to the app in `create_app`."""

from __future__ import annotations

import weakref
from datetime import UTC, datetime
from typing import Any

from flask_babel import Babel
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import JSON, DateTime, MetaData, TypeDecorator
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Connection
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names, so Alembic migrations look the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
#: Bound by service.web (locale selector, CSRF on every form post).
babel = Babel()
csrf = CSRFProtect()


NAIVE_DATETIME = "naive datetime given; use datetime.now(UTC)"
#: SQLAlchemy's default text of a datetime on SQLite (`sqlalchemy.dialects.sqlite.DATETIME`).
_SQLITE_DATETIME_FORMAT = (
    "%(year)04d-%(month)02d-%(day)02d %(hour)02d:%(minute)02d:%(second)02d.%(microsecond)06d"
)


def _sqlite_text(value: datetime | None) -> str | None:
    """Return an aware datetime as SQLAlchemy's SQLite text of it in UTC (`UTCDateTime`)."""
    if value is None:
        return None
    zone = value.tzinfo
    if zone is None:
        raise ValueError(NAIVE_DATETIME)
    if zone is not UTC:
        value = value.astimezone(UTC)
    # "YYYY-MM-DD HH:MM:SS.ffffff+00:00": always six digits of microseconds, the year
    # padded to four, as SQLAlchemy's format; the zone's six characters cut off.
    return value.isoformat(" ", "microseconds")[:-6]


class UTCDateTime(TypeDecorator[datetime]):
    """Store UTC timestamps and always read them back timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(NAIVE_DATETIME)
        value = value.astimezone(UTC)
        return value if dialect.name == "postgresql" else value.replace(tzinfo=None)

    def bind_processor(self, dialect: Any) -> Any:
        """On SQLite, one step from an aware datetime to SQLAlchemy's text for it.

        SQLAlchemy would run `process_bind_param` (convert, drop the zone) and then the
        SQLite type's `%`-format over a dict of seven fields: 2.5 µs a value, and a
        submission binds eleven (case, first event, outbox rows, Idempotency-Key record).
        `isoformat` gives the very same text (`_sqlite_text`, held to SQLAlchemy's by a
        test) in 1.1 µs. Any other dialect, or a storage format other than SQLite's
        default, keeps SQLAlchemy's own processing.
        """
        if dialect.name == "sqlite":
            impl = self.impl_instance.dialect_impl(dialect)
            if getattr(impl, "_storage_format", None) == _SQLITE_DATETIME_FORMAT:
                return _sqlite_text
        return super().bind_processor(dialect)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


#: JSON that becomes JSONB on PostgreSQL.
JSONType = JSON().with_variant(JSONB(), "postgresql")


def insert_unless_exists(row: Any) -> bool:
    """Insert `row` in a savepoint; return False when a unique constraint says it exists.

    The one way to create a row that a concurrent request or worker may create too: the
    loser's savepoint rolls back, its transaction goes on, and the caller reads the winner.
    """
    from sqlalchemy.exc import IntegrityError

    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        return False
    return True


#: Key of `core`'s connection in `Session.info`: (weak reference to the root transaction,
#: connection).
_CORE_CONNECTION = "amtsweg.core_connection"


def core() -> Connection:
    """Return the connection of the current transaction, for plain SQL statements.

    The hot paths (a submission runs about ten statements) send simple statements this
    way: it skips the ORM's statement handling, about half of the client-side cost of a
    statement. Such statements do not flush pending objects first, so use it only where
    nothing is pending or after a flush, and never for rows the session holds as objects.

    The connection is kept in the session's `info` with the root transaction it belongs
    to and handed out again while that transaction is active: `Session.connection()`
    costs about 2.2 µs of CPU a call (the bind looked up, the transaction's checks) and a
    submission asks seven times, this look-up about 0.7 µs. Once the transaction has
    ended (commit, rollback) or failed, or while a failed savepoint awaits its rollback,
    `Session.connection()` answers again, so it begins the next transaction or raises
    exactly as before. A savepoint runs on its root transaction's connection, so the
    same connection is right for it.
    """
    session = db.session()
    root = session.get_transaction()
    kept = session.info.get(_CORE_CONNECTION)
    if kept is not None and kept[0]() is root and root is not None and root.is_active:
        nested = session.get_nested_transaction()
        if nested is None or nested.is_active:
            return kept[1]
    connection = session.connection()
    # A weak reference: the transaction refers to the session, so a strong one in the
    # session's `info` made a reference cycle of every request's session, transaction and
    # connection (about 40 objects) that only the garbage collector freed.
    session.info[_CORE_CONNECTION] = (weakref.ref(session.get_transaction()), connection)
    return connection


def utcnow() -> datetime:
    """Return the current time, timezone-aware, in UTC."""
    return datetime.now(UTC)
