"""Periodic jobs: features register them with service.jobs; workers run what is registered."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask

from service.jobs.celery import DRAIN_TASK, create_celery
from service.jobs.periodic import UnknownJob, periodic_jobs, run_periodic


def test_every_features_periodic_job_is_registered_by_importing_it(app: Flask) -> None:
    jobs = {job.name: job.every for job in periodic_jobs()}
    assert jobs == {
        "escalate": timedelta(days=1),  # back office: overdue cases
        "retention": timedelta(days=1),  # privacy: anonymise closed cases
        "drafts": timedelta(days=1),  # privacy: expired drafts
        "idempotency": timedelta(hours=1),  # API: old Idempotency-Key answers
        "webhook_log": timedelta(days=1),  # webhooks: old deliveries
        "audit_checkpoint": timedelta(minutes=1),  # audit: seal a checkpoint when due
        "audit_verify": timedelta(days=1),  # audit: the nightly verify, kept for admins
        "sessions": timedelta(hours=1),  # auth: sessions past their time-out
        "credentials": timedelta(hours=1),  # credentials: expired offers, spent nonces
    }


def test_celery_beat_schedules_the_outbox_sweep_and_every_registered_job(
    make_app: Callable[..., Flask],
) -> None:
    # Building the Celery app talks to no broker: only the schedule and tasks are read.
    celery = create_celery(make_app(BROKER_URL="redis://127.0.0.1:1/0"))
    schedule = celery.conf.beat_schedule
    assert schedule["outbox-sweep"]["task"] == DRAIN_TASK
    for job in periodic_jobs():
        assert schedule[job.name] == {"task": job.task_name, "schedule": job.every}
        assert job.task_name in celery.tasks


def test_a_periodic_job_runs_and_commits_through_its_name(app: Flask) -> None:
    # Nothing is overdue, old or expired in a fresh database.
    assert [run_periodic(job.name) for job in periodic_jobs()] == [0] * len(periodic_jobs())


def test_an_unknown_periodic_job_is_refused(app: Flask) -> None:
    with pytest.raises(UnknownJob):
        run_periodic("no_such_job")
