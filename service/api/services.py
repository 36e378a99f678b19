"""The API's own logic: who may see which case, idempotent submission, keyset pages.

Business rules (validation, transitions, audit) stay in `service.cases.services`; this
module only adds what is specific to integrators.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import and_, bindparam, false, not_, or_, select, tuple_, update

from service.api.constants import API_PREFIX
from service.api.idempotency import KeyClaim as KeyClaim
from service.api.idempotency import claim_idempotency_key as claim_idempotency_key
from service.api.idempotency import earlier_answer as earlier_answer
from service.api.idempotency import prune_idempotency_keys as prune_idempotency_keys
from service.api.idempotency import prune_idempotency_records as prune_idempotency_records
from service.api.idempotency import request_hash as request_hash
from service.api.idempotency import store_idempotent_response as store_idempotent_response
from service.auth.models import User
from service.cases.case_view import client_view
from service.cases.constants import CASE_DOCUMENT_READY, CASE_SUBMITTED, CASE_TRANSITIONED
from service.cases.models import Case
from service.cases.services import available_transitions, service_for
from service.definitions.registry import UnknownDefinition
from service.definitions.services import current_registry
from service.definitions.types import ServiceDefinition
from service.documents import services as documents
from service.documents.constants import Viewer
from service.documents.models import Document
from service.engine import APPLICANT, Actor, HistoryEntry, Text
from service.engine.roles import holds_any
from service.errors import AppError, FieldError
from service.extensions import core, db, insert_unless_exists
from service.prepared import Prepared


def api_url(path: str) -> str:
    """Return the absolute URL of an API path (also usable outside a request)."""
    return current_app.config.get("BASE_URL", "").rstrip("/") + API_PREFIX + path


def case_url(case_id: int) -> str:
    """Return the API URL of a case."""
    return api_url(f"/cases/{case_id}")


def _text(text: Text) -> dict[str, str]:
    return {"de": text.de, "en": text.en or text.de}


# ------------------------------------------------------------------------------ services


def service_summary(service: ServiceDefinition) -> dict[str, Any]:
    """Describe a service in a list."""
    return {
        "key": service.key,
        "version": service.version,
        "title": _text(service.title),
        "links": {"self": api_url(f"/services/{service.key}")},
    }


def service_event_types(service: ServiceDefinition) -> list[str]:
    """Return the webhook event types a service can emit."""
    types = [CASE_SUBMITTED, CASE_TRANSITIONED]
    if service.documents:
        types.append(CASE_DOCUMENT_READY)
    for t in service.workflow.transitions:
        types.extend(e for e in t.events if e not in types)
    return types


def service_detail(service: ServiceDefinition, lang: str) -> dict[str, Any]:
    """Describe a service's current version: form schema, states and transitions.

    The transitions come in the order a case offers them (`Workflow.listed_transitions`),
    so an integrator who filters them by state sees a case's actions in our order.
    """
    from service.forms.services import json_schema

    form = current_registry().form(service.form_key)
    wf = service.workflow
    return {
        **service_summary(service),
        "form_key": form.key,
        "form_version": form.version,
        "form_schema": json_schema(form, lang),
        "states": [
            {"name": s.name, "title": _text(s.title), "initial": s.initial, "final": s.final}
            for s in wf.states
        ],
        "transitions": [
            {
                "name": t.name,
                "title": _text(t.title),
                "sources": list(t.sources),
                "target": t.target,
                "roles": list(t.roles),
                "inputs": [
                    {
                        "name": i.name,
                        "label": _text(i.label),
                        "type": i.type,
                        "required": i.required,
                        "max_length": i.max_length,
                        "options": [
                            {"value": o.value, "label": _text(o.label)}
                            for o in (i.field.options if i.field is not None else ())
                        ],
                        "accept": list(i.field.accept) if i.field is not None else [],
                        "max_size": i.field.max_size if i.field is not None else None,
                    }
                    for i in t.inputs
                ],
                "events": list(t.events),
            }
            for t in wf.listed_transitions()  # the order a case offers them, own steps first
        ],
        "event_types": service_event_types(service),
    }


# ------------------------------------------------------------------------ who sees what


def _staff_roles(service: ServiceDefinition) -> set[str]:
    return {r for t in service.workflow.transitions for r in t.roles if r != APPLICANT}


def services_for(actor: Actor) -> list[str]:
    """Return the keys of services in which the actor holds a workflow role."""
    found = current_registry().current()
    return [s.key for s in found if holds_any(actor.roles, s.key, _staff_roles(s))]


def _visible(actor: Actor) -> Any:
    """Return the condition of the cases an integrator may see: its own submissions and the
    cases of services its roles work in, never the cases of a draft workflow version.

    A draft's cases are staff trying the service in the portal: test data, not part of
    any integration (no webhook tells of them either, see `cases.events.queue_effects`).
    Every API route reads cases through this condition (`find_case`, `list_cases`).
    """
    keys = services_for(actor)
    visible = or_(
        Case.submitted_by == actor.id,
        Case.service_key.in_(keys) if keys else false(),
    )
    drafts = current_registry().draft_versions()
    if not drafts:
        return visible
    return and_(visible, not_(tuple_(Case.service_key, Case.workflow_version).in_(drafts)))


def find_case(reference: str, actor: Actor) -> Case | None:
    """Return the case by id or reference if the client may see it (callers answer 404)."""
    query = select(Case).where(_visible(actor))
    if reference.isdigit() and len(reference) < 12:
        query = query.where(Case.id == int(reference))
    else:
        query = query.where(Case.reference == reference[:32])
    return db.session.scalar(query)


def case_view(
    case: Case,
    actor: Actor,
    with_data: bool,
    known_history: tuple[HistoryEntry, ...] | None = None,
) -> dict[str, Any]:
    """Return the API representation of a case; the data only when the client may read it."""
    service = service_for(case)  # looked up once for every part below
    options = available_transitions(case, actor, known_history, service)
    state = service.workflow.state(case.state)
    url = case_url(case.id)
    body: dict[str, Any] = {
        "id": case.id,
        "reference": case.reference,
        "service": case.service_key,
        "workflow_version": case.workflow_version,
        "form_version": case.form_version,
        "state": case.state,
        # What the resident is told about this state, so a portal of another system says
        # the same (a rejected case promises no document).
        "state_title": {"de": state.title.de, "en": state.title.en},
        "state_text": (
            {"de": state.resident_text.de, "en": state.resident_text.en}
            if state.resident_text
            else None
        ),
        "version": case.version,
        "submitted_at": case.submitted_at.isoformat(),
        "updated_at": case.updated_at.isoformat(),
        "closed_at": case.closed_at.isoformat() if case.closed_at else None,
        "submitted_by": case.submitted_by,
        "transitions": [
            {
                "name": o.transition.name,
                "allowed": o.allowed,
                "reason": o.reason.reason.value if o.reason else None,
            }
            for o in options
            if APPLICANT not in o.transition.roles or len(o.transition.roles) > 1
        ],
        "links": {
            "self": url,
            "transitions": url + "/transitions",
            "documents": url + "/documents",
            "service": api_url(f"/services/{case.service_key}"),
        },
    }
    if with_data:
        form = current_registry().form(service.form_key, case.form_version)
        body["data"] = case.data
        body.update(client_view(case, form))
    return body


# ------------------------------------------------------------------------------ listing


@dataclass(frozen=True)
class Page:
    """One page of cases and the cursor of the next, if any."""

    cases: list[Case]
    next_cursor: str | None


class BadCursor(AppError):
    """The cursor was not made by us: 422 with the field path `cursor` (the one error map)."""

    status = 422
    kind = "validation"

    def __init__(self, cursor: str) -> None:
        text = Text(de="Dieser Cursor ist ungültig.", en="This cursor is not valid.")
        super().__init__(f"bad cursor {cursor[:40]!r}", fields=[FieldError("cursor", text)])


def encode_cursor(updated_at: datetime, case_id: int) -> str:
    """Return an opaque cursor pointing after (updated_at, id)."""
    raw = json.dumps([updated_at.isoformat(), case_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """Return the (updated_at, id) a cursor points after, or raise BadCursor."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        stamp, case_id = json.loads(raw)
        at = datetime.fromisoformat(stamp)
        if at.tzinfo is None or not isinstance(case_id, int):
            raise BadCursor(cursor)
        return at, case_id
    except (ValueError, TypeError, binascii.Error):
        raise BadCursor(cursor) from None


def list_cases(
    actor: Actor,
    *,
    service: str | None = None,
    state: str | None = None,
    updated_since: datetime | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page:
    """Return the cases the client may see, oldest change first, one page at a time.

    Keyset pagination on (updated_at, id): a case inserted or changed while a client
    pages through lands after the cursor, so no case is skipped or shown twice in a walk.
    """
    query = select(Case).where(_visible(actor))
    if service:
        query = query.where(Case.service_key == service)
    if state:
        query = query.where(Case.state == state)
    if updated_since:
        query = query.where(Case.updated_at >= updated_since)
    if cursor:
        at, case_id = decode_cursor(cursor)
        query = query.where(
            or_(Case.updated_at > at, and_(Case.updated_at == at, Case.id > case_id))
        )
    rows = list(db.session.scalars(query.order_by(Case.updated_at, Case.id).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(rows[-1].updated_at, rows[-1].id) if more and rows else None
    return Page(rows, next_cursor)


# ---------------------------------------------------------------------------- submitting


# Statements of every submission, built once: building one costs more than running it
# through SQLAlchemy's compiled cache (the Idempotency-Key ones are in `idempotency`).
_APPLICANT = Prepared(
    select(User.id, User.name).where(
        User.issuer == bindparam("issuer"), User.subject == bindparam("subject")
    )
)


def find_or_create_applicant(
    issuer: str, subject: str, name: str, email: str | None, lang: str
) -> int:
    """Return the id of the resident known by (issuer, subject), creating them on first sight.

    Reads only the two columns it needs: this runs on every submission.
    """
    rows = _APPLICANT.execute({"issuer": issuer, "subject": subject})
    if rows:
        user_id, known_name = rows[0]
        if not known_name:
            core().execute(update(User).where(User.id == user_id).values(name=name))
        return int(user_id)
    user = User(issuer=issuer, subject=subject, name=name, email=email, locale=lang)
    if insert_unless_exists(user):
        return user.id
    found = db.session.scalar(  # created concurrently
        select(User.id).where(User.issuer == issuer, User.subject == subject)
    )
    if found is None:
        raise RuntimeError("the applicant could be neither created nor found")
    return found


# ---------------------------------------------------------------------------- documents


def list_documents(case: Case) -> list[Document]:
    """Return the case's documents an integrator may see: issued and not withdrawn."""
    return documents.visible_documents(case, Viewer.CLIENT)


def document_view(case: Case, doc: Document) -> dict[str, Any]:
    """Describe one document of a case."""
    created = doc.created_at
    return {
        "id": str(doc.id),
        "document": doc.document,
        "status": "issued",  # only issued documents are listed (`list_documents`)
        "content_type": "application/pdf",
        "size": doc.size,
        "created_at": created.isoformat() if created else None,
        "links": {"content": case_url(case.id) + f"/documents/{doc.id}/content"},
    }


def document_content(case: Case, doc_id: str) -> tuple[Any, bytes]:
    """Return a document of the case and its bytes (404 or 409 problems when it is not)."""
    doc = documents.readable_document(case, doc_id, Viewer.CLIENT)
    return doc, bytes(documents.document_bytes(doc))


def service_or_none(key: str) -> ServiceDefinition | None:
    """Return the current version of a published service (not a draft), or None."""
    try:
        service = current_registry().service(key)
    except UnknownDefinition:
        return None
    return None if service.draft else service
