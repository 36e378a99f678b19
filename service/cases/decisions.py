"""The decision behind a document, an e-mail or a case page: the transition that was fired.

Document and e-mail templates see it as `decision` (see docs/definitions.md, "Decisions
in documents and e-mails"): the transition's key and title, its inputs typed as their
field types say, the deciding person's role title and name, and the time. The portal
names the reason of a rejection from the same object. Read-only: nothing here writes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from service.cases.constants import AuditAction
from service.cases.models import AuditEvent, Case
from service.definitions.services import current_registry
from service.definitions.types import FieldDefinition, ServiceDefinition
from service.engine import APPLICANT, State, Transition
from service.extensions import db

BERLIN = ZoneInfo("Europe/Berlin")


@dataclass(frozen=True)
class Named:
    """A key and its title in the template's language (`decision.transition.title`)."""

    key: str
    title: str

    def __str__(self) -> str:
        return self.title


@dataclass(frozen=True)
class Decision:
    """What a template sees as `decision`."""

    transition: Named
    state: Named
    #: Inputs by name, typed: date -> datetime.date, number/money -> Decimal, yesno -> bool.
    inputs: Mapping[str, Any] = field(default_factory=dict)
    #: Inputs by name as a person reads them in the language ("12.05.2026", option labels).
    display: Mapping[str, str] = field(default_factory=dict)
    #: (label, display) of every input given, in the definition's order and the language.
    fields: tuple[tuple[str, str], ...] = ()
    #: The reached state's `resident_text` in the language ("" when it has none).
    resident_text: str = ""
    #: The role the person decided in (a key of the workflow's roles), None if none applies.
    role: str | None = None
    role_title: str = ""
    #: Display name of the staff member who decided; "" for the system and API clients.
    by: str = ""
    #: When, in Europe/Berlin (format with `|day(lang)` or `|day_time(lang)`).
    at: datetime | None = None
    #: True when the transition led to a final state (the case is decided or closed).
    final: bool = False


def input_fields(transition: Transition) -> tuple[FieldDefinition, ...]:
    """Return the transition's inputs as form fields (their type, label and options)."""
    fields = []
    for spec in transition.inputs:
        known = getattr(spec, "field", None)
        fields.append(
            known
            if isinstance(known, FieldDefinition)
            else FieldDefinition(key=spec.name, type=spec.type, label=spec.label)
        )
    return tuple(fields)


def _typed(spec: FieldDefinition, value: Any) -> Any:
    from service.forms.parsing import parse_date, parse_decimal, parse_yesno

    if value is None or value == "":
        return None
    try:
        if spec.type == "date":
            return parse_date(value)
        if spec.type in ("number", "money"):
            return parse_decimal(value, money=spec.type == "money")
        if spec.type in ("yesno", "checkbox"):
            return parse_yesno(value)
    except ValueError:
        return value
    return value


def _role(service: ServiceDefinition, transition: Transition, event: AuditEvent) -> str | None:
    """Return the role the actor decided in: the one recorded with the event.

    Events written before the role was recorded fall back to the first of the
    transition's roles that the user or client holds today.
    """
    from service.auth.models import OAuthClient, User

    if event.actor_role is not None:
        return event.actor_role
    staff_roles = [r for r in transition.roles if r != APPLICANT]
    held: set[str] = set()
    if event.actor_kind == "user" and event.actor_id.isdigit():
        user = db.session.get(User, int(event.actor_id))
        held = {str(r) for r in (user.roles if user is not None else None) or ()}
    elif event.actor_kind == "client":
        client_id = event.actor_id.removeprefix("client:")
        client = db.session.scalar(select(OAuthClient).where(OAuthClient.client_id == client_id))
        held = {str(r) for r in (client.roles if client is not None else None) or ()}
    # A role may be held for this service only ("service:role") or for every service.
    held |= {r.split(":", 1)[1] for r in held if r.startswith(f"{service.key}:")}
    for role in staff_roles:
        if role in held:
            return role
    return staff_roles[0] if len(staff_roles) == 1 else None


def _role_title(service: ServiceDefinition, role: str | None, lang: str) -> str:
    for definition in service.roles:
        if definition.name == role:
            return definition.title.get(lang)
    return ""


def decision_of_event(
    case: Case, event: AuditEvent, lang: str = "de", service: ServiceDefinition | None = None
) -> Decision | None:
    """Return the decision recorded by `event`, or None when it fired no transition."""
    if event.transition is None or event.action != AuditAction.TRANSITION:
        return None
    service = service or current_registry().service(case.service_key, case.workflow_version)
    try:
        transition = service.workflow.transition(event.transition)
        state = service.workflow.state(event.to_state or case.state)
    except KeyError:
        return None
    applicant = event.actor_id == str(case.applicant_id)
    role = None if applicant else _role(service, transition, event)
    return make_decision(
        service,
        transition,
        state,
        event.inputs or {},
        lang,
        role=role,
        by=event.actor_label if event.actor_kind == "user" else "",
        at=event.at.astimezone(BERLIN) if event.at is not None else None,
    )


def make_decision(
    service: ServiceDefinition,
    transition: Transition,
    state: State,
    raw: Mapping[str, Any],
    lang: str,
    *,
    role: str | None,
    by: str = "",
    at: datetime | None = None,
) -> Decision:
    """Return what templates see of `transition` fired with the inputs `raw` into `state`.

    Also builds the sample decision `definitions check` renders templates with.
    """
    from service.forms.display import display_value

    inputs: dict[str, Any] = {}
    display: dict[str, str] = {}
    for spec in input_fields(transition):
        value = raw.get(spec.key)
        inputs[spec.key] = _typed(spec, value)
        display[spec.key] = "" if value in (None, "") else display_value(spec, value, lang)
    fields = tuple((s.label.get(lang), display[s.key]) for s in input_fields(transition))
    return Decision(
        transition=Named(transition.name, transition.title.get(lang)),
        state=Named(state.name, state.title.get(lang)),
        inputs=inputs,
        display=display,
        fields=tuple((label, text) for label, text in fields if text),
        resident_text=state.resident_text.get(lang) if state.resident_text else "",
        role=role,
        role_title=_role_title(service, role, lang),
        by=by,
        at=at,
        final=state.final,
    )


def decision_at(case: Case, event_seq: int, lang: str = "de") -> Decision | None:
    """Return the decision of the case's event `event_seq` (a document's or e-mail's)."""
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.case_id == case.id, AuditEvent.seq == event_seq)
    )
    return decision_of_event(case, event, lang) if event is not None else None


def latest_decision(case: Case, lang: str = "de") -> Decision | None:
    """Return the last transition that moved the case into its current state, if any."""
    event = db.session.scalar(
        select(AuditEvent)
        .where(
            AuditEvent.case_id == case.id,
            AuditEvent.action == AuditAction.TRANSITION,
            AuditEvent.to_state == case.state,
        )
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    )
    return decision_of_event(case, event, lang) if event is not None else None
