"""The case page's timeline: every audit event with a title and its inputs, readable."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from service.auth.models import User
from service.backoffice.casefile import state_title, transition_title, user_names
from service.backoffice.role_words import acting_role
from service.cases.constants import AuditAction
from service.cases.models import AuditEvent, Case
from service.cases.services import service_for
from service.definitions.types import ServiceDefinition
from service.engine.types import Text
from service.extensions import db
from service.forms.constants import FieldType
from service.forms.files import FileAnswer


@dataclass(frozen=True)
class TimelineEntry:
    """One audit event as the case page shows it."""

    event: AuditEvent
    title: Text
    from_title: Text | None
    to_title: Text | None
    inputs: list[tuple[str, str]]
    #: The title of the role in which a staff member fired the transition ("Meldebehörde").
    role: Text | None = None
    #: The files a transition's `file` inputs carry: (label, the stored upload's answer).
    files: list[tuple[str, FileAnswer]] = field(default_factory=list)


#: Readable names of what the system's own events record.
_MARK_LABELS: dict[str, dict[str, Text]] = {
    AuditAction.ESCALATED: {"due_at": Text(de="Frist", en="Deadline")},
    AuditAction.ANONYMISED: {
        "fields": Text(de="Gelöschte Felder", en="Fields erased"),
        "files": Text(de="Gelöschte Dateien", en="Files deleted"),
        "documents": Text(de="Zurückgezogene Dokumente", en="Documents withdrawn"),
    },
}
#: Inputs the entry's title already says.
_HIDDEN_INPUTS = {(AuditAction.ASSIGNED, "assignee_id"), (AuditAction.LEGAL_HOLD, "on")}


def _local_date(iso: str) -> str:
    """The date of an ISO timestamp in the page's language (Flask-Babel)."""
    from flask_babel import format_date

    try:
        return str(format_date(datetime.fromisoformat(iso), "medium"))
    except ValueError:
        return iso


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
    grants = _grants_of(events)
    entries = []
    for e in events:
        moved = e.from_state != e.to_state
        entries.append(
            TimelineEntry(
                event=e,
                title=_event_title(service, e, assignees),
                from_title=state_title(service, e.from_state) if moved and e.from_state else None,
                to_title=state_title(service, e.to_state) if moved and e.to_state else None,
                inputs=_event_inputs(service, e, lang),
                files=_event_files(service, e, lang),
                role=acting_role(service.workflow, e.transition, grants.get(e.actor_id, ())),
            )
        )
    return entries


def _grants_of(events: list[AuditEvent]) -> dict[str, list[str]]:
    """Return the grants of the staff members who acted on the case, by actor id."""
    ids = {int(e.actor_id) for e in events if e.actor_kind == "user" and e.actor_id.isdigit()}
    if not ids:
        return {}
    users = db.session.scalars(select(User).where(User.id.in_(ids)))
    return {str(u.id): list(u.roles or ()) for u in users}


def _event_inputs(service: ServiceDefinition, e: AuditEvent, lang: str) -> list[tuple[str, str]]:
    """Return an event's inputs as (label, value) pairs, without the hidden ones."""
    labels: dict[str, str] = {}
    if e.transition:
        try:
            for spec in service.workflow.transition(e.transition).inputs:
                labels[spec.name] = spec.label.get(lang)
        except KeyError:
            pass
    labels.update({k: v.get(lang) for k, v in _MARK_LABELS.get(e.action, {}).items()})
    files = _file_inputs(service, e)
    inputs: list[tuple[str, str]] = []
    for name, value in (e.inputs or {}).items():
        if (e.action, name) in _HIDDEN_INPUTS or name in files:
            continue
        if e.action == AuditAction.ESCALATED and name == "due_at" and value:
            value = _local_date(str(value))
        if value not in (None, ""):
            inputs.append((labels.get(name, name), str(value)))
    return inputs


def _file_inputs(service: ServiceDefinition, e: AuditEvent) -> dict[str, Text]:
    """Return the labels of the event's transition's `file` inputs, by name."""
    if not e.transition:
        return {}
    try:
        specs = service.workflow.transition(e.transition).inputs
    except KeyError:
        return {}
    return {spec.name: spec.label for spec in specs if spec.type == FieldType.FILE}


def _event_files(
    service: ServiceDefinition, e: AuditEvent, lang: str
) -> list[tuple[str, FileAnswer]]:
    """Return the files the event's `file` inputs name, each with its input's label."""
    found = []
    for name, label in _file_inputs(service, e).items():
        answer = FileAnswer.from_value(name, (e.inputs or {}).get(name))
        if answer is not None:
            found.append((label.get(lang), answer))
    return found


#: Titles of the marks that need nothing from the event.
_FIXED_TITLES: dict[str, Text] = {
    AuditAction.NOTE: Text(de="Interne Notiz", en="Internal note"),
    AuditAction.ESCALATED: Text(
        de="Frist überschritten: eskaliert", en="Deadline passed: escalated"
    ),
    AuditAction.ANONYMISED: Text(de="Personenbezogene Daten gelöscht", en="Personal data erased"),
    AuditAction.RECHAINED: Text(
        de="Prüfpfad mit dem Schlüssel neu verkettet", en="Audit trail re-chained with the key"
    ),
}


def _event_title(service: ServiceDefinition, e: AuditEvent, assignees: dict[int, str]) -> Text:
    """Return the title of an event in the timeline."""
    if e.action in _FIXED_TITLES:
        return _FIXED_TITLES[e.action]
    if e.action == AuditAction.ASSIGNED:
        who = assignees.get(e.inputs.get("assignee_id") or 0)
        if who:
            return Text(de=f"Zugewiesen an {who}", en=f"Assigned to {who}")
        return Text(de="Zuweisung aufgehoben", en="Unassigned")
    if e.action == AuditAction.APPROVAL:
        step = transition_title(service, e.transition)
        return Text(de=f"Freigabe: {step.de}", en=f"Approval: {step.get('en')}")
    if e.action in (AuditAction.TRANSITION, AuditAction.SUBMITTED):
        return transition_title(service, e.transition)
    if e.action == AuditAction.LEGAL_HOLD:
        if e.inputs.get("on"):
            return Text(de="Aufbewahrungssperre gesetzt", en="Legal hold set")
        return Text(de="Aufbewahrungssperre aufgehoben", en="Legal hold lifted")
    return Text(e.action, e.action)
