"""Deadlines (daily escalation) and the per-service dashboard figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from service.backoffice.inbox import day_start, overdue_condition
from service.cases.constants import AuditAction
from service.cases.models import Case
from service.cases.services import record_mark
from service.definitions.services import current_registry
from service.definitions.types import ServiceDefinition
from service.engine import Actor
from service.engine.types import Text
from service.extensions import db, utcnow
from service.jobs import services as jobs

# --- deadlines -----------------------------------------------------------------------


#: Who escalates overdue cases in the audit trail.
ESCALATION_ACTOR = Actor(id="system:escalation", kind="system", label="Escalation")


@jobs.periodic("escalate", every=timedelta(days=1))
def escalate_overdue(now: datetime | None = None) -> int:
    """Mark open, overdue cases as escalated (once each); return how many were marked.

    Run daily (`flask --app service backoffice escalate`). Each mark is an "escalated"
    event in the case's audit trail, with the deadline that passed. The mark is not a
    state change, so it leaves the case version alone and never makes a colleague's open
    page stale.
    """
    now = now or utcnow()
    db.session.flush()
    due = db.session.execute(
        select(Case.id, Case.due_at)
        .where(overdue_condition(now), Case.escalated_at.is_(None))
        .order_by(Case.id)
    ).all()
    marked = 0
    for case_id, due_at in due:
        event = record_mark(
            case_id,
            AuditAction.ESCALATED,
            ESCALATION_ACTOR,
            {"escalated_at": now},
            {"due_at": due_at.isoformat() if due_at else None},
            now,
        )
        marked += event is not None
    for case in db.session.identity_map.values():
        if isinstance(case, Case):
            db.session.expire(case, ["escalated_at", "audit_head"])
    return marked


# --- dashboard -----------------------------------------------------------------------


@dataclass(frozen=True)
class WeekCount:
    """Cases received and closed in the week starting on `start` (a Monday)."""

    start: date
    received: int
    closed: int


@dataclass(frozen=True)
class Dashboard:
    """Figures for one service's overview page."""

    service: ServiceDefinition
    open_by_state: list[tuple[str, Text, int]]
    weeks: list[WeekCount]
    median_processing: timedelta | None
    closed_in_period: int
    overdue: int
    open_total: int


def _week_start(moment: datetime) -> date:
    day = moment.astimezone(UTC).date()
    return day - timedelta(days=day.weekday())


def dashboard(service_key: str, now: datetime | None = None, weeks: int = 12) -> Dashboard:
    """Return the figures of a service's dashboard over the last `weeks` weeks."""
    now = now or utcnow()
    service = current_registry().service(service_key)
    counts = dict(
        db.session.execute(
            select(Case.state, func.count())
            .where(Case.service_key == service_key, Case.closed_at.is_(None))
            .group_by(Case.state)
        ).all()
    )
    open_by_state = [
        (s.name, s.title, counts.pop(s.name, 0)) for s in service.workflow.states if not s.final
    ]
    # States of older workflow versions that the current one no longer has.
    open_by_state += [(name, Text(name, name), n) for name, n in sorted(counts.items())]
    first_week = _week_start(now) - timedelta(weeks=weeks - 1)
    since = day_start(first_week)
    received: dict[date, int] = {}
    for (at,) in db.session.execute(
        select(Case.submitted_at).where(Case.service_key == service_key, Case.submitted_at >= since)
    ):
        received[_week_start(at)] = received.get(_week_start(at), 0) + 1
    closed: dict[date, int] = {}
    durations: list[timedelta] = []
    for submitted_at, closed_at in db.session.execute(
        select(Case.submitted_at, Case.closed_at).where(
            Case.service_key == service_key, Case.closed_at >= since
        )
    ):
        if closed_at is None:
            continue
        closed[_week_start(closed_at)] = closed.get(_week_start(closed_at), 0) + 1
        durations.append(closed_at - submitted_at)
    overdue = db.session.scalar(
        select(func.count()).where(Case.service_key == service_key, overdue_condition(now))
    )
    week_list = [first_week + timedelta(weeks=i) for i in range(weeks)]
    return Dashboard(
        service=service,
        open_by_state=open_by_state,
        weeks=[WeekCount(w, received.get(w, 0), closed.get(w, 0)) for w in week_list],
        median_processing=_median(durations),
        closed_in_period=len(durations),
        overdue=int(overdue or 0),
        open_total=sum(n for _name, _title, n in open_by_state),
    )


def _median(values: list[timedelta]) -> timedelta | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2
