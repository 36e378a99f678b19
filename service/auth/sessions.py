"""Sessions kept on the server: the cookie holds only a random token pointing at them.

A session is a row of `user_sessions` (or a Redis key when Redis is configured), keyed by
the SHA-256 of the cookie's token. Logging out deletes it; idle and absolute time-outs
are checked here on every request, from the row's own timestamps, so an old cookie is
worth nothing once its session has ended; an administrator can list and end the sessions
of one person.

Why not Flask-Session: it keeps sessions on the server well, but it cannot find the
sessions of one person, which ending them (an administrator, a disabled account, changed
roles) needs. This interface is small: Flask's own `SessionInterface`, Flask's tagged JSON
serialiser (the same the cookie sessions used, so Flask-WTF's CSRF token and every other
value keep working), and two stores: a table with an indexed `user_id`, or Redis keys with
a set of keys per person.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from flask import Flask, Request, Response
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SecureCookieSession, SessionInterface
from redis.exceptions import RedisError
from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from service.auth.models import UserSession
from service.auth.session_cookies import forget_cookie, set_cookie, vary_on_cookie
from service.extensions import db, utcnow

log = logging.getLogger(__name__)

EXTENSION_KEY = "amtsweg.session_store"
#: Random bytes in a cookie's token.
TOKEN_BYTES = 32
#: Tokens longer than this are not looked up (a real one has 43 characters).
MAX_TOKEN_LENGTH = 128
#: A session's last activity is written at most this often when nothing else changed.
TOUCH_SECONDS = 60
SESSION_USER_ID = "user_id"
#: What an unreachable store raises.
STORE_ERRORS = (SQLAlchemyError, RedisError, OSError)


def hash_token(token: str) -> str:
    """Return the key a cookie's token is stored under (its SHA-256, hex)."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class StoredSession:
    """A session as the store keeps it."""

    key_hash: str
    user_id: int | None
    data: bytes
    created_at: datetime
    last_seen_at: datetime


class SessionStore(Protocol):
    """Where sessions live: the database or Redis."""

    def load(self, key_hash: str) -> StoredSession | None: ...
    def create(self, record: StoredSession, ttl: int) -> None: ...
    def update(self, record: StoredSession, ttl: int) -> None: ...
    def delete(self, key_hash: str) -> None: ...
    def delete_for_user(self, user_id: int) -> int: ...
    def for_user(self, user_id: int) -> list[StoredSession]: ...
    def purge(self, idle_before: datetime, created_before: datetime) -> int: ...
    def finish(self) -> None: ...


class DatabaseStore:
    """Sessions as rows of `user_sessions`, written in the request's database session.

    Changes made by a view (ending a person's sessions) commit with the request; the
    interface's own writes after the response is built commit right away (`finish`).
    """

    table = UserSession.__table__

    def load(self, key_hash: str) -> StoredSession | None:
        row = db.session.execute(select(self.table).where(self.table.c.key_hash == key_hash))
        found = row.mappings().first()
        return StoredSession(**found) if found is not None else None

    def create(self, record: StoredSession, ttl: int) -> None:
        db.session.execute(self.table.insert().values(**record.__dict__))

    def update(self, record: StoredSession, ttl: int) -> None:
        # An UPDATE never brings back a session that was ended meanwhile.
        db.session.execute(
            update(self.table)
            .where(self.table.c.key_hash == record.key_hash)
            .values(user_id=record.user_id, data=record.data, last_seen_at=record.last_seen_at)
        )

    def delete(self, key_hash: str) -> None:
        db.session.execute(delete(self.table).where(self.table.c.key_hash == key_hash))

    def delete_for_user(self, user_id: int) -> int:
        result = db.session.execute(delete(self.table).where(self.table.c.user_id == user_id))
        return int(getattr(result, "rowcount", 0) or 0)

    def for_user(self, user_id: int) -> list[StoredSession]:
        rows = db.session.execute(
            select(self.table)
            .where(self.table.c.user_id == user_id)
            .order_by(self.table.c.last_seen_at.desc())
        )
        return [StoredSession(**row) for row in rows.mappings()]

    def purge(self, idle_before: datetime, created_before: datetime) -> int:
        result = db.session.execute(
            delete(self.table).where(
                or_(
                    self.table.c.last_seen_at < idle_before,
                    self.table.c.created_at < created_before,
                )
            )
        )
        return int(getattr(result, "rowcount", 0) or 0)

    def finish(self) -> None:
        db.session.commit()


class RedisStore:
    """Sessions as Redis keys that expire by themselves, with a set of keys per person."""

    prefix = "amtsweg:session:"
    user_prefix = "amtsweg:user-sessions:"

    def __init__(self, url: str) -> None:
        import redis

        self.redis = redis.Redis.from_url(url)

    def _encode(self, record: StoredSession) -> str:
        return json.dumps(
            {
                "user_id": record.user_id,
                "data": record.data.decode(),
                "created_at": record.created_at.timestamp(),
                "last_seen_at": record.last_seen_at.timestamp(),
            }
        )

    def _decode(self, key_hash: str, raw: bytes | str | None) -> StoredSession | None:
        if raw is None:
            return None
        from datetime import UTC

        item = json.loads(raw)
        return StoredSession(
            key_hash=key_hash,
            user_id=item["user_id"],
            data=str(item["data"]).encode(),
            created_at=datetime.fromtimestamp(item["created_at"], UTC),
            last_seen_at=datetime.fromtimestamp(item["last_seen_at"], UTC),
        )

    def load(self, key_hash: str) -> StoredSession | None:
        return self._decode(key_hash, self.redis.get(self.prefix + key_hash))

    def create(self, record: StoredSession, ttl: int) -> None:
        pipe = self.redis.pipeline()
        pipe.set(self.prefix + record.key_hash, self._encode(record), ex=ttl)
        if record.user_id is not None:
            pipe.sadd(f"{self.user_prefix}{record.user_id}", record.key_hash)
        pipe.execute()

    def update(self, record: StoredSession, ttl: int) -> None:
        # Only if it still exists (xx): an ended session stays ended.
        stored = self.redis.set(
            self.prefix + record.key_hash, self._encode(record), ex=ttl, xx=True
        )
        if stored and record.user_id is not None:
            self.redis.sadd(f"{self.user_prefix}{record.user_id}", record.key_hash)

    def delete(self, key_hash: str) -> None:
        record = self.load(key_hash)
        pipe = self.redis.pipeline()
        pipe.delete(self.prefix + key_hash)
        if record is not None and record.user_id is not None:
            pipe.srem(f"{self.user_prefix}{record.user_id}", key_hash)
        pipe.execute()

    def delete_for_user(self, user_id: int) -> int:
        user_key = f"{self.user_prefix}{user_id}"
        keys = [k.decode() for k in self.redis.smembers(user_key)]  # type: ignore[union-attr]
        pipe = self.redis.pipeline()
        for key_hash in keys:
            pipe.delete(self.prefix + key_hash)
        pipe.delete(user_key)
        results = pipe.execute()
        return sum(int(n) for n in results[: len(keys)])

    def for_user(self, user_id: int) -> list[StoredSession]:
        user_key = f"{self.user_prefix}{user_id}"
        keys = sorted(k.decode() for k in self.redis.smembers(user_key))  # type: ignore[union-attr]
        if not keys:
            return []
        values = self.redis.mget([self.prefix + k for k in keys])
        found = []
        for key_hash, raw in zip(keys, values, strict=True):
            record = self._decode(key_hash, raw)
            if record is None:
                self.redis.srem(user_key, key_hash)  # expired by itself
            elif record.user_id == user_id:
                found.append(record)
        return sorted(found, key=lambda r: r.last_seen_at, reverse=True)

    def purge(self, idle_before: datetime, created_before: datetime) -> int:
        return 0  # keys expire by themselves

    def finish(self) -> None:
        return None


def redis_url(config: Any) -> str | None:
    """Return the Redis URL sessions go to, or None for the database."""
    url = config.get("SESSION_REDIS_URL")
    if url:
        return str(url)
    broker = str(config.get("BROKER_URL") or "")
    return broker if broker.startswith(("redis://", "rediss://", "unix://")) else None


def store(app: Flask) -> SessionStore:
    """Return the app's session store, made on first use."""
    found: SessionStore | None = app.extensions.get(EXTENSION_KEY)
    if found is None:
        url = redis_url(app.config)
        found = RedisStore(url) if url else DatabaseStore()
        app.extensions[EXTENSION_KEY] = found
    return found


class ServerSession(SecureCookieSession):
    """The session of one request; its contents live in the store, not in the cookie."""

    def __init__(
        self,
        initial: Any = None,
        record: StoredSession | None = None,
        stale: bool = False,
        unavailable: bool = False,
    ) -> None:
        super().__init__(initial)
        #: The stored session this one was loaded from (None: nothing stored yet).
        self.record = record
        #: The request brought a cookie that points at no live session.
        self.stale = stale
        #: The store could not be read: leave everything as it is.
        self.unavailable = unavailable
        #: Store the session under a new token at the end of the request (after a login).
        self.renew = False


def limits(config: Any) -> tuple[timedelta, timedelta]:
    """Return the idle and the absolute time-out."""
    return (
        timedelta(minutes=int(config["SESSION_IDLE_MINUTES"])),
        timedelta(hours=int(config["SESSION_ABSOLUTE_HOURS"])),
    )


def is_expired(config: Any, record: StoredSession, now: datetime) -> bool:
    """Say whether a stored session has been idle or alive for too long."""
    idle, absolute = limits(config)
    return now - record.last_seen_at > idle or now - record.created_at > absolute


def _ttl(config: Any, record: StoredSession, now: datetime) -> int:
    idle, absolute = limits(config)
    left = min(idle, absolute - (now - record.created_at))
    return max(1, int(left.total_seconds()))


class ServerSessionInterface(SessionInterface):
    """Flask's session interface for sessions kept in a `SessionStore`."""

    serializer = TaggedJSONSerializer()
    session_class = ServerSession

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        if not request.environ.get("HTTP_COOKIE"):  # an API call, a first visit: no parsing
            return ServerSession()
        token = request.cookies.get(self.get_cookie_name(app))
        if not token:
            return ServerSession()
        if len(token) > MAX_TOKEN_LENGTH:
            return ServerSession(stale=True)
        sessions = store(app)
        try:
            record = sessions.load(hash_token(token))
            if record is not None and is_expired(app.config, record, utcnow()):
                sessions.delete(record.key_hash)
                sessions.finish()
                record = None
        except STORE_ERRORS as exc:
            # The page decides what to do without a database; nobody is logged in meanwhile.
            log.warning("session store unavailable (%s)", type(exc).__name__)
            db.session.rollback()
            return ServerSession(unavailable=True)
        if record is None:
            return ServerSession(stale=True)
        try:
            data = self.serializer.loads(record.data.decode())
        except (ValueError, UnicodeDecodeError):
            return ServerSession(stale=True)
        return ServerSession(data, record=record)

    def save_session(  # type: ignore[override]
        self, app: Flask, session: ServerSession, response: Response
    ) -> None:
        if session.accessed:
            vary_on_cookie(response)
        if session.unavailable:
            return
        try:
            self._save(app, session, response)
        except STORE_ERRORS as exc:
            # The answer is built already; the session simply stays as it was.
            log.warning("session not saved: store unavailable (%s)", type(exc).__name__)
            db.session.rollback()

    def _save(self, app: Flask, session: ServerSession, response: Response) -> None:
        sessions = store(app)
        record = session.record
        if not session:
            if record is not None:
                sessions.delete(record.key_hash)
                sessions.finish()
            if record is not None or session.stale:
                forget_cookie(self, app, response)
            return
        now = utcnow()
        user_id = session.get(SESSION_USER_ID)
        data = self.serializer.dumps(dict(session)).encode()
        if record is not None and session.renew:
            sessions.delete(record.key_hash)
            record = None
        if record is None:
            token = secrets.token_urlsafe(TOKEN_BYTES)
            fresh = StoredSession(hash_token(token), user_id, data, now, now)
            sessions.create(fresh, _ttl(app.config, fresh, now))
            sessions.finish()
            set_cookie(self, app, response, token)
            return
        if session.modified or (now - record.last_seen_at).total_seconds() > TOUCH_SECONDS:
            changed = replace(record, user_id=user_id, data=data, last_seen_at=now)
            sessions.update(changed, _ttl(app.config, changed, now))
            sessions.finish()


def issue(app: Flask, data: dict[str, Any]) -> str:
    """Store a new session holding `data` and return its cookie's token (tests, tools)."""
    now = utcnow()
    token = secrets.token_urlsafe(TOKEN_BYTES)
    payload = ServerSessionInterface.serializer.dumps(data).encode()
    record = StoredSession(hash_token(token), data.get(SESSION_USER_ID), payload, now, now)
    sessions = store(app)
    sessions.create(record, _ttl(app.config, record, now))
    sessions.finish()
    return token


def init_app(app: Flask) -> None:
    """Keep the app's sessions on the server."""
    app.session_interface = ServerSessionInterface()
