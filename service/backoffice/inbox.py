"""The inbox: filters, search, keyset pagination and counts over all visible cases."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, text
from sqlalchemy import case as sql_case
from sqlalchemy.sql.elements import ColumnElement

from service.auth.models import User
from service.backoffice.access import visible_service_keys, visible_services
from service.backoffice.casefile import case_is_overdue, state_title, user_names
from service.backoffice.constants import PAGE_SIZE, AssigneeFilter, Sort, StatusFilter
from service.cases.models import Case
from service.cases.services import service_for
from service.definitions.services import current_registry
from service.engine.types import Text
from service.errors import AppError
from service.extensions import db, utcnow

# --- inbox ---------------------------------------------------------------------------


@dataclass(frozen=True)
class InboxQuery:
    """What the inbox shows: filters, search, order and where the page starts."""

    service: str | None = None
    state: str | None = None
    assignee: AssigneeFilter = AssigneeFilter.ANYONE
    status: StatusFilter = StatusFilter.OPEN
    overdue: bool = False
    submitted_from: date | None = None
    submitted_to: date | None = None
    search: str = ""
    sort: Sort = Sort.DUE
    #: Opaque cursor from the previous page (`InboxPage.next_cursor`).
    after: str | None = None
    limit: int = PAGE_SIZE


@dataclass(frozen=True)
class InboxRow:
    """One case as the inbox lists it."""

    case: Case
    service_title: Text
    state_title: Text
    assignee_name: str | None
    overdue: bool
    paused: bool


@dataclass(frozen=True)
class InboxPage:
    """A page of the inbox and the cursor of the next one (None on the last page)."""

    rows: list[InboxRow]
    next_cursor: str | None


@dataclass
class InboxCounts:
    """How many cases each filter option would show, the other filters applied."""

    total: int = 0
    overdue: int = 0
    replied: int = 0
    by_state: list[tuple[str, Text, int]] = field(default_factory=list)
    by_service: list[tuple[str, Text, int]] = field(default_factory=list)
    by_assignee: dict[str, int] = field(default_factory=dict)


class BadCursor(AppError):
    """The cursor was not made by this inbox (tampered with or from another order).

    The one error map answers it: the error page with status 400 and the message below.
    """

    status = 400
    kind = "bad-cursor"
    message = Text(
        de="Diese Seite der Liste gibt es nicht. Bitte beginnen Sie auf der ersten Seite.",
        en="This page of the list does not exist. Please start from the first page.",
    )
    page_back = False


#: A complete case reference such as WA-2026-000123.
REFERENCE = re.compile(r"[A-Za-z]{2,8}-\d{4}-\d{6,}")


def search_pattern(term: str) -> str:
    """Return the LIKE pattern for a search term: case-insensitive substring."""
    escaped = term.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _search_expression() -> ColumnElement[str]:
    # Must match the expression of ix_cases_search exactly for PostgreSQL to use it.
    return func.lower(Case.reference + " " + Case.applicant_name)


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _conditions(
    query: InboxQuery, user: User, now: datetime, skip: Iterable[str] = ()
) -> list[ColumnElement[bool]]:
    """Return the WHERE conditions of `query` for `user`, leaving out the `skip` filters."""
    skip = set(skip)
    keys = visible_service_keys(user)
    conditions: list[ColumnElement[bool]] = []
    if "service" not in skip and query.service:
        conditions.append(Case.service_key == (query.service if query.service in keys else ""))
    else:
        conditions.append(Case.service_key.in_(keys) if keys else Case.id.is_(None))
    if query.status == StatusFilter.OPEN:
        conditions.append(Case.closed_at.is_(None))
    elif query.status == StatusFilter.CLOSED:
        conditions.append(Case.closed_at.is_not(None))
    if "state" not in skip and query.state:
        conditions.append(Case.state == query.state)
    if "assignee" not in skip:
        if query.assignee == AssigneeFilter.ME:
            conditions.append(Case.assignee_id == user.id)
        elif query.assignee == AssigneeFilter.UNASSIGNED:
            conditions.append(Case.assignee_id.is_(None))
    if "overdue" not in skip and query.overdue:
        conditions.append(overdue_condition(now))
    if query.submitted_from:
        conditions.append(Case.submitted_at >= day_start(query.submitted_from))
    if query.submitted_to:
        conditions.append(Case.submitted_at < day_start(query.submitted_to + timedelta(days=1)))
    term = query.search.strip()
    if REFERENCE.fullmatch(term):
        # A whole reference: the unique index answers at once, no trigram scan needed.
        conditions.append(Case.reference == term.upper())
    elif term:
        conditions.append(_search_expression().like(search_pattern(term), escape="\\"))
    return conditions


def overdue_condition(now: datetime, known_open: bool = False) -> ColumnElement[bool]:
    return and_(
        *([] if known_open else [Case.closed_at.is_(None)]),
        Case.clock_paused_at.is_(None),
        Case.due_at.is_not(None),
        Case.due_at < now,
    )


def encode_cursor(sort: Sort, value: datetime | None, case_id: int) -> str:
    """Return an opaque cursor pointing after the case with `value` and `case_id`."""
    raw = json.dumps([sort.value, value.isoformat() if value else None, case_id])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(sort: Sort, cursor: str) -> tuple[datetime | None, int]:
    """Return (sort value, id) from a cursor of this sort, or raise BadCursor."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        kind, value, case_id = json.loads(raw)
        if kind != sort.value or not isinstance(case_id, int):
            raise BadCursor(cursor)
        parsed = datetime.fromisoformat(value) if value is not None else None
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError) as exc:
        raise BadCursor(cursor) from exc
    if parsed is not None and parsed.tzinfo is None:
        raise BadCursor(cursor)
    return parsed, case_id


def _fetch(
    conditions: Sequence[ColumnElement[bool]], order: Sequence[Any], limit: int
) -> list[Case]:
    return list(db.session.scalars(select(Case).where(*conditions).order_by(*order).limit(limit)))


def inbox_page(query: InboxQuery, user: User, now: datetime | None = None) -> InboxPage:
    """Return one page of the inbox, in keyset order (no OFFSET: deep pages stay fast).

    The page after a cursor holds exactly the cases that sort after it, so cases added or
    changed between two page loads never make a case appear twice or go missing from
    the part of the list still ahead.
    """
    now = now or utcnow()
    conditions = _conditions(query, user, now)
    limit = max(1, min(query.limit, 200))
    value, last_id = decode_cursor(query.sort, query.after) if query.after else (None, None)
    fetched: list[Case]
    if query.sort == Sort.DUE:
        # Two index-friendly queries instead of one "NULLS LAST" OR: cases with a due date
        # in (due_at, id) order, then the ones without, in id order.
        fetched = []
        if query.after is None or value is not None:
            keyset = []
            if value is not None and last_id is not None:
                keyset = [Case.due_at >= value, or_(Case.due_at > value, Case.id > last_id)]
            fetched = _fetch(
                [*conditions, Case.due_at.is_not(None), *keyset],
                [Case.due_at, Case.id],
                limit + 1,
            )
        if len(fetched) <= limit:
            keyset = [Case.id > last_id] if value is None and last_id is not None else []
            fetched += _fetch(
                [*conditions, Case.due_at.is_(None), *keyset], [Case.id], limit + 1 - len(fetched)
            )
    else:
        descending = query.sort == Sort.SUBMITTED_DESC
        keyset = []
        if value is not None and last_id is not None:
            if descending:
                keyset = [
                    Case.submitted_at <= value,
                    or_(Case.submitted_at < value, Case.id < last_id),
                ]
            else:
                keyset = [
                    Case.submitted_at >= value,
                    or_(Case.submitted_at > value, Case.id > last_id),
                ]
        order = (
            [Case.submitted_at.desc(), Case.id.desc()]
            if descending
            else [Case.submitted_at, Case.id]
        )
        fetched = _fetch([*conditions, *keyset], order, limit + 1)
    has_more = len(fetched) > limit
    cases = fetched[:limit]
    next_cursor = None
    if has_more and cases:
        last = cases[-1]
        sort_value = last.due_at if query.sort == Sort.DUE else last.submitted_at
        next_cursor = encode_cursor(query.sort, sort_value, last.id)
    return InboxPage(rows=_rows(cases, now), next_cursor=next_cursor)


def _rows(cases: list[Case], now: datetime) -> list[InboxRow]:
    names = user_names({c.assignee_id for c in cases if c.assignee_id is not None})
    rows = []
    for case in cases:
        service = service_for(case)
        rows.append(
            InboxRow(
                case=case,
                service_title=service.title,
                state_title=state_title(service, case.state),
                assignee_name=names.get(case.assignee_id) if case.assignee_id else None,
                overdue=case_is_overdue(case, now),
                paused=case.clock_paused_at is not None,
            )
        )
    return rows


def inbox_counts(query: InboxQuery, user: User, now: datetime | None = None) -> InboxCounts:
    """Count the cases behind each filter option, with the other filters applied.

    One grouped query (by service, state, assignee bucket, overdue, replied) with only the
    non-facet filters; each facet's counts are then summed from its groups in Python, so
    the page costs one scan of the matching cases instead of one per facet.
    """
    now = now or utcnow()
    facets = ("service", "state", "assignee", "overdue")
    who = sql_case(
        (Case.assignee_id == user.id, "me"),
        (Case.assignee_id.is_(None), "unassigned"),
        else_="other",
    )
    # For open cases "closed_at IS NULL" is known; leaving it out keeps the scan index-only.
    late = sql_case(
        (overdue_condition(now, known_open=query.status == StatusFilter.OPEN), True), else_=False
    )
    groups = db.session.execute(
        select(Case.service_key, Case.state, who, late, Case.resident_replied, func.count())
        .where(*_conditions(query, user, now, skip=facets))
        .group_by(text("1, 2, 3, 4, 5"))
    ).all()
    keys = set(visible_service_keys(user))
    wanted_service = (query.service if query.service in keys else "") if query.service else None

    def matches(row: Any, skip: str) -> bool:
        service_key, state, bucket, is_late = row[0], row[1], row[2], bool(row[3])
        return (
            (skip == "service" or wanted_service is None or service_key == wanted_service)
            and (skip == "state" or not query.state or state == query.state)
            and (
                skip == "assignee"
                or query.assignee == AssigneeFilter.ANYONE
                or bucket == query.assignee.value
            )
            and (skip == "overdue" or not query.overdue or is_late)
        )

    counts = InboxCounts()
    by_state: dict[str, int] = {}
    by_service: dict[str, int] = {}
    for row in groups:
        n = int(row[5])
        if matches(row, ""):
            counts.total += n
            counts.replied += n if row[4] else 0
        if matches(row, "overdue") and row[3]:
            counts.overdue += n
        if matches(row, "state"):
            by_state[row[1]] = by_state.get(row[1], 0) + n
        if matches(row, "service"):
            by_service[row[0]] = by_service.get(row[0], 0) + n
        if matches(row, "assignee"):
            counts.by_assignee[AssigneeFilter.ANYONE] = (
                counts.by_assignee.get(AssigneeFilter.ANYONE, 0) + n
            )
            if row[2] in (AssigneeFilter.ME, AssigneeFilter.UNASSIGNED):
                bucket = AssigneeFilter(row[2])
                counts.by_assignee[bucket] = counts.by_assignee.get(bucket, 0) + n
    for option in AssigneeFilter:
        counts.by_assignee.setdefault(option, 0)
    titles: dict[str, Text] = {}
    for service in visible_services(user):
        if query.service in (None, "", service.key):
            for state in service.workflow.states:
                titles.setdefault(state.name, state.title)
    counts.by_state = sorted(
        ((name, titles.get(name, Text(name, name)), n) for name, n in by_state.items()),
        key=lambda item: item[1].de,
    )
    registry = current_registry()
    counts.by_service = [
        (key, registry.service(key).title, n) for key, n in sorted(by_service.items())
    ]
    return counts
