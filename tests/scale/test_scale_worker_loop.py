"""Without a broker, `flask worker` drains the outbox and runs the daily jobs itself."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from factories import person, residence_registration_data
from flask import Flask

from service.cases.models import Case
from service.cases.services import submit_case
from service.extensions import db, utcnow
from service.jobs.celery import run_loop
from service.jobs.models import OutboxItem
from tests.conftest import actor_for


def test_worker_loop_sends_mail_escalates_overdue_cases_and_anonymises_old_ones(
    app: Flask, make_user: Callable[..., Any]
) -> None:
    resident = make_user("Erika Mustermann")
    long_ago = utcnow() - timedelta(days=3 * 366)

    def submitted(family_name: str, now: datetime | None = None) -> Any:
        data = residence_registration_data(persons=[person(family_name=family_name)])
        return submit_case(
            "residence_registration", data, resident.id, actor_for(resident), now=now
        ).case

    fresh = submitted("Mustermann")
    overdue = submitted("Mustermann2", now=utcnow() - timedelta(days=30))
    old = submitted("Mustermann3", now=long_ago)
    old.state, old.closed_at = "withdrawn", long_ago
    db.session.commit()
    ids = fresh.id, overdue.id, old.id

    run_loop(app, once=True)

    db.session.remove()
    fresh, overdue, old = (db.session.get(Case, i) for i in ids)
    assert fresh is not None and overdue is not None and old is not None
    # Retention ran first: the anonymised case gets no mail, the other two do.
    sent = sorted(p.name for p in (Path(app.config["INSTANCE_DIR"]) / "mail").glob("*.eml"))
    assert [name.split(".")[2] for name in sent] == sorted([str(fresh.id), str(overdue.id)])
    mails = db.session.query(OutboxItem).filter_by(kind="email.send").all()
    assert {m.status for m in mails} == {"done"}
    assert overdue.escalated_at is not None and fresh.escalated_at is None
    assert old.anonymised_at is not None and old.applicant_name == ""
    assert fresh.anonymised_at is None
