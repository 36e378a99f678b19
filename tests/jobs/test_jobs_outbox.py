"""The outbox: effects commit with their change and run at least once after commit."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from freezegun import freeze_time
from sqlalchemy import event, select

from service.extensions import db, utcnow
from service.jobs import services as jobs
from service.jobs.constants import JobStatus
from service.jobs.models import OutboxItem

ran: list[dict[str, Any]] = []
failures: dict[str, int] = {}


@jobs.register("test.record")
def _record(payload: dict[str, Any]) -> None:
    ran.append(payload)


@jobs.register("test.flaky", max_attempts=3, backoff=lambda attempt: 60.0 * attempt)
def _flaky(payload: dict[str, Any]) -> None:
    failures[payload["name"]] = failures.get(payload["name"], 0) + 1
    if failures[payload["name"]] <= payload["fail_times"]:
        raise ConnectionError("receiver down")
    ran.append(payload)


@jobs.register("test.wait")
def _wait(payload: dict[str, Any]) -> None:
    raise jobs.Retry("come back later", after=120)


@pytest.fixture(autouse=True)
def _reset() -> None:
    ran.clear()
    failures.clear()


def item(key: str) -> OutboxItem:
    found = db.session.scalar(select(OutboxItem).where(OutboxItem.key == key))
    assert found is not None
    return found


def test_effect_runs_once_after_commit(app: Any) -> None:
    jobs.enqueue("test.record", {"n": 1}, key="k1")
    db.session.commit()
    assert jobs.drain() == 1
    assert jobs.drain() == 0
    assert ran == [{"n": 1}]
    assert item("k1").status == JobStatus.DONE


def test_rolled_back_change_leaves_no_effect(app: Any) -> None:
    jobs.enqueue("test.record", {"n": 2}, key="k2")
    db.session.rollback()
    assert jobs.drain() == 0
    assert ran == []
    assert db.session.scalar(select(OutboxItem.id)) is None


def test_queuing_the_same_key_twice_is_one_effect(app: Any) -> None:
    jobs.enqueue("test.record", {"n": 3}, key="same")
    jobs.enqueue("test.record", {"n": 3}, key="same")
    db.session.commit()
    jobs.drain()
    assert ran == [{"n": 3}]


def test_failed_effect_is_retried_later_and_then_succeeds(app: Any) -> None:
    jobs.enqueue("test.flaky", {"name": "a", "fail_times": 1}, key="flaky-a")
    db.session.commit()
    with freeze_time(utcnow()) as clock:
        jobs.drain()
        waiting = item("flaky-a")
        assert waiting.status == JobStatus.PENDING
        assert waiting.attempts == 1 and "receiver down" in (waiting.last_error or "")
        assert jobs.drain() == 0  # not due yet: the backoff holds it back
        clock.tick(timedelta(seconds=61))
        assert jobs.drain() == 1
    db.session.expire_all()
    assert item("flaky-a").status == JobStatus.DONE
    assert ran == [{"name": "a", "fail_times": 1}]


def test_effect_is_dead_lettered_after_its_last_attempt(app: Any) -> None:
    jobs.enqueue("test.flaky", {"name": "b", "fail_times": 99}, key="flaky-b")
    db.session.commit()
    with freeze_time(utcnow()) as clock:
        for _ in range(3):
            jobs.drain()
            clock.tick(timedelta(hours=1))
        assert jobs.drain() == 0
    db.session.expire_all()
    dead = item("flaky-b")
    assert dead.status == JobStatus.DEAD and dead.attempts == 3
    assert jobs.retry_item(dead.id)
    db.session.commit()
    db.session.expire_all()
    assert item("flaky-b").status == JobStatus.PENDING


def test_retry_after_is_honoured(app: Any) -> None:
    jobs.enqueue("test.wait", {}, key="wait")
    db.session.commit()
    before = utcnow()
    jobs.drain()
    db.session.expire_all()
    waiting = item("wait")
    assert waiting.available_at >= before + timedelta(seconds=119)


def test_crashed_workers_claim_is_taken_over_after_its_lease(app: Any) -> None:
    jobs.enqueue("test.record", {"n": 4}, key="lease")
    db.session.commit()
    assert jobs.claim(10, "worker-that-crashes") != []  # claimed, then the worker dies
    assert jobs.drain() == 0  # the lease still holds: nobody else runs it
    lease = app.config["JOBS_LEASE_SECONDS"]
    with freeze_time(utcnow() + timedelta(seconds=lease + 1)):
        assert jobs.drain() == 1
    assert ran == [{"n": 4}]


def test_embedded_runner_drains_in_the_background_after_commit(make_app: Any) -> None:
    app = make_app(JOBS_MODE="thread")
    with app.app_context():
        jobs.enqueue("test.record", {"n": 5}, key="thread")
        db.session.commit()
        deadline = time.monotonic() + 10
        while not ran and time.monotonic() < deadline:
            time.sleep(0.05)
    assert ran == [{"n": 5}]


@jobs.register("test.follow_up")
def _follow_up(payload: dict[str, Any]) -> None:
    jobs.enqueue("test.record", {"after": payload["n"]}, key=f"after-{payload['n']}")


def test_a_handlers_writes_commit_together_with_its_done_mark(app: Any) -> None:
    """Never is an item's work committed while the item still runs: a worker dying then
    would leave the work done and the item to be run again."""
    jobs.enqueue("test.follow_up", {"n": 5}, key="first")
    db.session.commit()
    seen: list[tuple[str, bool]] = []
    statement = select(OutboxItem.key, OutboxItem.status).where(
        OutboxItem.key.in_(["first", "after-5"])
    )

    def look(session: Any) -> None:
        with db.engine.connect() as other:  # what any other process sees now
            rows = {key: status for key, status in other.execute(statement)}
        seen.append((rows["first"], "after-5" in rows))

    event.listen(db.session, "after_commit", look)
    try:
        assert jobs.drain(max_items=1) == 1
    finally:
        event.remove(db.session, "after_commit", look)
    assert (JobStatus.DONE, True) in seen
    assert (JobStatus.RUNNING, True) not in seen
