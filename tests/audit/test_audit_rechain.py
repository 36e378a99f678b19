"""`flask audit rechain`: events written before the keyed chain get keyed hashes, once."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from audit_support import settle
from flask import Flask
from sqlalchemy import delete, select, update

from service.cases.chain import GENESIS_HASH, canonical
from service.cases.models import AuditEvent, Case
from service.extensions import db
from service.jobs.models import OutboxItem


def _as_before_the_keyed_chain(case: Case) -> None:
    """Rewrite a case's events as an installation before the keyed chain wrote them.

    Plain SHA-256 links, no key id, no salt or digest, and no leaves in the log (it did
    not exist yet).
    """
    events = AuditEvent.__table__
    prev = GENESIS_HASH
    for ev in db.session.scalars(
        select(AuditEvent).where(AuditEvent.case_id == case.id).order_by(AuditEvent.seq)
    ):
        body = {"seq": ev.seq, "action": ev.action, "actor": ev.actor_label, "prev": prev}
        old_hash = hashlib.sha256(canonical(body)).hexdigest()
        db.session.execute(
            events.update()
            .where(events.c.id == ev.id)
            .values(key_id=None, salt=None, personal_digest=None, prev_hash=prev, hash=old_hash)
        )
        prev = old_hash
    db.session.execute(update(Case).where(Case.id == case.id).values(audit_head=prev))
    # The log did not exist: the events never queued leaves.
    db.session.execute(delete(OutboxItem).where(OutboxItem.case_id == case.id))
    db.session.commit()
    db.session.expire_all()


def test_rechain_makes_verify_green_records_itself_and_runs_once(
    app: Flask, rejected_case: Callable[..., Case]
) -> None:
    old = rejected_case("Erika Alt")
    _as_before_the_keyed_chain(old)
    new = rejected_case("Max Neu")  # after the upgrade: keyed and in the log
    settle()
    runner = app.test_cli_runner()

    before = runner.invoke(args=["audit", "verify"])
    assert before.exit_code == 1
    assert f"{old.reference}: event 1 has no keyed hash" in before.output
    assert new.reference not in before.output

    result = runner.invoke(args=["audit", "rechain"])
    assert result.exit_code == 0, result.output
    assert f"{old.reference}: 3 event(s) re-chained" in result.output
    settle()  # the re-chained events and the re-chain event reach the log

    after = runner.invoke(args=["audit", "verify"])
    assert after.exit_code == 0, after.output
    assert "OK: the audit trail and its log are intact." in after.output
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.case_id == old.id).order_by(AuditEvent.seq)
    ).all()
    assert actions[-1] == "rechained" and len(actions) == 4
    rechained = db.session.scalar(
        select(AuditEvent).where(AuditEvent.case_id == old.id, AuditEvent.seq == 4)
    )
    assert rechained.inputs == {"events": 3, "key_id": "test-key"}
    # The other case was keyed already: untouched, no re-chain event.
    assert (
        db.session.scalar(
            select(AuditEvent.action).where(AuditEvent.case_id == new.id, AuditEvent.seq == 4)
        )
        is None
    )

    again = runner.invoke(args=["audit", "rechain"])
    assert again.exit_code == 0
    assert "Nothing to re-chain" in again.output
    assert (
        len(db.session.scalars(select(AuditEvent.id).where(AuditEvent.case_id == old.id)).all())
        == 4
    )
    settle()
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0


def test_rechain_refuses_events_already_in_the_public_log(
    app: Flask, rejected_case: Callable[..., Case]
) -> None:
    case = rejected_case()
    settle()
    events = AuditEvent.__table__
    db.session.execute(
        events.update().where(events.c.case_id == case.id, events.c.seq == 2).values(key_id=None)
    )
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["audit", "rechain"])
    assert result.exit_code == 1
    assert f"{case.reference}: not re-chained: events [2, 3] are already in the public log" in (
        result.output
    )
    assert db.session.scalar(select(Case.audit_head).where(Case.id == case.id)) == case.audit_head
