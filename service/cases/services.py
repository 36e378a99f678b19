"""Public API of cases: submit, fire transitions, read history, verify the audit chain.

The portal, the back office and the API all call these functions, so they can never
disagree about what a submission or a transition does. Functions here only flush; the
request (or CLI command, or worker) commits or rolls back as a whole, so a state change,
its audit event and its outbox rows land together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from service import engine
from service.cases import store
from service.cases.computed import guard_data
from service.cases.constants import (
    CASE_SUBMITTED,
    CASE_TRANSITIONED,
    AuditAction,
)
from service.cases.decisions import Decision as Decision
from service.cases.decisions import decision_at as decision_at
from service.cases.decisions import latest_decision as latest_decision
from service.cases.errors import IdempotencyConflict, StaleCase, UnknownService
from service.cases.events import append_event, effects_of, first_event, queue_effects
from service.cases.events import log_leaf_effect as log_leaf_effect
from service.cases.events import record_event as record_event
from service.cases.events import record_mark as record_mark
from service.cases.inputs import typed_inputs_for
from service.cases.models import AuditEvent, Case
from service.cases.store import CaseNumbers as CaseNumbers
from service.cases.store import IdempotencyClaim as IdempotencyClaim
from service.cases.store import case_number_columns as case_number_columns
from service.cases.verification import verify_audit_chain as verify_audit_chain
from service.definitions.registry import UnknownDefinition
from service.definitions.services import current_registry
from service.definitions.types import FormDefinition, ServiceDefinition
from service.engine.roles import first_held
from service.extensions import db, insert_unless_exists, utcnow
from service.forms.services import FileLookup, ValidationResult, validate
from service.jobs import services as jobs

#: `hook(case, service, transition, now)`, run inside the transaction of every completed
#: transition; effects that must change with the case (a credential's revocation bit)
#: register here, so cases names them without importing them.
TransitionHook = Callable[[Case, ServiceDefinition, str, datetime], None]
_transition_hooks: dict[str, TransitionHook] = {}


def on_transition(name: str, hook: TransitionHook) -> None:
    """Run `hook` in the transaction of every completed transition (once per name)."""
    _transition_hooks[name] = hook


@dataclass(frozen=True)
class Submission:
    """The result of `submit_case`: the case, and whether this call created it.

    `history` is the new case's history for the engine (its submission), so that an
    answer describing the case need not read back what was just written; None on a replay.
    """

    case: Case
    created: bool
    history: tuple[engine.HistoryEntry, ...] | None = None


def service_for(case: Case) -> ServiceDefinition:
    """Return the exact workflow version the case is pinned to."""
    return current_registry().service(case.service_key, case.workflow_version)


def applicant_display_name(service: ServiceDefinition, data: Mapping[str, Any]) -> str:
    """Compute the applicant's display name with the workflow's `applicant_name` expression."""
    if not service.applicant_name:
        return ""
    from service.rules.services import EvaluationError, compile_expression

    try:
        value = compile_expression(service.applicant_name).evaluate(data)
    except EvaluationError:
        return ""
    return str(value)[:200] if value is not None else ""


def _service_and_form(service_key: str) -> tuple[ServiceDefinition, FormDefinition]:
    registry = current_registry()
    try:
        service = registry.service(service_key)
        return service, registry.form(service.form_key)
    except UnknownDefinition:
        raise UnknownService(service_key) from None


def validate_submission(
    service_key: str, data: Mapping[str, Any], lang: str = "de", files: FileLookup | None = None
) -> ValidationResult:
    """Validate `data` for a new case of `service_key` without writing anything.

    With `files`, file answers must name uploads the lookup knows. Raise UnknownService or
    ValidationFailed. Callers that must do this before taking a lock (the API validates
    before it claims the Idempotency-Key, so that on SQLite the validation does not run
    while the write lock is held) pass the result on to `submit_case(validated=...)`.
    """
    _service, form = _service_and_form(service_key)
    return validate(form, data, lang, files=files)


def submit_case(
    service_key: str,
    data: Mapping[str, Any],
    applicant_id: int,
    actor: engine.Actor,
    *,
    lang: str = "de",
    idempotency: IdempotencyClaim | None = None,
    validated: ValidationResult | None = None,
    now: datetime | None = None,
) -> Submission:
    """Validate `data` against the current form and open a case in the initial state.

    With an `idempotency` claim, the same key and data return the first case again and the
    same key with other data raises IdempotencyConflict; never a second case (see
    `IdempotencyClaim` for a key the caller already holds). `validated` is the result of
    `validate_submission` on the same data when the caller validated first.
    """
    service, form = _service_and_form(service_key)
    # A key nobody holds yet is looked up first, and the insert races in a savepoint.
    unheld = idempotency if idempotency is not None and not idempotency.held else None
    # The case's hash of its request is compared on a replay of the key the case guards
    # itself. A held key's record keeps its own hash of the request (the API's
    # Idempotency-Key record), and no other key can find the case (`api:` against
    # `portal-draft-`), so it gets none: a hash of the answers nothing compares is work
    # for nothing (the data written as JSON once more and hashed: about 120,000
    # instructions a submission) and lets someone holding the answers confirm them.
    held = idempotency is not None and idempotency.held
    request_hash = None if held else store.request_hash(service_key, data)
    if unheld is not None:
        existing = store.find_by_idempotency_key(applicant_id, unheld.key)
        if existing is not None:
            return _replay(existing, request_hash)
    result = validated if validated is not None else validate(form, data, lang)
    now = now or utcnow()
    start = engine.start_case(service.workflow, now)
    case_id, reference = store.new_case_identity(
        service.reference_prefix, now, idempotency.numbers if idempotency else None
    )
    flagged = {f.key for f in result.flags}
    case = store.unsaved(
        Case,
        dict(
            id=case_id,
            reference=reference,
            service_key=service.key,
            workflow_version=service.version,
            form_version=form.version,
            state=start.to_state,
            data=result.data,
            flags=[
                {"key": rule.key, "de": rule.message.de, "en": rule.message.en}
                for rule in form.rules
                if rule.key in flagged
            ],
            applicant_id=applicant_id,
            applicant_name=applicant_display_name(service, result.data),
            submitted_by=actor.id if actor.kind == "client" else None,
            submitted_at=now,
            updated_at=now,
            due_at=start.due_at,
            lang=lang,
            idempotency_key=idempotency.key if idempotency else None,
            request_hash=request_hash,
            # Every column is set, so that the plain INSERT below writes what the ORM would.
            version=1,
            assignee_id=None,
            closed_at=None,
            clock_paused_at=None,
            resident_replied=False,
            escalated_at=None,
            legal_hold=False,
            anonymised_at=None,
        ),
    )
    ev = first_event(
        case, AuditAction.SUBMITTED, actor, transition=engine.SUBMIT, to_state=case.state, at=now
    )
    # The case, its first event and the outbox rows as plain INSERTs (one statement on
    # PostgreSQL); with the id drawn beforehand nothing updates the row just inserted.
    if unheld is not None:
        # In a savepoint: a concurrent request with the same key may win the race.
        if not insert_unless_exists(case):
            existing = store.find_by_idempotency_key(applicant_id, unheld.key)
            if existing is None:
                raise RuntimeError("the case could be neither created nor found")
            return _replay(existing, request_hash)
        store.insert_event(ev)
        queue_effects(case, service, ev.seq, (CASE_SUBMITTED,), (), "submitted", None)
    else:
        effects = effects_of(case, service, ev.seq, (CASE_SUBMITTED,), (), "submitted", None)
        store.insert_new_case(case, ev, effects)
    return Submission(case, created=True, history=(_history_entry(ev),))


def _replay(existing: Case, request_hash: str | None) -> Submission:
    if existing.request_hash != request_hash:
        raise IdempotencyConflict("this Idempotency-Key was already used with a different request")
    return Submission(existing, created=False)


def history(case: Case) -> tuple[engine.HistoryEntry, ...]:
    """Return the transitions fired on the case, oldest first, for the engine."""
    rows = db.session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.case_id == case.id,
            AuditEvent.action.in_(
                [AuditAction.SUBMITTED, AuditAction.TRANSITION, AuditAction.APPROVAL]
            ),
        )
        .order_by(AuditEvent.seq)
    )
    return tuple(_history_entry(r) for r in rows)


def _history_entry(event: AuditEvent) -> engine.HistoryEntry:
    return engine.HistoryEntry(
        transition=event.transition or "",
        actor_id=event.actor_id,
        at=event.at,
        from_state=event.from_state or "",
        to_state=event.to_state or "",
    )


def snapshot(
    case: Case,
    known_history: tuple[engine.HistoryEntry, ...] | None = None,
    service: ServiceDefinition | None = None,
) -> engine.CaseSnapshot:
    """Describe the case to the engine (with `known_history` and the case's workflow
    version `service` when the caller has them)."""
    return engine.CaseSnapshot(
        state=case.state,
        applicant_id=str(case.applicant_id),
        data=guard_data(case, service),
        history=history(case) if known_history is None else known_history,
        due_at=case.due_at,
        clock_paused_at=case.clock_paused_at,
    )


def available_transitions(
    case: Case,
    actor: engine.Actor,
    known_history: tuple[engine.HistoryEntry, ...] | None = None,
    service: ServiceDefinition | None = None,
) -> list[engine.Option]:
    """Return the transitions of the case's state, each allowed or with the reason why not.

    `service` is the case's workflow version (`service_for`) when the caller has it.
    """
    service = service_for(case) if service is None else service
    return engine.available(service.workflow, snapshot(case, known_history, service), actor)


def fire_transition(
    case: Case,
    transition: str,
    actor: engine.Actor,
    inputs: Mapping[str, Any] | None = None,
    *,
    expected_version: int | None = None,
    now: datetime | None = None,
    files: FileLookup | None = None,
) -> engine.Decision:
    """Fire `transition` on `case` as `actor`, or raise a precise error and change nothing.

    `files` looks up the uploads a `file` input may name (see `cases.inputs`).

    `expected_version` is the case version the actor saw; if the case changed since, the
    call raises StaleCase instead of acting on a case the actor has not seen.
    """
    if expected_version is not None and expected_version != case.version:
        raise StaleCase("the case was changed by someone else; reload it")
    service = service_for(case)
    workflow = service.workflow
    now = now or utcnow()
    typed = typed_inputs_for(service.workflow, transition, inputs or {}, files)
    decision = engine.decide(service.workflow, snapshot(case), transition, actor, typed, now)
    was_applicant = actor.id == str(case.applicant_id)
    action = AuditAction.TRANSITION if decision.completed else AuditAction.APPROVAL
    case.state = decision.to_state
    case.due_at = decision.due_at
    case.clock_paused_at = decision.clock_paused_at
    case.updated_at = now
    case.resident_replied = was_applicant and decision.completed
    if service.workflow.state(decision.to_state).final:
        case.closed_at = now
    ev = append_event(
        case,
        action,
        actor,
        transition=transition,
        from_state=decision.from_state,
        to_state=decision.to_state,
        inputs=decision.inputs,
        at=now,
        # The role that allowed the transition, so a document names it for good.
        role=first_held(actor.roles, workflow.key, workflow.transition(transition).roles),
    )
    store.flush_case()
    if decision.completed:
        events = (CASE_TRANSITIONED, *decision.events)
        queue_effects(
            case, service, ev.seq, events, decision.documents, decision.notify, transition
        )
        for hook in _transition_hooks.values():
            hook(case, service, transition, now)
        store.flush_case()
    else:
        jobs.enqueue_new([log_leaf_effect(case.id, ev.seq)])
    return decision


def assign_case(case: Case, assignee_id: int | None, actor: engine.Actor) -> None:
    """Assign the case to a staff member (None unassigns) and record who did it."""
    case.assignee_id = assignee_id
    record_event(case, AuditAction.ASSIGNED, actor, {"assignee_id": assignee_id})


def get_case_for_applicant(case_id: int, applicant_id: int) -> Case | None:
    """Return the case only if it belongs to the applicant (callers answer 404 otherwise)."""
    case = db.session.get(Case, case_id)
    return case if case is not None and case.applicant_id == applicant_id else None


def definition_in_use(kind: str, service_key: str, version: int) -> bool:
    """Say whether any case of the service uses that workflow (or form) version."""
    column = Case.workflow_version if kind == "workflow" else Case.form_version
    found = db.session.scalar(
        select(Case.id).where(Case.service_key == service_key, column == version).limit(1)
    )
    return found is not None


def open_case_counts() -> list[tuple[str, int, int, int]]:
    """Count cases not in a final state: (service key, workflow and form version, count)."""
    rows = db.session.execute(
        select(Case.service_key, Case.workflow_version, Case.form_version, func.count())
        .where(Case.closed_at.is_(None))
        .group_by(Case.service_key, Case.workflow_version, Case.form_version)
    )
    return [(key, wf, form, count) for key, wf, form, count in rows]
