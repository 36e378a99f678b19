"""Residents' drafts: the open one per service, its time to live, deleting it with its files.

Functions only flush; the request commits. Faces reach them through their own services
(the portal re-exports them).
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select

from service.attachments.services import delete_draft_uploads
from service.definitions.services import current_registry
from service.definitions.types import FormDefinition, ServiceDefinition
from service.drafts.models import Draft
from service.extensions import db, utcnow


def get_draft(owner_id: int, service_key: str, now: datetime | None = None) -> Draft | None:
    """Return the owner's open draft of a service; an expired draft is deleted instead."""
    draft = db.session.scalar(
        select(Draft)
        .where(Draft.owner_id == owner_id, Draft.service_key == service_key)
        .where(Draft.case_id.is_(None))
        .order_by(Draft.id.desc())
        .limit(1)
    )
    if draft is None:
        return None
    if draft.expires_at is not None and draft.expires_at <= (now or utcnow()):
        delete_draft(draft)
        return None
    return draft


def get_draft_by_id(draft_id: int, owner_id: int) -> Draft | None:
    """Return the owner's open draft with this id, or None."""
    draft = db.session.get(Draft, draft_id)
    if draft is None or draft.owner_id != owner_id or draft.case_id is not None:
        return None
    return draft


def open_drafts(owner_id: int, now: datetime | None = None) -> list[Draft]:
    """Return the owner's drafts that have not expired, newest first."""
    now = now or utcnow()
    drafts = db.session.scalars(
        select(Draft)
        .where(Draft.owner_id == owner_id, Draft.case_id.is_(None))
        .order_by(Draft.updated_at.desc())
    ).all()
    return [d for d in drafts if d.expires_at is None or d.expires_at > now]


def start_draft(owner_id: int, service: ServiceDefinition, form: FormDefinition) -> Draft:
    """Return the owner's open draft of the service, creating it when there is none."""
    draft = get_draft(owner_id, service.key)
    if draft is None:
        draft = Draft(
            owner_id=owner_id,
            service_key=service.key,
            workflow_version=service.version,
            form_version=form.version,
            data={},
            submit_token=secrets.token_urlsafe(24),
        )
        db.session.add(draft)
    touch(draft, service)
    db.session.flush()
    return draft


def touch(draft: Draft, service: ServiceDefinition) -> None:
    """Move the draft onto the current definitions and start its time to live again."""
    now = utcnow()
    # A draft always continues on the current definitions; submission validates again.
    draft.workflow_version = service.version
    draft.form_version = current_registry().form(service.form_key).version
    draft.updated_at = now
    draft.expires_at = now + service.draft_ttl if service.draft_ttl else None


def delete_draft(draft: Draft) -> None:
    """Delete a draft and the files uploaded only for it."""
    delete_draft_uploads(draft.id)
    db.session.delete(draft)
    db.session.flush()


def purge_expired_drafts(now: datetime | None = None) -> int:
    """Delete every draft whose time is up (and its files); return how many."""
    now = now or utcnow()
    drafts = db.session.scalars(
        select(Draft).where(
            Draft.case_id.is_(None), Draft.expires_at.is_not(None), Draft.expires_at <= now
        )
    ).all()
    for draft in drafts:
        delete_draft(draft)
    return len(drafts)


def submitted_draft(owner_id: int, token: str) -> Draft | None:
    """Return the owner's already submitted draft with this submit token, if any."""
    return db.session.scalar(
        select(Draft).where(
            Draft.owner_id == owner_id, Draft.submit_token == token, Draft.case_id.is_not(None)
        )
    )
