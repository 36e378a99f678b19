"""Public API of the outbox: queue effects in a transaction, run them after commit.

Effects are written as `OutboxItem` rows in the same transaction as the state change
that causes them, so a change and its effects commit or vanish together. Workers claim
due items with a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL, a conditional update on
SQLite), run the registered handler and mark the item done. A crashed worker's claim is
taken over when its lease runs out, so every effect runs at least once; handlers must be
idempotent. The same `drain` serves the in-process thread, the CLI worker and Celery.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app
from sqlalchemy import and_, bindparam, event, insert, or_, select, update
from sqlalchemy.orm import Session

from service.extensions import core, db, utcnow
from service.jobs.constants import JobStatus
from service.jobs.models import OutboxItem
from service.jobs.periodic import periodic as periodic  # features register jobs here
from service.prepared import Prepared

log = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], None]


class Retry(Exception):
    """Raised by a handler to be run again later (e.g. the receiver asked to wait)."""

    def __init__(self, message: str = "", after: float | None = None) -> None:
        super().__init__(message)
        self.after = after


class GiveUp(Exception):
    """Raised by a handler when retrying cannot help: the item is dead-lettered at once."""


@dataclass(frozen=True)
class HandlerSpec:
    """A registered effect: its function, how often to try and how long to wait between."""

    func: Handler
    max_attempts: int
    backoff: Callable[[int], float]


def default_backoff(attempt: int) -> float:
    """Wait exponentially longer after each failure (with jitter), at most an hour."""
    base = min(3600.0, 5.0 * 2 ** (attempt - 1))
    return base * (0.8 + 0.4 * random.random())


_handlers: dict[str, HandlerSpec] = {}


def register(
    kind: str, max_attempts: int = 8, backoff: Callable[[int], float] = default_backoff
) -> Callable[[Handler], Handler]:
    """Register the handler of one kind of effect (used as a decorator)."""

    def decorate(func: Handler) -> Handler:
        _handlers[kind] = HandlerSpec(func, max_attempts, backoff)
        return func

    return decorate


def enqueue(
    kind: str,
    payload: dict[str, Any],
    key: str,
    case_id: int | None = None,
    delay: timedelta | None = None,
) -> OutboxItem:
    """Add an effect to the current transaction; `key` makes queuing it twice a no-op.

    Effects of a new audit event go through `enqueue_new`, which skips the look-up.
    """
    existing = db.session.scalar(select(OutboxItem).where(OutboxItem.key == key))
    if existing is not None:
        return existing
    item = OutboxItem(
        kind=kind,
        key=key,
        payload=payload,
        case_id=case_id,
        status=JobStatus.PENDING,
        available_at=utcnow() + (delay or timedelta()),
    )
    db.session.add(item)
    db.session.info["outbox_dirty"] = True
    return item


@dataclass(frozen=True)
class NewEffect:
    """An effect for `enqueue_new`: what `enqueue` takes, for a key that cannot exist yet."""

    kind: str
    payload: dict[str, Any]
    key: str
    case_id: int | None = None


#: Compiled once and run on the DBAPI cursor (`service.prepared`): a submission's hot path.
_INSERT_OUTBOX = Prepared(
    insert(OutboxItem),
    column_keys=(
        "kind", "key", "payload", "case_id", "status", "attempts", "available_at", "created_at"
    ),
)  # fmt: skip


def enqueue_new(effects: list[NewEffect]) -> None:
    """Add effects whose keys name something new (an audit event of this transaction).

    One INSERT for all of them and no look-up, no objects in the session: the cheap path
    for submissions and transitions. The unique key still refuses a duplicate.
    """
    if not effects:
        return
    _INSERT_OUTBOX.executemany(outbox_rows(effects))
    db.session.info["outbox_dirty"] = True


def outbox_rows(effects: list[NewEffect]) -> list[dict[str, Any]]:
    """Return the column values of the outbox rows for `effects`, due now.

    For a caller that inserts them in a statement of its own (`cases.store`); it then
    calls `mark_outbox_dirty`, as `enqueue_new` does.
    """
    now = utcnow()
    return [
        {
            "kind": e.kind,
            "key": e.key,
            "payload": e.payload,
            "case_id": e.case_id,
            "status": JobStatus.PENDING,
            "attempts": 0,
            "available_at": now,
            "created_at": now,
        }
        for e in effects
    ]


def mark_outbox_dirty() -> None:
    """Wake the outbox runner after this transaction commits (rows were inserted)."""
    db.session.info["outbox_dirty"] = True


def worker_id() -> str:
    """Name this process for leases: host, pid and thread."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{threading.get_ident() % 100000}"


def _due(now: datetime) -> Any:
    return or_(
        and_(OutboxItem.status == JobStatus.PENDING, OutboxItem.available_at <= now),
        and_(OutboxItem.status == JobStatus.RUNNING, OutboxItem.lease_until < now),
    )


def claim(limit: int, worker: str, kinds: list[str] | None = None) -> list[int]:
    """Claim up to `limit` due items for `worker` and commit the claim."""
    now = utcnow()
    lease = now + timedelta(seconds=current_app.config["JOBS_LEASE_SECONDS"])
    kinds = kinds if kinds is not None else list(_handlers)
    query = (
        select(OutboxItem.id)
        .where(_due(now), OutboxItem.kind.in_(kinds))
        .order_by(OutboxItem.id)
        .limit(limit)
    )
    claimed: list[int] = []
    if db.engine.dialect.name == "postgresql":
        ids = list(db.session.scalars(query.with_for_update(skip_locked=True)))
        if ids:
            db.session.execute(
                update(OutboxItem)
                .where(OutboxItem.id.in_(ids))
                .values(status=JobStatus.RUNNING, lease_until=lease, locked_by=worker)
            )
        claimed = ids
    else:
        ids = list(db.session.scalars(query))
        if ids:
            # One statement for the batch: only rows still due are taken (SQLite's write
            # lock makes it atomic), RETURNING says which.
            claimed = sorted(
                core().scalars(
                    update(OutboxItem)
                    .where(OutboxItem.id.in_(ids), _due(now))
                    .values(status=JobStatus.RUNNING, lease_until=lease, locked_by=worker)
                    .returning(OutboxItem.id)
                )
            )
    db.session.commit()
    return claimed


#: A claimed item as `run_claimed` reads it (built once; a plain statement).
_CLAIMED_ITEM = select(
    OutboxItem.kind,
    OutboxItem.payload,
    OutboxItem.attempts,
    OutboxItem.status,
    OutboxItem.locked_by,
).where(OutboxItem.id == bindparam("id"))


def run_claimed(item_id: int, worker: str) -> bool:
    """Run one claimed item; return True when it is done."""
    item = core().execute(_CLAIMED_ITEM, {"id": item_id}).first()
    if item is None or item.locked_by != worker or item.status != JobStatus.RUNNING:
        # Gone, or done meanwhile by a handler that took it over (audit leaves do).
        db.session.rollback()
        return False
    spec = _handlers[item.kind]
    payload, kind = dict(item.payload), item.kind
    attempts = item.attempts + 1
    db.session.commit()
    error: str | None = None
    retry_after: float | None = None
    dead = False
    owned = and_(OutboxItem.id == item_id, OutboxItem.locked_by == worker)
    try:
        spec.func(payload)
        # The handler's own writes and the done mark commit together: no moment in which
        # the work is committed and the item still running (a crash there would run it
        # again), and one commit per item instead of two. A failed commit rolls back both.
        done = {"status": JobStatus.DONE, "done_at": utcnow(), "lease_until": None}
        db.session.execute(update(OutboxItem).where(owned).values(attempts=attempts, **done))
        db.session.commit()
        return True
    except GiveUp as exc:
        db.session.rollback()
        error, dead = f"GiveUp: {exc}", True
    except Retry as exc:
        db.session.rollback()
        error, retry_after = f"Retry: {exc}", exc.after
    except Exception as exc:
        db.session.rollback()
        log.warning("outbox item %s (%s) failed: %s", item_id, kind, type(exc).__name__)
        error = f"{type(exc).__name__}: {exc}"[:2000]
    now = utcnow()
    if dead or attempts >= spec.max_attempts:
        values: dict[str, Any] = {
            "status": JobStatus.DEAD,
            "last_error": error,
            "lease_until": None,
            "attempts": attempts,
        }
    else:
        wait = retry_after if retry_after is not None else spec.backoff(attempts)
        values = {
            "status": JobStatus.PENDING,
            "available_at": now + timedelta(seconds=wait),
            "last_error": error,
            "lease_until": None,
            "attempts": attempts,
        }
    db.session.execute(update(OutboxItem).where(owned).values(**values))
    db.session.commit()
    return False


def drain(max_items: int | None = None, kinds: list[str] | None = None, batch: int = 20) -> int:
    """Run due items until none is left (or `max_items` ran); return how many ran."""
    worker = worker_id()
    ran = 0
    while max_items is None or ran < max_items:
        limit = batch if max_items is None else min(batch, max_items - ran)
        ids = claim(limit, worker, kinds)
        if not ids:
            break
        for item_id in ids:
            run_claimed(item_id, worker)
            ran += 1
    return ran


def retry_item(item_id: int) -> bool:
    """Queue a dead or failed item again now (the back office's retry button)."""
    result = db.session.execute(
        update(OutboxItem)
        .where(OutboxItem.id == item_id, OutboxItem.status.in_([JobStatus.DEAD, JobStatus.PENDING]))
        .values(status=JobStatus.PENDING, available_at=utcnow(), attempts=0)
    )
    db.session.info["outbox_dirty"] = True
    return bool(result.rowcount)  # type: ignore[attr-defined]


def backlog() -> tuple[int, float]:
    """Return the number of unfinished items and the age in seconds of the oldest."""
    from sqlalchemy import func

    count, oldest = db.session.execute(
        select(func.count(), func.min(OutboxItem.created_at)).where(
            OutboxItem.status.in_([JobStatus.PENDING, JobStatus.RUNNING])
        )
    ).one()
    age = 0.0
    if oldest is not None:
        if oldest.tzinfo is None:
            from datetime import UTC

            oldest = oldest.replace(tzinfo=UTC)
        age = (utcnow() - oldest).total_seconds()
    return int(count), age


# ------------------------------------------------------------------ after-commit wake-up


class _ThreadRunner:
    """Drain the outbox in a background thread of this process (embedded default)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.wake = threading.Event()
        self.thread: threading.Thread | None = None
        self.lock = threading.Lock()
        self.stopped = False

    def notify(self) -> None:
        """Wake the thread (starting it on first use) to drain what was just committed."""
        with self.lock:
            if self.stopped:
                return
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(
                    target=self._loop, name="amtsweg-outbox", daemon=True
                )
                self.thread.start()
        self.wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        """Let the thread finish its current item and end."""
        with self.lock:
            self.stopped = True
        self.wake.set()
        if self.thread is not None:
            self.thread.join(timeout)

    def _loop(self) -> None:
        while not self.stopped:
            self.wake.wait(timeout=5.0)
            self.wake.clear()
            if self.stopped:
                break
            try:
                with self.app.app_context():
                    drain()
                    db.session.remove()
            except Exception:
                log.exception("outbox runner failed")


_listener_installed = False


def _install_listener() -> None:
    """Listen once per process for commits that queued effects, and wake the app's runner."""
    global _listener_installed
    if _listener_installed:
        return
    _listener_installed = True

    @event.listens_for(Session, "after_commit")
    def _after_commit(session: Session) -> None:
        if not session.info.pop("outbox_dirty", False):
            return
        try:
            flask_app = current_app._get_current_object()  # type: ignore[attr-defined]
        except RuntimeError:
            return
        runner = flask_app.extensions.get("amtsweg.jobs_runner")
        if runner is not None:
            runner.notify()


def init_app(app: Flask) -> None:
    """Set up the outbox runner for this app ("thread", "celery" or "manual")."""
    _install_listener()
    if app.config["JOBS_MODE"] == "thread":
        app.extensions["amtsweg.jobs_runner"] = _ThreadRunner(app)
