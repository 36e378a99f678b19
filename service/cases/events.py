"""The audit events of a case and the outbox rows that go with them.

Every state change appends one event to the case's keyed hash chain and queues its
effects (the audit log's leaf, webhook events, documents, e-mails) in the same
transaction; the keys of the outbox rows name the event, so none can exist before it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from service import engine
from service.cases import store
from service.cases.chain import GENESIS_HASH, keyring
from service.cases.constants import AuditAction, Effect
from service.cases.models import AuditEvent, Case, seal_values
from service.definitions.types import ServiceDefinition
from service.extensions import core, db, utcnow
from service.jobs import services as jobs


def append_event(
    case: Case,
    action: AuditAction,
    actor: engine.Actor,
    *,
    transition: str | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    inputs: Mapping[str, Any] | None = None,
    at: datetime | None = None,
    role: str | None = None,
) -> AuditEvent:
    """Append an event to the case's hash chain (the caller flushes).

    A new case's first event comes from `first_event` instead (no earlier event to look up).
    """
    ev = _chained_event(
        case.id,
        _last_event(case.id),
        action,
        actor,
        transition=transition,
        from_state=from_state,
        to_state=to_state,
        inputs=inputs,
        at=at or utcnow(),
        role=role,
    )
    case.audit_head = ev.hash
    db.session.add(ev)
    return ev


def first_event(
    case: Case,
    action: AuditAction,
    actor: engine.Actor,
    *,
    transition: str | None,
    to_state: str,
    at: datetime,
) -> AuditEvent:
    """Return the first event of a case not yet inserted, sealed, and set the case's head.

    The event is not in the session: the caller inserts it with the case
    (`store.insert_new_case` or `store.insert_event`).
    """
    ev = _chained_event(
        case.id,
        None,
        action,
        actor,
        transition=transition,
        from_state=None,
        to_state=to_state,
        inputs=None,
        at=at,
        unsaved=True,
    )
    case.audit_head = ev.hash
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
    role: str | None = None,
    unsaved: bool = False,
) -> AuditEvent:
    """Build the event that follows `last` ((seq, hash) or None) with its hash set.

    `unsaved`: the caller inserts the row itself and never adds the event to the session
    (`store.unsaved`, without the ORM's instrumented constructor).
    """
    values = {
        "case_id": case_id,
        "seq": (last.seq + 1) if last else 1,
        "at": at,
        "action": action,
        "transition": transition,
        "from_state": from_state,
        "to_state": to_state,
        "actor_id": actor.id,
        "actor_kind": actor.kind,
        "actor_label": actor.label[:200],
        "actor_role": role,
        "inputs": dict(inputs or {}),
        "prev_hash": last.hash if last else GENESIS_HASH,
    }
    if unsaved:
        seal_values(values, keyring())
        return store.unsaved(AuditEvent, values)
    ev = AuditEvent(**values)
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
    ev = append_event(
        case, action, actor, inputs=inputs, from_state=case.state, to_state=case.state
    )
    case.updated_at = utcnow()
    store.flush_case()
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
    store.insert_event(ev)
    core().execute(update(Case).where(Case.id == case_id).values(**values, audit_head=ev.hash))
    jobs.enqueue_new([log_leaf_effect(case_id, ev.seq)])
    return ev


def queue_effects(
    case: Case,
    service: ServiceDefinition,
    event_seq: int,
    events: tuple[str, ...],
    documents: tuple[str, ...],
    notify: str | None,
    transition: str | None,
) -> None:
    """Queue the effects of the case's new event `event_seq` (see `effects_of`)."""
    # The keys name the new audit event, so none can exist yet: one INSERT, no look-up.
    jobs.enqueue_new(effects_of(case, service, event_seq, events, documents, notify, transition))


def effects_of(
    case: Case,
    service: ServiceDefinition,
    event_seq: int,
    events: tuple[str, ...],
    documents: tuple[str, ...],
    notify: str | None,
    transition: str | None,
) -> list[jobs.NewEffect]:
    """Return the outbox items of the case's new event: leaf, webhook events, documents, mail."""
    case_id = case.id  # read once: each read of a mapped attribute costs as much as a row
    effects = [log_leaf_effect(case_id, event_seq)]
    if service.draft:
        # A case of a draft version is staff trying the service: integrators cannot read
        # it (the API answers 404), so no webhook announces it, not even after the
        # service is published (its cases stay pinned to the draft version).
        events = ()
    if events:
        about = {
            "case_id": case_id,
            "reference": case.reference,
            "service": case.service_key,
            "state": case.state,
            "transition": transition,
            "at": utcnow().isoformat(),
        }
        effects += [
            jobs.NewEffect(
                Effect.WEBHOOK_EVENT,
                {"type": event_type, **about},
                key=f"event:{case_id}:{event_seq}:{event_type}",
                case_id=case_id,
            )
            for event_type in events
        ]
    effects += [
        jobs.NewEffect(
            Effect.RENDER_DOCUMENT,
            {"case_id": case_id, "document": document, "event_seq": event_seq},
            key=f"document:{case_id}:{document}:{event_seq}",
            case_id=case_id,
        )
        for document in documents
    ]
    if notify:
        effects.append(
            jobs.NewEffect(
                Effect.EMAIL,
                {"case_id": case_id, "template": notify, "event_seq": event_seq},
                key=f"email:{case_id}:{event_seq}:{notify}",
                case_id=case_id,
            )
        )
    return effects
