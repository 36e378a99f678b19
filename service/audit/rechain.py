"""Re-chain audit events written before the keyed chain (no key id) under the current key.

Such events carry a plain hash that anyone with database access could recompute, and
`audit verify` names each of them. Re-chaining gives every event of an affected case,
from its first un-keyed one on, a salt, the digest of its personal fields and a keyed
hash under the current key (the events after it too: each hash covers the one before),
moves the case's head, queues the log leaves the events lack, and records an
`rechained` event. Run it once, while no requests run; a second run finds nothing.

A case whose events to rewrite are already leaves of the public log is refused: the log
is append-only and witnesses hold its roots (see docs/audit.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from service import engine
from service.audit.models import LogLeaf
from service.cases import chain
from service.cases.constants import AuditAction
from service.cases.models import AuditEvent, Case
from service.cases.services import log_leaf_effect, record_event
from service.extensions import db
from service.jobs import services as jobs

#: Who the re-chain event names.
RECHAIN_ACTOR = engine.Actor(id="audit-rechain", kind="system", label="flask audit rechain")


@dataclass(frozen=True)
class Rechained:
    """What happened to one case: how many events were re-chained, or why it was refused."""

    reference: str
    events: int
    refused: str = ""


def rechain_unkeyed() -> list[Rechained]:
    """Re-chain every case that has events without a key id (flushes; the caller commits)."""
    case_ids = db.session.scalars(
        select(AuditEvent.case_id).where(AuditEvent.key_id.is_(None)).distinct()
    ).all()
    return [_rechain_case(case_id) for case_id in sorted(case_ids)]


def _rechain_case(case_id: int) -> Rechained:
    case = db.session.get(Case, case_id)
    reference = case.reference if case is not None else f"case {case_id}"
    if case is None:
        return Rechained(reference, 0, "the case row is missing")
    events = list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(AuditEvent.seq)
        )
    )
    first = next(i for i, ev in enumerate(events) if ev.key_id is None)
    rewrite = events[first:]
    in_log = {
        seq or 0
        for seq in db.session.scalars(
            select(LogLeaf.event_seq).where(
                LogLeaf.case_id == case_id,
                LogLeaf.event_seq.in_([ev.seq for ev in rewrite]),
            )
        )
    }
    if in_log:
        return Rechained(
            reference, 0, f"events {sorted(in_log)} are already in the public log (append-only)"
        )
    ring = chain.keyring()
    prev = events[first - 1].hash if first else chain.GENESIS_HASH
    table = AuditEvent.__table__
    for ev in rewrite:
        values = _sealed(ev, ring, prev, anonymised=case.anonymised_at is not None)
        db.session.execute(table.update().where(table.c.id == ev.id).values(**values))
        prev = values["hash"] or ""
    db.session.expire_all()
    case = db.session.get(Case, case_id)
    assert case is not None
    case.audit_head = prev
    for ev in rewrite:
        effect = log_leaf_effect(case_id, ev.seq)
        jobs.enqueue(effect.kind, effect.payload, effect.key, case_id)
    record_event(
        case,
        AuditAction.RECHAINED,
        RECHAIN_ACTOR,
        {"events": len(rewrite), "key_id": ring.current_id},
    )
    return Rechained(reference, len(rewrite))


def _sealed(
    ev: AuditEvent, ring: chain.KeyRing, prev: str, *, anonymised: bool
) -> dict[str, str | None]:
    """Return the new chain columns of `ev`, following the hash `prev`."""
    salt, digest = ev.salt, ev.personal_digest
    if ev.key_id is None or digest is None:
        fresh = chain.new_salt()
        digest = chain.personal_digest(fresh, ev.actor_label, ev.inputs)
        # An anonymised case keeps no salt: nobody can test a guessed name later.
        salt = None if anonymised else fresh
    content = chain.event_content({**ev.content(), "personal": digest, "prev": prev})
    return {
        "key_id": ring.current_id,
        "salt": salt,
        "personal_digest": digest,
        "prev_hash": prev,
        "hash": chain.keyed_hash(ring, ring.current_id, content) or "",
    }
