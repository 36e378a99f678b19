"""Check every case's keyed hash chain (naming each broken link) and anonymise it safely."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import select

from service.cases.chain import GENESIS_HASH, KeyRing, keyring
from service.cases.constants import AuditAction
from service.cases.models import AuditEvent, Case
from service.extensions import db


@dataclass(frozen=True)
class _CaseHead:
    reference: str
    head: str
    anonymised: bool


def verify_audit_chain(case_id: int | None = None) -> list[str]:
    """Recompute every case's keyed hash chain; return a message per broken link.

    Each message starts with the case reference and names the event number: a changed
    event, a hash made without the key, a missing or reordered event, personal fields
    changed or blanked outside anonymisation, and a newest event that is gone.
    """
    cases = select(Case.id, Case.reference, Case.audit_head, Case.anonymised_at)
    query = select(AuditEvent).order_by(AuditEvent.case_id, AuditEvent.seq)
    if case_id is not None:
        cases = cases.where(Case.id == case_id)
        query = query.where(AuditEvent.case_id == case_id)

    heads = {
        row.id: _CaseHead(row.reference, row.audit_head, row.anonymised_at is not None)
        for row in db.session.execute(cases)
    }
    ring = keyring()
    problems: list[str] = []
    last_hash: dict[int, str] = {}
    current_case, prev_hash, expected_seq = None, GENESIS_HASH, 1
    for ev in db.session.scalars(query):
        if ev.case_id != current_case:
            current_case, prev_hash, expected_seq = ev.case_id, GENESIS_HASH, 1
        last_hash[ev.case_id] = ev.hash
        head = heads.get(ev.case_id)
        ref = head.reference if head else f"case {ev.case_id} (the case row is missing)"
        if ev.seq != expected_seq:
            problems.append(f"{ref}: event {expected_seq} is missing (next is {ev.seq})")
        if ev.prev_hash != prev_hash:
            problems.append(f"{ref}: event {ev.seq} does not follow the event before it")
        problems += [
            f"{ref}: event {ev.seq} {what}"
            for what in event_problems(ev, ring, anonymised=bool(head and head.anonymised))
        ]
        prev_hash, expected_seq = ev.hash, ev.seq + 1
    for cid, head in heads.items():
        if head.head and last_hash.get(cid) != head.head:
            problems.append(f"{head.reference}: the newest audit event is missing")
    return problems


def event_problems(ev: AuditEvent, ring: KeyRing, *, anonymised: bool) -> Iterator[str]:
    """Say what is wrong with one event on its own (its keyed hash, its personal fields)."""
    if ev.key_id is None:
        yield "has no keyed hash (written before keyed hashing, or its key id was removed)"
        return
    expected = ev.compute_hash(ring)
    if expected is None:
        yield f"was hashed with key {ev.key_id!r}, which the audit key ring does not hold"
    elif expected != ev.hash:
        yield "was changed after it was written (its keyed hash does not match)"
    if not ev.personal_fields_intact():
        yield (
            "was changed after it was written "
            "(its personal fields, name or inputs, do not match their digest)"
        )
    if ev.salt is None and not anonymised:
        yield "lost its personal fields although the case was never anonymised"


def blank_personal_fields(case: Case) -> None:
    """Blank the personal fields of the case's audit events, keeping the trail verifiable.

    Blanked: the resident's name on the events they caused, and the inputs of
    submissions, transitions, approvals and notes (reasons may name people); the
    system's own marks (assignment, legal hold, escalation) keep their inputs. Each
    blanked event's salt is deleted. The keyed hashes cover only the salted digest of
    these fields (`chain`), so the chain and the public log still verify,
    and without the salt nobody can test a guessed value against the digest. Staff names
    stay: they record who decided for the city.
    """
    events = AuditEvent.__table__
    applicant = str(case.applicant_id)
    free_text = [
        AuditAction.SUBMITTED,
        AuditAction.TRANSITION,
        AuditAction.APPROVAL,
        AuditAction.NOTE,
    ]
    of_case = events.c.case_id == case.id
    db.session.execute(
        events.update()
        .where(of_case, events.c.actor_id == applicant)
        .values(actor_label="", salt=None)
    )
    db.session.execute(
        events.update().where(of_case, events.c.action.in_(free_text)).values(inputs={}, salt=None)
    )
