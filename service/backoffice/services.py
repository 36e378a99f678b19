"""Public API of the back office: who sees what, the inbox, case reading, deadlines.

Views and CLI commands call these functions; they only flush, the request (or command)
commits. What a staff member may see comes from the workflow definitions: the roles a
workflow names decide which services' cases appear in someone's inbox.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, text, update
from sqlalchemy import case as sql_case
from sqlalchemy.sql.elements import ColumnElement

from service.auth.models import User
from service.backoffice.constants import ADMIN_ROLE, PAGE_SIZE, AssigneeFilter, Sort, StatusFilter
from service.backoffice.models import HAS_ROLES, CaseView
from service.cases.constants import AuditAction
from service.cases.models import AuditEvent, Case, CaseNote
from service.cases.services import assign_case, record_event, service_for
from service.definitions.services import current_registry
from service.definitions.types import FieldDefinition, FormDefinition, ServiceDefinition
from service.engine import Actor
from service.engine.services import is_overdue
from service.engine.types import Text
from service.extensions import db, utcnow

# --- access --------------------------------------------------------------------------


class NotAllowed(Exception):
    """The staff member may not do this (wrong role, case of another service)."""


def _service_roles(service: ServiceDefinition) -> set[str]:
    roles = {r.name for r in service.roles}
    for transition in service.workflow.transitions:
        roles.update(r for r in transition.roles if r != "applicant")
    return roles


def roles_by_service() -> dict[str, set[str]]:
    """Return, per service key, every staff role any of its versions names."""
    registry = current_registry()
    result: dict[str, set[str]] = {}
    for key, versions in registry.services.items():
        for service in versions.values():
            result.setdefault(key, set()).update(_service_roles(service))
    return result


def is_staff(user: User | None) -> bool:
    """Say whether `user` holds a role that opens the back office."""
    if user is None:
        return False
    roles = set(user.roles or ())
    if ADMIN_ROLE in roles:
        return True
    return any(roles & names for names in roles_by_service().values())


def visible_service_keys(user: User) -> list[str]:
    """Return the keys of the services whose cases `user` may see, sorted."""
    roles = set(user.roles or ())
    by_service = roles_by_service()
    if ADMIN_ROLE in roles:
        return sorted(by_service)
    return sorted(key for key, names in by_service.items() if roles & names)


def visible_services(user: User) -> list[ServiceDefinition]:
    """Return the current definition of every service `user` may see."""
    keys = set(visible_service_keys(user))
    return [s for s in current_registry().current() if s.key in keys]


def can_see_case(user: User, case: Case) -> bool:
    """Say whether `user` may open `case` in the back office."""
    return case.service_key in visible_service_keys(user)


def get_case_for_staff(user: User, case_id: int) -> Case | None:
    """Return the case if `user` may see it (callers answer 404 otherwise)."""
    case = db.session.get(Case, case_id)
    return case if case is not None and can_see_case(user, case) else None


def actor_for(user: User) -> Actor:
    """Return the engine actor of a staff member."""
    return Actor(**user.as_actor_fields())


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


class BadCursor(ValueError):
    """The cursor was not made by this inbox (tampered with or from another order)."""


#: A complete case reference such as WA-2026-000123.
REFERENCE = re.compile(r"[A-Za-z]{2,8}-\d{4}-\d{6,}")


def search_pattern(term: str) -> str:
    """Return the LIKE pattern for a search term: case-insensitive substring."""
    escaped = term.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _search_expression() -> ColumnElement[str]:
    # Must match the expression of ix_cases_search exactly for PostgreSQL to use it.
    return func.lower(Case.reference + " " + Case.applicant_name)


def _day_start(day: date) -> datetime:
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
        conditions.append(_overdue_condition(now))
    if query.submitted_from:
        conditions.append(Case.submitted_at >= _day_start(query.submitted_from))
    if query.submitted_to:
        conditions.append(Case.submitted_at < _day_start(query.submitted_to + timedelta(days=1)))
    term = query.search.strip()
    if REFERENCE.fullmatch(term):
        # A whole reference: the unique index answers at once, no trigram scan needed.
        conditions.append(Case.reference == term.upper())
    elif term:
        conditions.append(_search_expression().like(search_pattern(term), escape="\\"))
    return conditions


def _overdue_condition(now: datetime, known_open: bool = False) -> ColumnElement[bool]:
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
        (_overdue_condition(now, known_open=query.status == StatusFilter.OPEN), True), else_=False
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


# --- reading a case ------------------------------------------------------------------


def state_title(service: ServiceDefinition, name: str) -> Text:
    """Return the title of state `name`, or the name itself for a state no longer defined."""
    try:
        return service.workflow.state(name).title
    except KeyError:
        return Text(name, name)


def transition_title(service: ServiceDefinition, name: str | None) -> Text:
    """Return the title of a transition (the submission has none in the workflow)."""
    if not name:
        return Text("", "")
    try:
        return service.workflow.transition(name).title
    except KeyError:
        return Text(de="Eingereicht", en="Submitted") if name == "submit" else Text(name, name)


def case_is_overdue(case: Case, now: datetime | None = None) -> bool:
    """Say whether the case's current step is past due (never while the clock is paused)."""
    if case.closed_at is not None:
        return False
    return is_overdue(case.due_at, case.clock_paused_at, now or utcnow())


def user_names(ids: Iterable[int]) -> dict[int, str]:
    """Return the display names of the users with these ids."""
    wanted = [i for i in set(ids) if i is not None]
    if not wanted:
        return {}
    rows = db.session.execute(select(User.id, User.name).where(User.id.in_(wanted)))
    return {row.id: row.name for row in rows}


def form_for(case: Case) -> FormDefinition:
    """Return the form version the case was submitted with."""
    return current_registry().form(service_for(case).form_key, case.form_version)


@dataclass(frozen=True)
class AnswerRow:
    """One answered question: its label and the answer, or a file."""

    label: str
    text: str
    file: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class GroupTable:
    """A repeatable group as a table: one column per question, one row per item."""

    label: str
    columns: list[str]
    rows: list[list[AnswerRow]]


@dataclass(frozen=True)
class Section:
    """One page of the form with the case's answers on it."""

    title: str
    items: list[AnswerRow | GroupTable]


def _answer(f: FieldDefinition, value: Any, lang: str) -> AnswerRow:
    from service.forms.display import display_value

    label = f.label.get(lang)
    if f.type == "file" and isinstance(value, Mapping) and value.get("id"):
        return AnswerRow(label, str(value.get("name") or ""), value)
    return AnswerRow(label, display_value(f, value, lang))


def case_sections(case: Case, lang: str) -> list[Section]:
    """Return the submitted data page by page, with the form's own labels."""
    from service.forms.services import visible_pages

    form = form_for(case)
    data = case.data or {}
    sections = []
    for page in visible_pages(form, data):
        items: list[AnswerRow | GroupTable] = []
        for key in page.fields:
            try:
                f = form.field(key)
            except KeyError:
                continue
            if key not in data:
                continue  # hidden by a condition, or never asked
            value = data[key]
            if f.type != "group":
                items.append(_answer(f, value, lang))
                continue
            entries = [e for e in (value or []) if isinstance(e, Mapping)]
            subs = [s for s in f.fields if any(s.key in e for e in entries)]
            items.append(
                GroupTable(
                    label=f.label.get(lang),
                    columns=[s.label.get(lang) for s in subs],
                    rows=[[_answer(s, e.get(s.key), lang) for s in subs] for e in entries],
                )
            )
        sections.append(Section(page.title.get(lang), items))
    return sections


def case_files(case: Case) -> dict[str, Mapping[str, Any]]:
    """Return the uploads named in the case's answers, by upload id."""
    files: dict[str, Mapping[str, Any]] = {}

    def collect(value: Any) -> None:
        if isinstance(value, Mapping):
            if {"id", "name", "content_type"} <= set(value) and not isinstance(
                value["id"], Mapping
            ):
                files[str(value["id"])] = value
                return
            for item in value.values():
                collect(item)
        elif isinstance(value, list):
            for item in value:
                collect(item)

    collect(case.data or {})
    return files


@dataclass(frozen=True)
class CaseFile:
    """An upload's bytes and how to serve them."""

    name: str
    content_type: str
    data: bytes


def read_case_file(case: Case, file_id: str) -> CaseFile | None:
    """Return an upload of this case, or None when it does not belong to the case.

    An upload belongs to the case when its answers name it or when it was sent with a
    reply to the case; any other id answers None, so ids cannot be probed across cases.
    """
    try:
        from service.portal.models import Upload
    except ImportError:
        return None
    from service.storage.services import FileMissing, get_storage

    upload = db.session.get(Upload, file_id)
    if upload is None:
        return None
    meta = case_files(case).get(file_id)
    if meta is None and getattr(upload, "case_id", None) != case.id:
        return None
    try:
        data = get_storage().get(upload.storage_key)
    except FileMissing:
        return None
    return CaseFile(
        name=str(upload.original_name or (meta or {}).get("name") or "file"),
        content_type=str(upload.content_type),
        data=data,
    )


@dataclass(frozen=True)
class DocumentView:
    """A document of the case with its rendering status."""

    id: int
    title: str
    status: str
    issued_at: datetime | None
    can_download: bool
    can_retry: bool


def case_documents(case: Case, lang: str) -> list[DocumentView] | None:
    """Return the case's documents with their status, or None without a documents package."""
    try:
        from service.documents import services as documents
    except ImportError:
        return None
    result = []
    for d in documents.case_documents(case):
        result.append(
            DocumentView(
                id=d.id,
                title=documents.document_title(d, lang),
                status=str(d.status),
                issued_at=d.issued_at,
                can_download=d.status == "rendered" and d.storage_key is not None,
                can_retry=d.status == "failed",
            )
        )
    return result


def document_pdf(case: Case, document_id: int) -> tuple[str, bytes] | None:
    """Return (file name, PDF bytes) of a rendered document of this case, or None."""
    from service.documents import services as documents
    from service.documents.models import Document

    document = db.session.get(Document, document_id)
    if document is None or document.case_id != case.id or document.storage_key is None:
        return None
    return documents.download_name(document), documents.document_bytes(document)


def retry_document(case: Case, document_id: int) -> bool:
    """Queue a failed render of this case's document again; False if there is none."""
    from service.documents import services as documents
    from service.documents.models import Document

    document = db.session.get(Document, document_id)
    if document is None or document.case_id != case.id:
        return False
    return documents.retry_document(document_id)


@dataclass(frozen=True)
class TimelineEntry:
    """One audit event as the case page shows it."""

    event: AuditEvent
    title: Text
    from_title: Text | None
    to_title: Text | None
    inputs: list[tuple[str, str]]


def timeline(case: Case, lang: str) -> list[TimelineEntry]:
    """Return the case's audit events, newest first, with titles and readable inputs."""
    service = service_for(case)
    events = list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.case_id == case.id).order_by(AuditEvent.seq.desc())
        )
    )
    assignees = user_names(
        int(e.inputs["assignee_id"])
        for e in events
        if e.action == AuditAction.ASSIGNED and isinstance(e.inputs.get("assignee_id"), int)
    )
    entries = []
    for e in events:
        inputs: list[tuple[str, str]] = []
        labels: dict[str, str] = {}
        if e.transition:
            try:
                for spec in service.workflow.transition(e.transition).inputs:
                    labels[spec.name] = spec.label.get(lang)
            except KeyError:
                pass
        for name, value in (e.inputs or {}).items():
            if e.action == AuditAction.ASSIGNED and name == "assignee_id":
                continue
            if value not in (None, ""):
                inputs.append((labels.get(name, name), str(value)))
        if e.action == AuditAction.ASSIGNED:
            who = assignees.get(e.inputs.get("assignee_id") or 0)
            title = (
                Text(de=f"Zugewiesen an {who}", en=f"Assigned to {who}")
                if who
                else Text(de="Zuweisung aufgehoben", en="Unassigned")
            )
        elif e.action == AuditAction.NOTE:
            title = Text(de="Interne Notiz", en="Internal note")
        elif e.action == AuditAction.APPROVAL:
            title = Text(
                de=f"Freigabe: {transition_title(service, e.transition).de}",
                en=f"Approval: {transition_title(service, e.transition).get('en')}",
            )
        elif e.action in (AuditAction.TRANSITION, AuditAction.SUBMITTED):
            title = transition_title(service, e.transition)
        else:
            title = Text(e.action, e.action)
        moved = e.from_state != e.to_state
        entries.append(
            TimelineEntry(
                event=e,
                title=title,
                from_title=state_title(service, e.from_state) if moved and e.from_state else None,
                to_title=state_title(service, e.to_state) if moved and e.to_state else None,
                inputs=inputs,
            )
        )
    return entries


def record_view(case: Case, user: User, now: datetime | None = None) -> CaseView:
    """Record that `user` opened `case` (kept for data-protection questions)."""
    view = CaseView(case_id=case.id, user_id=user.id, viewed_at=now or utcnow())
    db.session.add(view)
    db.session.flush()
    return view


@dataclass(frozen=True)
class Viewer:
    """A staff member who opened the case: how often and when last."""

    name: str
    count: int
    last_viewed_at: datetime


def viewers(case: Case) -> list[Viewer]:
    """Return who opened the case, most recent first."""
    rows = db.session.execute(
        select(User.name, func.count(), func.max(CaseView.viewed_at))
        .join(User, User.id == CaseView.user_id)
        .where(CaseView.case_id == case.id)
        .group_by(User.id, User.name)
        .order_by(func.max(CaseView.viewed_at).desc())
    ).all()
    return [Viewer(name, count, last) for name, count, last in rows]


# --- notes and assignment ------------------------------------------------------------


def add_note(case: Case, user: User, text: str) -> CaseNote:
    """Add an internal note (staff only) and record it in the audit trail."""
    text = text.strip()
    if not text:
        raise ValueError("empty note")
    note = CaseNote(case_id=case.id, author_id=user.id, text=text[:10_000])
    db.session.add(note)
    db.session.flush()
    record_event(case, AuditAction.NOTE, actor_for(user), {"note_id": note.id})
    return note


@dataclass(frozen=True)
class NoteView:
    """A note with its author's name."""

    note: CaseNote
    author: str


def notes(case: Case) -> list[NoteView]:
    """Return the case's internal notes, newest first."""
    rows = db.session.execute(
        select(CaseNote, User.name)
        .join(User, User.id == CaseNote.author_id)
        .where(CaseNote.case_id == case.id)
        .order_by(CaseNote.created_at.desc(), CaseNote.id.desc())
    ).all()
    return [NoteView(note, name) for note, name in rows]


def staff_members() -> list[User]:
    """Return every user holding any role, by name (residents are never read)."""
    return list(db.session.scalars(select(User).where(HAS_ROLES).order_by(User.name, User.id)))


def assignable_staff(service_key: str, members: Iterable[User] | None = None) -> list[User]:
    """Return the staff members holding a role of the service's workflow, by name."""
    roles = roles_by_service().get(service_key, set())
    if not roles:
        return []
    return [u for u in (staff_members() if members is None else members) if roles & set(u.roles)]


def colleagues_for(user: User) -> list[User]:
    """Return the staff members `user` may assign cases to (any of the user's services)."""
    members = staff_members()
    keys = visible_service_keys(user)
    return [m for m in members if any(m in assignable_staff(k, [m]) for k in keys)]


def assign(case: Case, assignee_id: int | None, by: User) -> None:
    """Assign `case` to a colleague with a role for its workflow (None unassigns)."""
    if not can_see_case(by, case):
        raise NotAllowed("case of another service")
    if assignee_id is not None:
        allowed = {u.id for u in assignable_staff(case.service_key)}
        if assignee_id not in allowed:
            raise NotAllowed("the assignee holds no role for this service")
    if case.assignee_id == assignee_id:
        return
    assign_case(case, assignee_id, actor_for(by))


def claim(case: Case, user: User) -> None:
    """Assign `case` to `user` themself."""
    assign(case, user.id, user)


def bulk_assign(case_ids: Iterable[int], assignee_id: int | None, by: User) -> int:
    """Assign several cases at once; return how many changed. Refuses all on any refusal."""
    cases = [get_case_for_staff(by, int(i)) for i in dict.fromkeys(case_ids)]
    if any(c is None for c in cases):
        raise NotAllowed("unknown case")
    changed = 0
    for case in cases:
        assert case is not None
        if case.assignee_id != assignee_id:
            assign(case, assignee_id, by)
            changed += 1
    return changed


# --- deadlines -----------------------------------------------------------------------


def escalate_overdue(now: datetime | None = None) -> int:
    """Mark open, overdue cases as escalated (once each); return how many were marked.

    Run daily (`flask --app service backoffice escalate`). The mark is not a state change,
    so it leaves the case version alone and never makes a colleague's open page stale.
    """
    now = now or utcnow()
    result = db.session.execute(
        update(Case)
        .where(_overdue_condition(now), Case.escalated_at.is_(None))
        .values(escalated_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    for case in db.session.identity_map.values():
        if isinstance(case, Case):
            db.session.expire(case, ["escalated_at"])
    return int(getattr(result, "rowcount", 0) or 0)


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
    since = _day_start(first_week)
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
        select(func.count()).where(Case.service_key == service_key, _overdue_condition(now))
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
