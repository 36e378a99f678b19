"""With a broker, a commit wakes a Celery worker that runs the effect from the outbox."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from factories import residence_registration_data
from scale_helpers import flask_command, process_env, redis_db15, wait_until  # type: ignore[import-not-found]

from service.cases.services import submit_case
from service.extensions import db
from service.jobs.models import OutboxItem
from tests.conftest import REDIS_URL, actor_for


@pytest.mark.redis
def test_commit_wakes_a_celery_worker_that_sends_the_mail(
    make_app: Callable[..., Any], spawn: Callable[..., Any]
) -> None:
    broker = redis_db15(REDIS_URL or "")
    app = make_app(JOBS_MODE="celery", BROKER_URL=broker)
    env = process_env(app, AMTSWEG_BROKER_URL=broker)
    worker = spawn(flask_command("worker", "--concurrency", "1"), env, "celery-worker")
    mail_dir = Path(app.config["INSTANCE_DIR"]) / "mail"

    with app.app_context():
        from service.auth.models import User
        from service.transactions import ensure_definitions_synced

        ensure_definitions_synced()
        resident = User(
            issuer="https://idp.test",
            subject="erika",
            name="Erika Mustermann",
            email="erika@example.org",
        )
        db.session.add(resident)
        db.session.commit()
        case = submit_case(
            "residence_registration",
            residence_registration_data(),
            resident.id,
            actor_for(resident),
        ).case
        db.session.commit()  # the after-commit hook sends the wake-up task

        files = wait_until(lambda: list(mail_dir.glob("*.eml")), 60, "the worker to send the mail")
        assert worker.poll() is None
        assert case.reference in files[0].read_text()

        def all_done() -> bool:
            db.session.remove()
            items = db.session.query(OutboxItem).filter_by(case_id=case.id).all()
            return bool(items) and all(i.status == "done" for i in items)

        wait_until(all_done, 30, "every effect of the submission to be done")
