"""People's accounts and sessions, as administrators manage them.

Find a person, list where they are logged in, end one session or all of them, disable
an account (no login, every session ended at once) and purge sessions past their
time-out (a periodic job). The back office's people pages call these.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, session

from service.auth import sessions
from service.auth.models import User
from service.extensions import db, utcnow
from service.jobs import services as jobs


@dataclass(frozen=True)
class SessionInfo:
    """One of a person's sessions as an administrator sees it."""

    key_hash: str
    created_at: datetime
    last_seen_at: datetime
    current: bool


def sessions_of(user: User) -> list[SessionInfo]:
    """Return the live sessions of `user`, most recently used first."""
    now = utcnow()
    mine = (
        session.record.key_hash
        if isinstance(session, sessions.ServerSession) and session.record
        else None
    )
    return [
        SessionInfo(r.key_hash, r.created_at, r.last_seen_at, r.key_hash == mine)
        for r in sessions.store(current_app).for_user(user.id)
        if not sessions.is_expired(current_app.config, r, now)
    ]


def end_session(user: User, key_hash: str) -> bool:
    """End one session of `user`; return False when it is not one of theirs."""
    if not any(s.key_hash == key_hash for s in sessions_of(user)):
        return False
    sessions.store(current_app).delete(key_hash)
    return True


def end_sessions(user: User) -> int:
    """End every session of `user` (on every device); return how many there were."""
    return sessions.store(current_app).delete_for_user(user.id)


def set_disabled(user: User, disabled: bool) -> None:
    """Disable `user` (no login, every session ended) or enable them again."""
    user.disabled_at = utcnow() if disabled else None
    if disabled:
        end_sessions(user)
    db.session.flush()


#: People shown at most by one search.
PEOPLE_PAGE_SIZE = 50


def find_people(query: str = "") -> list[User]:
    """Return people whose name or e-mail contains `query`; staff when `query` is empty."""
    text = query.strip()
    statement = db.select(User).order_by(User.name, User.id).limit(PEOPLE_PAGE_SIZE)
    if text:
        pattern = "%" + text.replace("\\", "").replace("%", "").replace("_", "") + "%"
        statement = statement.where(User.name.ilike(pattern) | User.email.ilike(pattern))
    else:
        # Without a query: the staff (few), not every resident. Roles are a JSON list,
        # written as text `[]` when empty by SQLite and PostgreSQL alike.
        statement = statement.where(sa.cast(User.roles, sa.String) != "[]")
    return list(db.session.scalars(statement))


@jobs.periodic("sessions", every=timedelta(hours=1))
def purge_expired_sessions(now: datetime | None = None) -> int:
    """Delete stored sessions past their time-out; return how many (a periodic job)."""
    now = now or utcnow()
    idle, absolute = sessions.limits(current_app.config)
    return sessions.store(current_app).purge(now - idle, now - absolute)
