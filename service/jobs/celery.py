"""Celery on Redis: the same outbox code as the in-process runner, in worker processes.

A task only wakes a worker; the work itself is `services.drain`, which claims due items
with a lease, so a lost task message or a crashed worker loses nothing: the beat sweep
drains again every few seconds and takes over items whose lease ran out.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import click
from celery import Celery, Task
from celery.signals import worker_process_init
from flask import Flask, current_app
from flask.cli import with_appcontext

from service.jobs.periodic import periodic_jobs, run_periodic

log = logging.getLogger(__name__)

#: How often beat sweeps the outbox (catches lost wake-ups and expired leases).
SWEEP_SECONDS = 5.0
#: Seconds after which an unclaimed wake-up task is dropped.
WAKE_UP_EXPIRES = 60.0

DRAIN_TASK = "amtsweg.jobs.drain"


def create_celery(app: Flask) -> Celery:
    """Return the Celery app bound to `app`: broker and results on AMTSWEG_BROKER_URL."""
    broker = app.config.get("BROKER_URL")
    if not broker:
        raise RuntimeError("AMTSWEG_BROKER_URL is not set: Celery needs a broker (Redis)")

    class FlaskTask(Task):
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            with app.app_context():
                from service.extensions import db

                try:
                    return self.run(*args, **kwargs)
                finally:
                    db.session.remove()

    schedule: dict[str, Any] = {
        "outbox-sweep": {
            "task": DRAIN_TASK,
            "schedule": SWEEP_SECONDS,
            # A sweep that waited longer than the next one is pointless.
            "options": {"expires": SWEEP_SECONDS},
        },
    }
    for job in periodic_jobs():
        schedule[job.name] = {"task": job.task_name, "schedule": job.every}
    celery = Celery(app.import_name, task_cls=FlaskTask)
    celery.conf.update(
        broker_url=broker,
        result_backend=broker,
        task_ignore_result=True,
        # Acknowledge after the run so a killed worker's message is delivered again; the
        # outbox lease makes the second delivery harmless.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        worker_hijack_root_logger=False,
        broker_connection_retry_on_startup=True,
        timezone="UTC",
        beat_schedule=schedule,
    )
    _register_tasks(celery)

    def fresh_connections(**_kwargs: Any) -> None:
        # A forked pool process must not share the parent's database connections.
        from service.extensions import db

        with app.app_context():
            db.engine.dispose(close=False)

    worker_process_init.connect(fresh_connections, weak=False)
    app.extensions["celery"] = celery
    return celery


def _register_tasks(celery: Celery) -> None:
    @celery.task(name=DRAIN_TASK)
    def drain_task(max_items: int | None = None) -> int:
        from service.jobs.services import drain

        return drain(max_items=max_items)

    for job in periodic_jobs():
        celery.task(name=job.task_name)(_periodic_task(job.name))


def _periodic_task(name: str) -> Any:
    def run() -> int:
        return run_periodic(name)

    run.__name__ = f"periodic_{name}"
    return run


class CeleryNotifier:
    """Wake a Celery worker after a commit that queued effects."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def notify(self) -> None:
        celery = self.app.extensions.get("celery") or create_celery(self.app)
        try:
            # Wake-ups pile up at peaks; a stale one is redundant with the sweeps.
            celery.send_task(DRAIN_TASK, expires=WAKE_UP_EXPIRES)
        except Exception:
            log.warning("could not wake a worker; the next sweep runs the effects")


def run_loop(app: Flask, *, once: bool = False, sweep: float = SWEEP_SECONDS) -> None:
    """Drain the outbox and run the periodic jobs in this process (no broker)."""
    from service.extensions import db
    from service.jobs.services import drain

    last_run: dict[str, float] = {}
    while True:
        with app.app_context():
            for job in periodic_jobs():
                every = job.every.total_seconds()
                if time.monotonic() - last_run.get(job.name, -every) >= every:
                    last_run[job.name] = time.monotonic()
                    try:
                        run_periodic(job.name)
                    except Exception:
                        log.exception("periodic job %s failed", job.name)
            try:
                drain()
            except Exception:
                log.exception("outbox drain failed")
            db.session.remove()
        if once:
            return
        time.sleep(sweep)


@click.command("worker")
@click.option("--concurrency", "-c", type=int, default=None, help="Celery worker processes.")
@click.option("--once", is_flag=True, help="Without a broker: drain and run due jobs once.")
@with_appcontext
def worker_command(concurrency: int | None, once: bool) -> None:
    """Run a Celery worker, or without a broker a loop that drains the outbox."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not app.config.get("BROKER_URL"):
        click.echo("no AMTSWEG_BROKER_URL: running the outbox in this process")
        run_loop(app, once=once)
        return
    celery = app.extensions.get("celery") or create_celery(app)
    argv = ["worker", "--loglevel=INFO", "--without-gossip", "--without-mingle"]
    if concurrency:
        argv.append(f"--concurrency={concurrency}")
    celery.worker_main(argv)


@click.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Run Celery beat: the outbox sweep and the daily jobs."""
    from pathlib import Path

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    celery = app.extensions.get("celery") or create_celery(app)
    schedule = Path(app.config["INSTANCE_DIR"]) / "celerybeat-schedule"
    celery.start(["beat", "--loglevel=INFO", f"--schedule={schedule}"])


def init_app(app: Flask) -> None:
    """Register the worker commands and, with a broker, the Celery notifier."""
    app.cli.add_command(worker_command)
    app.cli.add_command(scheduler_command)
    if app.config["JOBS_MODE"] == "celery":
        create_celery(app)
        app.extensions["amtsweg.jobs_runner"] = CeleryNotifier(app)
