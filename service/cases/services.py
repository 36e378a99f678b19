"""Public API of cases: submit, fire transitions, read history, verify the audit chain.

The portal, the back office and the API all call these functions, so they can never
disagree about what a submission or a transition does. Functions here only flush; the
request (or CLI command, or worker) commits or rolls back as a whole, so a state change,
its audit event and its outbox rows land together or not at all.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.exc import StaleDataError

from service import engine
from service.cases.chain import GENESIS_HASH, keyring
from service.cases.computed import guard_data
from service.cases.constants import (
    CASE_SUBMITTED,
    CASE_TRANSITIONED,
    AuditAction,
    Effect,
)
from service.cases.decisions import Decision as Decision
from service.cases.decisions import decision_at as decision_at
from service.cases.decisions import latest_decision as latest_decision
from service.cases.errors import IdempotencyConflict, StaleCase, UnknownService
from service.cases.models import (
    CASE_ID_SEQUENCE,
    REFERENCE_SEQUENCE,
    AuditEvent,
    Case,
    ReferenceCounter,
)
from service.cases.verification import verify_audit_chain as verify_audit_chain
from service.definitions.registry import UnknownDefinition
from service.definitions.services import current_registry
from service.definitions.types import FormDefinition, ServiceDefinition
from service.extensions import core, db, insert_unless_exists, utcnow
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


def _request_hash(service_key: str, data: Mapping[str, Any]) -> str:
    canonical = json.dumps({"service": service_key, "data": data}, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


#: A new case's id and reference number, drawn before its insert.
CaseNumbers = tuple[int, int]


def case_number_columns() -> tuple[Any, Any]:
    """The SQL expressions drawing a new case's numbers on PostgreSQL (id, reference).

    A caller's own statement can draw them (the API's Idempotency-Key claim returns them,
    saving a round trip) and pass them to `submit_case(numbers=...)`.
    """
    return CASE_ID_SEQUENCE.next_value(), REFERENCE_SEQUENCE.next_value()


def _new_case_identity(
    prefix: str, now: datetime, numbers: CaseNumbers | None = None
) -> tuple[int, str]:
    """Hand out the id and the reference number of a new case, safely under concurrency.

    Knowing the id before the insert lets the case, its first audit event (whose hash
    names the case id) and its outbox rows go to the database in one flush, with the
    case's `audit_head` already set: no update of the row just inserted.

    PostgreSQL draws both from sequences in one round trip, so concurrent submissions never
    wait on each other. SQLite (one writer at a time) counts per prefix and year in a row;
    the same statement takes the database's write lock, and under that lock the next
    row id is the highest one plus one, which is what SQLite itself would choose.
    """
    year = now.year
    if numbers is not None:
        return int(numbers[0]), f"{prefix}-{year}-{numbers[1]:06d}"
    if db.engine.dialect.name == "postgresql":
        case_id, number = core().execute(select(*case_number_columns())).one()
        return int(case_id), f"{prefix}-{year}-{number:06d}"
    next_id = select(func.coalesce(func.max(Case.id), 0) + 1).scalar_subquery()
    for _ in range(3):
        row = (
            core()
            .execute(
                update(ReferenceCounter)
                .where(ReferenceCounter.prefix == prefix, ReferenceCounter.year == year)
                .values(last=ReferenceCounter.last + 1)
                .returning(ReferenceCounter.last, next_id)
            )
            .first()
        )
        if row is not None:
            number, case_id = row
            return int(case_id), f"{prefix}-{year}-{number:06d}"
        # Whoever creates the counter first, the next round updates it.
        insert_unless_exists(ReferenceCounter(prefix=prefix, year=year, last=0))
    raise RuntimeError("could not allocate a case reference")


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


def _append_event(
    case: Case,
    action: AuditAction,
    actor: engine.Actor,
    *,
    transition: str | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    inputs: Mapping[str, Any] | None = None,
    at: datetime | None = None,
    first: bool = False,
) -> AuditEvent:
    """Append an event to the case's hash chain (the caller flushes).

    `first` says the case was inserted in this transaction, so there is no earlier event
    to look up.
    """
    ev = _chained_event(
        case.id,
        None if first else _last_event(case.id),
        action,
        actor,
        transition=transition,
        from_state=from_state,
        to_state=to_state,
        inputs=inputs,
        at=at or utcnow(),
    )
    case.audit_head = ev.hash
    db.session.add(ev)
    return ev


def _last_event(case_id: int) -> Any:
    """Return (seq, hash) of the case's newest event, or None.

    Through the session, so that an event still pending in it is flushed and counted.
    """
    return db.session.execute(
        select(AuditEvent.seq, AuditEvent.hash)
        .where(AuditEvent.case_id == case_id)
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).first()


def _chained_event(
    case_id: int,
    last: Any,
    action: AuditAction,
    actor: engine.Actor,
    *,
    transition: str | None,
    from_state: str | None,
    to_state: str | None,
    inputs: Mapping[str, Any] | None,
    at: datetime,
) -> AuditEvent:
    """Build the event that follows `last` ((seq, hash) or None) with its hash set."""
    ev = AuditEvent(
        case_id=case_id,
        seq=(last.seq + 1) if last else 1,
        at=at,
        action=action,
        transition=transition,
        from_state=from_state,
        to_state=to_state,
        actor_id=actor.id,
        actor_kind=actor.kind,
        actor_label=actor.label[:200],
        inputs=dict(inputs or {}),
        prev_hash=last.hash if last else GENESIS_HASH,
    )
    ev.seal(keyring())
    return ev


def log_leaf_effect(case_id: int, seq: int) -> jobs.NewEffect:
    """The outbox item that appends an audit event to the Merkle log after commit.

    Every new event queues one, in its own transaction: a rolled-back event leaves no
    leaf, a committed one always gets one (the handler lives in `service.audit`).
    """
    return jobs.NewEffect(
        Effect.AUDIT_LEAF,
        {"case_id": case_id, "seq": seq},
        key=f"audit-leaf:{case_id}:{seq}",
        case_id=case_id,
    )


def record_event(
    case: Case, action: AuditAction, actor: engine.Actor, inputs: Mapping[str, Any] | None = None
) -> AuditEvent:
    """Record something that is not a state change (assignment, legal hold, ...)."""
    ev = _append_event(
        case, action, actor, inputs=inputs, from_state=case.state, to_state=case.state
    )
    case.updated_at = utcnow()
    _flush_case()
    jobs.enqueue_new([log_leaf_effect(case.id, ev.seq)])
    return ev


def record_mark(
    case_id: int,
    action: AuditAction,
    actor: engine.Actor,
    values: Mapping[str, Any],
    inputs: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> AuditEvent | None:
    """Set `values` on a case and record `action`, without changing the case's version.

    For marks that are not a change of the case a case worker acts on (the daily
    escalation), so a colleague's open page stays valid. The case row is locked while
    the event is appended (PostgreSQL); a transition appending its own event at the same
    time fails on the event's unique sequence number and asks its user to reload, so the
    chain never forks. Return None when the case is gone.
    """
    now = now or utcnow()
    query = select(Case.state).where(Case.id == case_id)
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update()
    state = core().execute(query).scalar()
    if state is None:
        return None
    ev = _chained_event(
        case_id,
        _last_event(case_id),
        action,
        actor,
        transition=None,
        from_state=state,
        to_state=state,
        inputs=inputs,
        at=now,
    )
    core().execute(insert(AuditEvent), [_event_row(ev)])
    core().execute(update(Case).where(Case.id == case_id).values(**values, audit_head=ev.hash))
    jobs.enqueue_new([log_leaf_effect(case_id, ev.seq)])
    return ev


def _flush_case() -> None:
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        raise StaleCase("the case was changed by someone else; reload it") from None
    except IntegrityError as exc:
        db.session.rollback()
        if "audit_events" in str(exc.orig):
            raise StaleCase("the case was changed by someone else; reload it") from None
        raise


def _queue_effects(
    case: Case,
    service: ServiceDefinition,
    event_seq: int,
    events: tuple[str, ...],
    documents: tuple[str, ...],
    notify: str | None,
    transition: str | None,
) -> None:
    at = utcnow().isoformat()
    effects = [log_leaf_effect(case.id, event_seq)]
    effects += [
        jobs.NewEffect(
            Effect.WEBHOOK_EVENT,
            {
                "type": event_type,
                "case_id": case.id,
                "reference": case.reference,
                "service": case.service_key,
                "state": case.state,
                "transition": transition,
                "at": at,
            },
            key=f"event:{case.id}:{event_seq}:{event_type}",
            case_id=case.id,
        )
        for event_type in events
    ]
    effects += [
        jobs.NewEffect(
            Effect.RENDER_DOCUMENT,
            {"case_id": case.id, "document": document, "event_seq": event_seq},
            key=f"document:{case.id}:{document}:{event_seq}",
            case_id=case.id,
        )
        for document in documents
    ]
    if notify:
        effects.append(
            jobs.NewEffect(
                Effect.EMAIL,
                {"case_id": case.id, "template": notify, "event_seq": event_seq},
                key=f"email:{case.id}:{event_seq}:{notify}",
                case_id=case.id,
            )
        )
    # The keys name the new audit event, so none can exist yet: one INSERT, no look-up.
    jobs.enqueue_new(effects)


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
    idempotency_key: str | None = None,
    key_claimed: bool = False,
    validated: ValidationResult | None = None,
    numbers: CaseNumbers | None = None,
    now: datetime | None = None,
) -> Submission:
    """Validate `data` against the current form and open a case in the initial state.

    With an `idempotency_key`, the same key and data return the first case again and the
    same key with other data raises IdempotencyConflict; never a second case.
    `key_claimed=True` says the caller already holds that key exclusively for this
    transaction (the API's Idempotency-Key record: a second request with the key waits
    for this one and then replays its answer), so no earlier case can have it and the
    look-up is skipped; the unique constraint still refuses a duplicate. `validated` is
    the result of `validate_submission` on the same data when the caller validated first;
    `numbers` the case's id and reference number when the caller drew them
    (`case_number_columns`, PostgreSQL only).
    """
    service, form = _service_and_form(service_key)
    request_hash = _request_hash(service_key, data)
    if idempotency_key is not None and not key_claimed:
        existing = _by_idempotency_key(applicant_id, idempotency_key)
        if existing is not None:
            return _replay(existing, request_hash)
    result = validated if validated is not None else validate(form, data, lang)
    now = now or utcnow()
    start = engine.start_case(service.workflow, now)
    case_id, reference = _new_case_identity(service.reference_prefix, now, numbers)
    flagged = {f.key for f in result.flags}
    case = Case(
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
        idempotency_key=idempotency_key,
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
    )
    ev = _append_event(
        case,
        AuditAction.SUBMITTED,
        actor,
        transition=engine.SUBMIT,
        to_state=case.state,
        at=now,
        first=True,
    )
    # The case first, then its first event and the outbox rows, each one INSERT; with the
    # id drawn beforehand nothing updates the row just inserted.
    db.session.expunge(ev)
    if idempotency_key is not None and not key_claimed:
        # In a savepoint: a concurrent request with the same key may win the race.
        if not insert_unless_exists(case):
            existing = _by_idempotency_key(applicant_id, idempotency_key)
            if existing is None:
                raise RuntimeError("the case could be neither created nor found")
            return _replay(existing, request_hash)
    else:
        _insert_new_case(case)
    core().execute(insert(AuditEvent), [_event_row(ev)])
    _queue_effects(case, service, ev.seq, (CASE_SUBMITTED,), (), "submitted", None)
    return Submission(case, created=True, history=(_history_entry(ev),))


def _insert_new_case(case: Case) -> None:
    """Insert a case whose every column is set with one plain INSERT, then attach it.

    Cheaper than the unit of work's flush for a single new row; the object becomes
    persistent as if it had been loaded (`make_transient_to_detached`), so later changes
    are updates with the version check as usual.
    """
    row = {column.key: getattr(case, column.key) for column in Case.__table__.columns}
    unset = [k for k, c in Case.__table__.columns.items() if row[k] is None and not c.nullable]
    if unset:
        raise RuntimeError(f"a new case needs these columns set: {', '.join(unset)}")
    core().execute(insert(Case), [row])
    make_transient_to_detached(case)
    db.session.add(case)


def _event_row(ev: AuditEvent) -> dict[str, Any]:
    """The column values of an event that is not in the session, for a plain INSERT."""
    return {
        column.key: getattr(ev, column.key)
        for column in AuditEvent.__table__.columns
        if column.key != "id"
    }


def _by_idempotency_key(applicant_id: int, key: str) -> Case | None:
    return db.session.scalar(
        select(Case).where(Case.applicant_id == applicant_id, Case.idempotency_key == key)
    )


def _replay(existing: Case, request_hash: str) -> Submission:
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
    case: Case, known_history: tuple[engine.HistoryEntry, ...] | None = None
) -> engine.CaseSnapshot:
    """Describe the case to the engine (with `known_history` when the caller has it)."""
    return engine.CaseSnapshot(
        state=case.state,
        applicant_id=str(case.applicant_id),
        data=guard_data(case),
        history=history(case) if known_history is None else known_history,
        due_at=case.due_at,
        clock_paused_at=case.clock_paused_at,
    )


def available_transitions(
    case: Case,
    actor: engine.Actor,
    known_history: tuple[engine.HistoryEntry, ...] | None = None,
) -> list[engine.Option]:
    """Return the transitions of the case's state, each allowed or with the reason why not."""
    return engine.available(service_for(case).workflow, snapshot(case, known_history), actor)


def fire_transition(
    case: Case,
    transition: str,
    actor: engine.Actor,
    inputs: Mapping[str, str] | None = None,
    *,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> engine.Decision:
    """Fire `transition` on `case` as `actor`, or raise a precise error and change nothing.

    `expected_version` is the case version the actor saw; if the case changed since, the
    call raises StaleCase instead of acting on a case the actor has not seen.
    """
    if expected_version is not None and expected_version != case.version:
        raise StaleCase("the case was changed by someone else; reload it")
    service = service_for(case)
    now = now or utcnow()
    decision = engine.decide(service.workflow, snapshot(case), transition, actor, inputs or {}, now)
    was_applicant = actor.id == str(case.applicant_id)
    action = AuditAction.TRANSITION if decision.completed else AuditAction.APPROVAL
    case.state = decision.to_state
    case.due_at = decision.due_at
    case.clock_paused_at = decision.clock_paused_at
    case.updated_at = now
    case.resident_replied = was_applicant and decision.completed
    if service.workflow.state(decision.to_state).final:
        case.closed_at = now
    ev = _append_event(
        case,
        action,
        actor,
        transition=transition,
        from_state=decision.from_state,
        to_state=decision.to_state,
        inputs=decision.inputs,
        at=now,
    )
    _flush_case()
    if decision.completed:
        events = (CASE_TRANSITIONED, *decision.events)
        _queue_effects(
            case, service, ev.seq, events, decision.documents, decision.notify, transition
        )
        for hook in _transition_hooks.values():
            hook(case, service, transition, now)
        _flush_case()
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
