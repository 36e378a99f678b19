"""Public API of privacy: anonymise closed cases after retention, expire drafts, export.

Retention (`run_retention`) blanks a closed case's personal answers (every field with
`personal: true`, the default, in the form version the case is pinned to, inside groups
too), its display name and its notes, deletes its uploaded files and withdraws its
documents (the stored PDFs are deleted). The audit trail is the legal record of what the
authority did: its events keep their order, actions and hashes; only their personal
fields (the resident's name, the inputs) are blanked, which their keyed hashes allow (see
docs/audit.md), and the job appends an "anonymised" event, so `audit verify` still
passes. A case with a legal hold is skipped until the hold is lifted.

Other packages' models (drafts, uploads, documents) are imported lazily so that this
package works whatever parts of amtsweg a deployment has.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select

from service import engine
from service.attachments.models import Upload
from service.cases.constants import AuditAction
from service.cases.models import AuditEvent, Case, CaseNote
from service.cases.services import record_event
from service.cases.verification import blank_personal_fields
from service.definitions.services import UnknownDefinition, current_registry
from service.definitions.types import FieldDefinition, FormDefinition
from service.documents.models import Document
from service.drafts.models import Draft
from service.extensions import db, utcnow
from service.forms.files import file_answers, upload_ids
from service.jobs import services as jobs
from service.privacy.constants import EXPORT_FORMAT, RETENTION_ACTOR_ID, RETENTION_ACTOR_LABEL

log = logging.getLogger(__name__)

SYSTEM = engine.Actor(id=RETENTION_ACTOR_ID, kind="system", label=RETENTION_ACTOR_LABEL)


@dataclass
class RetentionEntry:
    """A closed case past its retention period: what goes (or went)."""

    case_id: int
    reference: str
    service_key: str
    closed_at: datetime
    fields: list[str] = field(default_factory=list)
    files: int = 0
    documents: int = 0
    notes: int = 0


# ------------------------------------------------------------------------------ retention


def due_for_retention(now: datetime) -> list[Case]:
    """Return the closed cases whose retention ended by `now`, without a legal hold."""
    registry = current_registry()
    due: list[Case] = []
    for key, versions in registry.services.items():
        for version, service in versions.items():
            if service.retention is None:
                continue
            due.extend(
                db.session.scalars(
                    select(Case)
                    .where(
                        Case.service_key == key,
                        Case.workflow_version == version,
                        Case.closed_at.is_not(None),
                        Case.closed_at <= now - service.retention,
                        Case.anonymised_at.is_(None),
                        Case.legal_hold.is_(False),
                    )
                    .order_by(Case.id)
                )
            )
    return due


def held_cases(now: datetime) -> list[Case]:
    """Return closed cases past retention that a legal hold keeps."""
    registry = current_registry()
    held: list[Case] = []
    for case in db.session.scalars(
        select(Case).where(
            Case.legal_hold.is_(True), Case.closed_at.is_not(None), Case.anonymised_at.is_(None)
        )
    ):
        retention = registry.service(case.service_key, case.workflow_version).retention
        if (
            retention is not None
            and case.closed_at is not None
            and case.closed_at <= now - retention
        ):
            held.append(case)
    return held


@jobs.periodic("retention", every=timedelta(days=1))
def retention_job(now: datetime) -> int:
    """Anonymise every closed case past retention; return how many (run daily)."""
    return len(run_retention(now))


def run_retention(now: datetime | None = None, dry_run: bool = False) -> list[RetentionEntry]:
    """Anonymise every closed case past retention (or, with `dry_run`, only list them)."""
    now = now or utcnow()
    entries = []
    for case in due_for_retention(now):
        entry = plan(case)
        if not dry_run:
            anonymise_case(case, now)
        entries.append(entry)
    return entries


def plan(case: Case) -> RetentionEntry:
    """Describe what anonymising `case` removes, changing nothing."""
    form = _form_for(case)
    assert case.closed_at is not None
    return RetentionEntry(
        case_id=case.id,
        reference=case.reference,
        service_key=case.service_key,
        closed_at=case.closed_at,
        fields=sorted(_personal_paths(form.fields, case.data or {})),
        files=len(_case_uploads(case)),
        documents=len(_case_documents(case)),
        notes=db.session.query(CaseNote).filter(CaseNote.case_id == case.id).count(),
    )


def anonymise_case(case: Case, now: datetime | None = None) -> None:
    """Blank the case's personal data, delete its files, withdraw its documents (flushes)."""
    from service.storage.services import get_storage

    now = now or utcnow()
    storage = get_storage()
    form = _form_for(case)
    entry = plan(case)
    case.data = _strip_personal(form.fields, case.data or {})
    case.applicant_name = ""
    # A hash of the answers would let someone holding the answers confirm them.
    case.request_hash = None
    for upload in _case_uploads(case):
        _delete_file(storage, upload.storage_key)
        db.session.delete(upload)
    for document in _case_documents(case):
        if document.storage_key:
            _delete_file(storage, document.storage_key)
        document.storage_key = None
        document.withdrawn_at = document.withdrawn_at or now
    db.session.execute(delete(CaseNote).where(CaseNote.case_id == case.id))
    db.session.execute(delete(Draft).where(Draft.case_id == case.id))
    case.anonymised_at = now
    blank_personal_fields(case)
    record_event(
        case,
        AuditAction.ANONYMISED,
        SYSTEM,
        {"fields": len(entry.fields), "files": entry.files, "documents": entry.documents},
    )


def set_legal_hold(case: Case, on: bool, actor: engine.Actor) -> None:
    """Set or lift a legal hold (retention skips held cases) and record who did it."""
    case.legal_hold = on
    record_event(case, AuditAction.LEGAL_HOLD, actor, {"on": on})


def _form_for(case: Case) -> FormDefinition:
    registry = current_registry()
    service = registry.service(case.service_key, case.workflow_version)
    return registry.form(service.form_key, case.form_version)


def _personal_paths(
    fields: Iterable[FieldDefinition], data: Mapping[str, Any], prefix: str = ""
) -> set[str]:
    paths: set[str] = set()
    for f in fields:
        if f.key not in data:
            continue
        if f.type == "group" and f.personal:
            for item in data[f.key] or []:
                if isinstance(item, Mapping):
                    paths |= _personal_paths(f.fields, item, f"{prefix}{f.key}.")
        elif f.personal:
            paths.add(prefix + f.key)
    return paths


def _personal_labels(answers: Case | Draft) -> list[str]:
    """Return the sorted paths of a case's or draft's answers that its form version marks
    personal ("persons.family_name"); an answer the form does not know counts as personal."""
    registry, data = current_registry(), answers.data or {}
    try:
        service = registry.service(answers.service_key, answers.workflow_version)
        fields = registry.form(service.form_key, answers.form_version).fields
    except UnknownDefinition:  # a version no longer known: nothing vouches for any answer
        fields = ()
    known = {f.key for f in fields}
    return sorted(_personal_paths(fields, data) | {k for k in data if k not in known})


def _strip_personal(fields: Iterable[FieldDefinition], data: Mapping[str, Any]) -> dict[str, Any]:
    """Return `data` without personal answers; a group keeps its items' other answers."""
    kept: dict[str, Any] = {}
    by_key = {f.key: f for f in fields}
    for key, value in data.items():
        f = by_key.get(key)
        if f is None:
            continue  # not in the form: nothing vouches that it is not personal
        if f.type == "group" and f.personal:
            kept[key] = [
                _strip_personal(f.fields, item) if isinstance(item, Mapping) else {}
                for item in value or []
            ]
        elif not f.personal:
            kept[key] = value
    return kept


def _case_uploads(case: Case) -> list[Upload]:
    ids = upload_ids(file_answers(_form_for(case), case.data or {}))
    query = select(Upload).where(Upload.case_id == case.id)
    if ids:
        query = select(Upload).where((Upload.case_id == case.id) | Upload.id.in_(sorted(ids)))
    return list(db.session.scalars(query))


def _case_documents(case: Case) -> list[Any]:
    return list(db.session.scalars(select(Document).where(Document.case_id == case.id)))


def _delete_file(storage: Any, key: str) -> None:
    # Already gone is what we wanted.
    with contextlib.suppress(LookupError):
        storage.delete(key)


# ------------------------------------------------------------------------------ drafts


@jobs.periodic("drafts", every=timedelta(days=1))
def expire_drafts(now: datetime | None = None) -> int:
    """Delete drafts past their expiry (never submitted ones) with their uploads."""
    from service.storage.services import get_storage

    now = now or utcnow()
    registry = current_registry()
    drafts = list(
        db.session.scalars(select(Draft).where(Draft.case_id.is_(None)).order_by(Draft.id))
    )
    storage = get_storage()
    count = 0
    for draft in drafts:
        expires = draft.expires_at
        if expires is None:
            try:
                ttl = registry.service(draft.service_key, draft.workflow_version).draft_ttl
            except LookupError:
                ttl = None
            expires = draft.updated_at + ttl if ttl is not None else None
        if expires is None or expires > now:
            continue
        for upload in db.session.scalars(
            select(Upload).where(Upload.draft_id == draft.id, Upload.case_id.is_(None))
        ):
            _delete_file(storage, upload.storage_key)
            db.session.delete(upload)
        db.session.delete(draft)
        count += 1
    db.session.flush()
    return count


# ------------------------------------------------------------------------------ export


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def export_for(user: Any) -> dict[str, Any]:
    """Return everything held about `user` as JSON-ready data (their data export)."""
    cases = list(
        db.session.scalars(select(Case).where(Case.applicant_id == user.id).order_by(Case.id))
    )
    case_ids = [c.id for c in cases]
    events: dict[int, list[AuditEvent]] = {cid: [] for cid in case_ids}
    if case_ids:
        for ev in db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.case_id.in_(case_ids))
            .order_by(AuditEvent.case_id, AuditEvent.seq)
        ):
            events[ev.case_id].append(ev)
    documents: dict[int, list[Any]] = {cid: [] for cid in case_ids}
    if case_ids:
        for doc in db.session.scalars(
            select(Document).where(Document.case_id.in_(case_ids)).order_by(Document.id)
        ):
            documents[doc.case_id].append(doc)
    drafts = list(
        db.session.scalars(select(Draft).where(Draft.owner_id == user.id).order_by(Draft.id))
    )
    uploads = list(
        db.session.scalars(
            select(Upload).where(Upload.owner_id == user.id).order_by(Upload.created_at)
        )
    )
    return {
        "format": EXPORT_FORMAT,
        "exported_at": utcnow().isoformat(),
        "profile": {
            "name": user.name,
            "email": user.email,
            "locale": user.locale,
            "identity_provider": user.issuer,
            "created_at": _iso(user.created_at),
            "last_login_at": _iso(user.last_login_at),
        },
        "drafts": [
            {
                "id": d.id,
                "service": d.service_key,
                "data": d.data,
                "personal_fields": _personal_labels(d),
                "created_at": _iso(d.created_at),
                "updated_at": _iso(d.updated_at),
                "expires_at": _iso(d.expires_at),
            }
            for d in drafts
        ],
        "cases": [
            {
                "reference": c.reference,
                "service": c.service_key,
                "state": c.state,
                "data": c.data,
                # The answers the form marks `personal: true` (what retention removes).
                "personal_fields": _personal_labels(c),
                "submitted_at": _iso(c.submitted_at),
                "closed_at": _iso(c.closed_at),
                "anonymised_at": _iso(c.anonymised_at),
                "language": c.lang,
                "timeline": [_timeline_entry(ev, user.id) for ev in events[c.id]],
                "documents": [
                    {
                        "document": doc.document,
                        "status": doc.status,
                        "issued_at": _iso(doc.issued_at),
                        "withdrawn_at": _iso(doc.withdrawn_at),
                        "size": doc.size,
                        "sha256": doc.sha256,
                    }
                    for doc in documents[c.id]
                ],
            }
            for c in cases
        ],
        "uploads": [
            {
                "id": u.id,
                "name": u.original_name,
                "content_type": u.content_type,
                "size": u.size,
                "sha256": u.sha256,
                "uploaded_at": _iso(u.created_at),
            }
            for u in uploads
        ],
    }


def _timeline_entry(ev: AuditEvent, user_id: int) -> dict[str, Any]:
    # Staff are named by role in the resident's export, as on the portal: not by person.
    by = "you" if ev.actor_kind == "user" and ev.actor_id == str(user_id) else ev.actor_kind
    entry: dict[str, Any] = {
        "at": _iso(ev.at),
        "action": ev.action,
        "transition": ev.transition,
        "from_state": ev.from_state,
        "to_state": ev.to_state,
        "by": "staff" if by == "user" else by,
    }
    if ev.action in (AuditAction.SUBMITTED, AuditAction.TRANSITION):
        entry["inputs"] = ev.inputs
    return entry
