"""Reading one case: answers, files, documents, timeline, viewers, notes and assignment."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from service.attachments import services as attachments
from service.auth.models import User
from service.backoffice.access import (
    NotAllowed,
    actor_for,
    can_see_case,
    get_case_for_staff,
    roles_by_service,
    visible_service_keys,
)
from service.backoffice.models import HAS_ROLES, CaseView
from service.cases.constants import AuditAction
from service.cases.models import Case, CaseNote
from service.cases.services import assign_case, record_event, service_for
from service.definitions.services import current_registry
from service.definitions.types import FieldDefinition, FormDefinition, ServiceDefinition
from service.engine.roles import holds_any
from service.engine.services import is_overdue
from service.engine.types import Text
from service.extensions import db, utcnow
from service.forms.files import FileAnswer, file_answers

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
    #: The upload a file question's answer names (a link to it on the case page).
    file: FileAnswer | None = None


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
    upload = FileAnswer.from_value(f.key, value) if f.type == "file" else None
    if upload is not None:
        return AnswerRow(label, upload.name, upload)
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


def case_files(case: Case) -> dict[str, FileAnswer]:
    """Return the uploads named in the case's answers, by upload id."""
    return {a.upload_id: a for a in file_answers(form_for(case), case.data or {})}


@dataclass(frozen=True)
class CaseFile:
    """An upload's bytes and how to serve them."""

    name: str
    content_type: str
    data: bytes


def read_case_file(case: Case, file_id: str) -> CaseFile | None:
    """Return an upload of this case, or None when it does not belong to the case.

    An upload belongs to the case when it was bound to it: at submission (the answers
    named it and the case's submitter uploaded it) or sent with a reply. Any other id
    answers None, so ids cannot be probed across cases, and a case naming a stranger's
    upload never serves it.
    """
    upload = attachments.case_upload(case.id, file_id)
    if upload is None:
        return None
    try:
        data = attachments.read_upload(upload)
    except attachments.FileMissing:
        return None
    return CaseFile(
        name=str(upload.original_name or "file"),
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


def case_documents(case: Case, lang: str) -> list[DocumentView]:
    """Return the case's documents with their status."""
    from service.documents import services as documents
    from service.documents.constants import Viewer as Reader  # not this module's Viewer

    result = []
    for d in documents.visible_documents(case, Reader.STAFF):
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


def document_pdf(case: Case, document_id: int) -> tuple[str, bytes]:
    """Return (file name, PDF bytes) of a rendered document of this case (typed errors else)."""
    from service.documents import services as documents
    from service.documents.constants import Viewer as Reader  # not this module's Viewer

    document = documents.readable_document(case, document_id, Reader.STAFF)
    return documents.download_name(document), documents.document_bytes(document)


def retry_document(case: Case, document_id: int) -> bool:
    """Queue a failed render of this case's document again; False if there is none."""
    from service.documents import services as documents
    from service.documents.models import Document

    document = db.session.get(Document, document_id)
    if document is None or document.case_id != case.id:
        return False
    return documents.retry_document(document_id)


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
    found = staff_members() if members is None else members
    return [u for u in found if holds_any(u.roles or (), service_key, roles)]


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
