"""A resident's view of their cases: state, timeline, questions, replies, documents."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from service.attachments.services import Owner, check_files, store_upload
from service.cases.constants import AuditAction
from service.cases.models import AuditEvent, Case
from service.cases.services import (
    Decision,
    available_transitions,
    fire_transition,
    latest_decision,
    service_for,
)
from service.engine import Actor
from service.engine.types import APPLICANT, Text, Transition
from service.extensions import db
from service.forms.services import ValidationFailed
from service.portal.constants import REPLY_MAX_FILES
from service.portal.uploads import REPLY_FILE_FIELD, IncomingFile


@dataclass(frozen=True)
class TimelineEntry:
    """One step of a case as the resident sees it: no staff names, no internal notes."""

    at: datetime
    state_title: str
    by_applicant: bool
    message: str | None = None


def cases_of(owner_id: int) -> list[Case]:
    """Return the resident's cases, newest first."""
    return list(
        db.session.scalars(
            select(Case)
            .where(Case.applicant_id == owner_id)
            .order_by(Case.submitted_at.desc(), Case.id.desc())
        )
    )


def state_title(case: Case, lang: str) -> str:
    """Return the title of the case's state in `lang`."""
    return service_for(case).workflow.state(case.state).title.get(lang)


def status_text(case: Case, lang: str) -> str:
    """Return what the definition tells the resident about the case's state ("" if nothing)."""
    text = service_for(case).workflow.state(case.state).resident_text
    return text.get(lang) if text is not None else ""


def closing_decision(case: Case, lang: str) -> Decision | None:
    """Return the decision that closed the case (its reason), None while it is open."""
    if case.closed_at is None:
        return None
    return latest_decision(case, lang)


def case_status(case: Case, lang: str) -> dict[str, Any]:
    """Return the case page's `state_title`, `status_text` and closing `decision`."""
    return {
        "state_title": state_title(case, lang),
        "status_text": status_text(case, lang),
        "decision": closing_decision(case, lang),
    }


def timeline(case: Case, lang: str) -> list[TimelineEntry]:
    """Return the state changes of the case, oldest first, with messages to or from the resident."""
    workflow = service_for(case).workflow
    events = db.session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.case_id == case.id,
            AuditEvent.action.in_([AuditAction.SUBMITTED, AuditAction.TRANSITION]),
        )
        .order_by(AuditEvent.seq)
    )
    entries = []
    for ev in events:
        state = ev.to_state or case.state
        try:
            title = workflow.state(state).title.get(lang)
        except KeyError:
            title = state
        message = (ev.inputs or {}).get("message") or (ev.inputs or {}).get("reason") or None
        entries.append(
            TimelineEntry(
                at=ev.at,
                state_title=title,
                by_applicant=ev.actor_id == str(case.applicant_id),
                message=str(message) if message else None,
            )
        )
    return entries


def open_request(case: Case) -> str | None:
    """Return the staff's message that put the case where it waits, if there is one."""
    ev = db.session.scalar(
        select(AuditEvent)
        .where(AuditEvent.case_id == case.id, AuditEvent.action == AuditAction.TRANSITION)
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    )
    if ev is None or ev.actor_id == str(case.applicant_id) or ev.to_state != case.state:
        return None
    message = (ev.inputs or {}).get("message")
    return str(message) if message else None


def applicant_transitions(case: Case, actor: Actor) -> list[Transition]:
    """Return the transitions the resident may fire now (reply, withdraw, ...)."""
    return [
        option.transition
        for option in available_transitions(case, actor)
        if option.allowed and APPLICANT in option.transition.roles
    ]


def reply(
    case: Case,
    transition: Transition,
    actor: Actor,
    inputs: Mapping[str, str],
    files: Iterable[IncomingFile],
    lang: str,
) -> None:
    """Fire the resident's transition with their inputs and attach the files they sent.

    Raises ValidationFailed for too many files, UploadRefused (under `files`, every
    refused file's messages) before anything changes, and the engine's errors for the rest.
    """
    incoming = [f for f in files if f.filename]
    if len(incoming) > REPLY_MAX_FILES:
        message = Text(
            de=f"Bitte laden Sie höchstens {REPLY_MAX_FILES} Dateien hoch.",
            en=f"Please upload at most {REPLY_MAX_FILES} files.",
        )
        raise ValidationFailed({"files": [message.get(lang)]})
    contents = [(f.filename or "", f.read()) for f in incoming]
    check_files(REPLY_FILE_FIELD, contents, lang, path="files")  # every file first
    fire_transition(case, transition.name, actor, dict(inputs))
    owner = Owner.user(case.applicant_id)
    stored = [store_upload(owner, REPLY_FILE_FIELD, c, n, lang) for n, c in contents]
    seq = db.session.scalar(
        select(AuditEvent.seq)
        .where(AuditEvent.case_id == case.id)
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    )
    for upload in stored:
        upload.case_id = case.id
        upload.event_seq = seq
    db.session.flush()


def documents_of(case: Case) -> list[Any]:
    """Return the case's documents that are ready."""
    from service.documents import services as documents

    return list(documents.documents_for_case(case))
