"""Cases, their append-only audit trail, reference counters and idempotency records."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    Sequence,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column

from service.cases import chain
from service.extensions import JSONType, UTCDateTime, db, utcnow


class Case(db.Model):  # type: ignore[name-defined]
    """A resident's application, pinned to the workflow and form versions it started with.

    `state` changes only through `services.fire_transition`; the `version` column makes
    concurrent changes fail loudly instead of overwriting each other.
    """

    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("applicant_id", "idempotency_key"),
        Index("ix_cases_inbox", "state", "due_at", "id"),
        Index("ix_cases_submitted", "submitted_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    service_key: Mapped[str] = mapped_column(String(64), index=True)
    workflow_version: Mapped[int] = mapped_column(Integer)
    form_version: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    #: Failed "flag" rules, shown to the case worker: [{"key", "de", "en"}].
    flags: Mapped[list[dict[str, str]]] = mapped_column(JSONType, default=list)
    #: Indexed by the unique (applicant_id, idempotency_key) above (its leading column).
    applicant_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    applicant_name: Mapped[str] = mapped_column(String(200), default="")
    #: The API client that submitted on the resident's behalf, if any.
    submitted_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id"), nullable=True, index=True
    )
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    clock_paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    #: The resident answered a request for information; cleared when staff act next.
    resident_replied: Mapped[bool] = mapped_column(Boolean, default=False)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    legal_hold: Mapped[bool] = mapped_column(Boolean, default=False)
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    lang: Mapped[str] = mapped_column(String(8), default="de")
    #: Hash of the newest audit event, so that deleting the last event is detected too.
    audit_head: Mapped[str] = mapped_column(String(64), default="")
    idempotency_key: Mapped[str | None] = mapped_column(String(255), nullable=True)
    request_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}


class AuditEvent(db.Model):  # type: ignore[name-defined]
    """One thing that happened to a case. Rows are never changed; each hashes the one before.

    `hash` is keyed (see `service.cases.chain`): an HMAC under the key named by `key_id`.
    The personal fields (`actor_label`, `inputs`) enter it through `personal_digest`, so
    anonymisation can blank them (and drop `salt`) without breaking the chain.
    """

    __tablename__ = "audit_events"
    __table_args__ = (UniqueConstraint("case_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: Indexed by the unique (case_id, seq) above (its leading column).
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    action: Mapped[str] = mapped_column(String(32))
    transition: Mapped[str | None] = mapped_column(String(64), nullable=True)
    from_state: Mapped[str | None] = mapped_column(String(64), nullable=True)
    to_state: Mapped[str | None] = mapped_column(String(64), nullable=True)
    actor_id: Mapped[str] = mapped_column(String(128))
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_label: Mapped[str] = mapped_column(String(200), default="")
    #: The workflow role the actor decided in (the one that allowed the transition), kept
    #: so that a document rendered again names it whatever the actor's grants are today.
    #: None for residents, the system and events written before roles were recorded.
    actor_role: Mapped[str | None] = mapped_column(String(64), nullable=True)
    inputs: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    #: The key the hash was made with; None on events written before keyed hashing.
    key_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    #: Random salt of the personal fields; None once the case was anonymised.
    salt: Mapped[str | None] = mapped_column(String(32), nullable=True)
    personal_digest: Mapped[str | None] = mapped_column(String(64), nullable=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    def seal(self, ring: chain.KeyRing) -> None:
        """Salt the personal fields and set the keyed hash under the ring's current key."""
        self.key_id = ring.current_id
        self.salt = chain.new_salt()
        self.personal_digest = chain.personal_digest(self.salt, self.actor_label, self.inputs)
        self.hash = self.compute_hash(ring) or ""

    def content(self) -> dict[str, Any]:
        """Return what the keyed hash covers: every field, personal ones as their digest."""
        return event_content(functools.partial(getattr, self))

    def compute_hash(self, ring: chain.KeyRing | None = None) -> str | None:
        """Recompute the keyed hash; None when the event names no key or an unknown one."""
        if self.key_id is None:
            return None
        ring = ring or chain.keyring()
        return chain.keyed_hash(ring, self.key_id, chain.event_content(self.content()))

    def personal_fields_intact(self) -> bool:
        """Return True when the personal fields still match their digest (or were blanked)."""
        if self.salt is None:
            return True
        digest = chain.personal_digest(self.salt, self.actor_label, self.inputs)
        return digest == self.personal_digest


def event_content(column: Callable[[str], Any]) -> dict[str, Any]:
    """Return what an event's keyed hash covers (`AuditEvent.content`), each column's value
    as `column(name)` returns it."""
    role = column("actor_role")
    return {
        "case_id": column("case_id"),
        "seq": column("seq"),
        "at": column("at").isoformat(),
        "action": column("action"),
        "transition": column("transition"),
        "from": column("from_state"),
        "to": column("to_state"),
        "actor_id": column("actor_id"),
        "actor_kind": column("actor_kind"),
        # Only when set, so events written before roles were recorded keep their hash.
        **({"actor_role": role} if role is not None else {}),
        "personal": column("personal_digest"),
        "prev": column("prev_hash"),
    }


def seal_values(values: dict[str, Any], ring: chain.KeyRing) -> None:
    """Add to a new event's column `values` what `AuditEvent.seal` sets on an event.

    For an event built from its values without the ORM (`store.unsaved`): reading and
    setting a mapped object's attributes cost more than the hashes themselves.
    """
    values["key_id"] = ring.current_id
    values["salt"] = chain.new_salt()
    values["personal_digest"] = chain.personal_digest(
        values["salt"], values["actor_label"], values["inputs"]
    )
    content = chain.event_content(event_content(values.__getitem__))
    values["hash"] = chain.keyed_hash(ring, ring.current_id, content) or ""


@event.listens_for(AuditEvent, "before_update")
def _refuse_update(mapper: Any, connection: Any, target: AuditEvent) -> None:
    raise RuntimeError("audit events are append-only")


@event.listens_for(AuditEvent, "before_delete")
def _refuse_delete(mapper: Any, connection: Any, target: AuditEvent) -> None:
    raise RuntimeError("audit events are append-only")


#: Case reference numbers on PostgreSQL: a sequence never blocks a concurrent submission
#: (numbers are unique and rising; a rolled-back submission leaves a gap).
REFERENCE_SEQUENCE = Sequence("case_reference_seq", metadata=db.metadata)
#: The sequence PostgreSQL made for `cases.id` (SERIAL). Not part of the metadata: the
#: column owns it; `submit_case` draws the id before the insert (see `_new_case_identity`).
CASE_ID_SEQUENCE = Sequence("cases_id_seq")


class ReferenceCounter(db.Model):  # type: ignore[name-defined]
    """The last number handed out per reference prefix and year (WA-2026-000123).

    Used on SQLite, where one writer at a time makes a counter row cheap and gapless.
    """

    __tablename__ = "reference_counters"

    prefix: Mapped[str] = mapped_column(String(8), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class CaseNote(db.Model):  # type: ignore[name-defined]
    """An internal note on a case, visible to staff only."""

    __tablename__ = "case_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
