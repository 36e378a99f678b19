"""Periodic jobs: features register them here, the workers run them on a schedule.

A feature marks a function `@jobs.periodic("name", every=...)`; the function takes the
current time and returns how many things it touched. Celery beat and the broker-less
worker loop read the same registry, so `service.jobs` never imports a feature: the app
factory imports every feature, and importing registers its jobs (as with effects).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from service.extensions import db, utcnow

JobFunc = Callable[[datetime], int]
F = TypeVar("F", bound=JobFunc)

#: Prefix of the Celery task that runs a periodic job.
TASK_PREFIX = "amtsweg.jobs.periodic."


@dataclass(frozen=True)
class PeriodicJob:
    """A registered periodic job: its name, its function and how often it runs."""

    name: str
    func: JobFunc
    every: timedelta

    @property
    def task_name(self) -> str:
        """Name of the Celery task that runs this job."""
        return TASK_PREFIX + self.name


_jobs: dict[str, PeriodicJob] = {}


class UnknownJob(LookupError):
    """No periodic job of that name is registered."""


def periodic(name: str, every: timedelta) -> Callable[[F], F]:
    """Register `func(now) -> int` to run every `every` (used as a decorator)."""

    def decorate(func: F) -> F:
        _jobs[name] = PeriodicJob(name, func, every)
        return func

    return decorate


def periodic_jobs() -> list[PeriodicJob]:
    """Return every registered periodic job, by name."""
    return [_jobs[name] for name in sorted(_jobs)]


def run_periodic(name: str) -> int:
    """Run one periodic job inside the app context, commit, and return how many it touched."""
    job = _jobs.get(name)
    if job is None:
        raise UnknownJob(name)
    try:
        count = job.func(utcnow())
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    return count
