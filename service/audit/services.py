"""Public API of the audit log: append leaves, seal checkpoints, serve proofs, report status.

Leaves are appended by the outbox (`audit.leaf` items that the cases and documents
packages queue in the transaction that writes the event or issues the document), so a
rolled-back change leaves no leaf and a committed one always gets exactly one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, or_, select, update

from service.audit import checkpoints, log, merkle
from service.audit.constants import WITNESS_FETCH_RESOLUTION_SECONDS, StatusName
from service.audit.models import AuditStatus, Checkpoint
from service.audit.rechain import Rechained
from service.cases.constants import Effect
from service.cases.models import AuditEvent, Case
from service.documents.models import Document
from service.extensions import core, db, utcnow
from service.jobs import services as jobs
from service.jobs.constants import JobStatus
from service.jobs.models import OutboxItem


class ProofUnavailable(ValueError):
    """The sizes or index asked for do not describe a proof this log can give."""


@jobs.register(Effect.AUDIT_LEAF)
def _append_leaf(payload: dict[str, Any]) -> None:
    """Outbox handler: append one audit event or issued document to the log."""
    if "document_id" in payload:
        document = db.session.get(Document, int(payload["document_id"]))
        case = db.session.get(Case, document.case_id) if document is not None else None
        if document is None or case is None or not document.sha256:
            raise jobs.GiveUp("the document is gone or was never issued")
        log.append_document(case.id, case.reference, document.id, document.sha256)
        return
    own = (int(payload["case_id"]), int(payload["seq"]))
    queued = _queued_event_items()
    keys = [own, *(key for _item_id, key in queued if key != own)]
    found = _events(keys)
    if own not in found:
        raise jobs.GiveUp("the audit event is gone (audit verify reports it)")
    log.append_events([found[key] for key in keys if key in found])
    done = [item_id for item_id, key in queued if key in found]
    if done:
        core().execute(_MARK_DONE, {"ids": done, "worker": jobs.worker_id(), "now": utcnow()})


#: Items another run may take over: unclaimed, or claimed by this very worker. The
#: worker runs its claimed items one after the other, so those it claimed alongside this
#: one are still waiting; marked done here, they are skipped when their turn comes.
_TAKEABLE = or_(
    OutboxItem.status == JobStatus.PENDING,
    and_(OutboxItem.status == JobStatus.RUNNING, OutboxItem.locked_by == bindparam("worker")),
)
#: Other queued `audit.leaf` items (statements built once).
_QUEUED = (
    select(OutboxItem.id, OutboxItem.payload)
    .where(OutboxItem.kind == Effect.AUDIT_LEAF, _TAKEABLE)
    .order_by(OutboxItem.id)
    .limit(bindparam("limit"))
)
_MARK_DONE = (
    update(OutboxItem)
    .where(OutboxItem.id.in_(bindparam("ids", expanding=True)), _TAKEABLE)
    .values(status=JobStatus.DONE, done_at=bindparam("now"), attempts=1, lease_until=None)
)


def _queued_event_items(limit: int = 500) -> list[tuple[int, tuple[int, int]]]:
    """Return other queued `audit.leaf` items of events: (item id, (case id, seq)).

    One outbox run then appends a burst of events under one lock and one commit, instead
    of one claim, run and commit per event. Only items no other worker holds are taken,
    each marked done only if still so; an item claimed meanwhile finds its leaf and is a
    no-op.
    """
    items = core().execute(_QUEUED, {"worker": jobs.worker_id(), "limit": limit})
    return [(item_id, (int(p["case_id"]), int(p["seq"]))) for item_id, p in items if "seq" in p]


def _events(keys: list[tuple[int, int]]) -> dict[tuple[int, int], log.EventLeaf]:
    """Return the events of `keys` that exist, with their case reference and hash."""
    wanted = set(keys)
    rows = core().execute(_EVENTS_OF_CASES, {"case_ids": sorted({c for c, _s in keys})})
    return {(c, s): log.EventLeaf(c, ref, s, h) for c, s, ref, h in rows if (c, s) in wanted}


_EVENTS_OF_CASES = (
    select(AuditEvent.case_id, AuditEvent.seq, Case.reference, AuditEvent.hash)
    .join(Case, AuditEvent.case_id == Case.id)
    .where(AuditEvent.case_id.in_(bindparam("case_ids", expanding=True)))
)


def seal_checkpoint(now: datetime | None = None, *, force: bool = False) -> Checkpoint | None:
    """Seal a checkpoint if one is due (the periodic job) or now (`force`)."""
    return checkpoints.create_checkpoint(now, force=force)


#: The job looks every minute; it seals when the log grew and
#: AMTSWEG_AUDIT_CHECKPOINT_MINUTES passed since the last checkpoint.
@jobs.periodic("audit_checkpoint", every=timedelta(minutes=1))
def seal_due_checkpoint(now: datetime) -> int:
    """Periodic job: seal a checkpoint when one is due; return 1 if it did."""
    return 0 if seal_checkpoint(now) is None else 1


def latest_checkpoint() -> dict[str, Any] | None:
    """Return the newest checkpoint's published form, or None."""
    newest = checkpoints.latest()
    return checkpoints.as_json(newest) if newest is not None else None


def checkpoint_of_size(tree_size: int) -> dict[str, Any] | None:
    """Return the published checkpoint of `tree_size` leaves, or None."""
    found = checkpoints.at_size(tree_size)
    return checkpoints.as_json(found) if found is not None else None


def consistency(first: int, second: int) -> dict[str, Any]:
    """Return the consistency proof between two tree sizes with both roots."""
    current = log.size()
    if not 0 < first <= second <= current:
        raise ProofUnavailable(f"sizes must satisfy 0 < from <= to <= {current}")
    return {
        "from": first,
        "to": second,
        "from_root": log.root(first).hex(),
        "to_root": log.root(second).hex(),
        "proof": [h.hex() for h in log.consistency_proof(first, second)],
    }


def inclusion(index: int, tree_size: int) -> dict[str, Any]:
    """Return the inclusion proof of leaf `index` in the tree of `tree_size` leaves."""
    current = log.size()
    if not 0 <= index < tree_size <= current:
        raise ProofUnavailable(f"need 0 <= index < size <= {current}")
    from service.audit.models import LogLeaf

    leaf = db.session.get(LogLeaf, index)
    return {
        "leaf_index": index,
        "tree_size": tree_size,
        "leaf_hash": leaf.leaf_hash if leaf is not None else None,
        "root_hash": log.root(tree_size).hex(),
        "path": [h.hex() for h in log.inclusion_path(index, tree_size)],
    }


@dataclass(frozen=True)
class DocumentInLog:
    """Whether an issued document's hash is in the log, checked against a checkpoint."""

    leaf_index: int | None
    checkpoint_size: int | None
    checkpoint_time: datetime | None
    verified: bool


def document_in_log(document_id: int, sha256: str | None) -> DocumentInLog:
    """Check that a document's hash is a leaf of the newest checkpoint (inclusion proof)."""
    leaf = log.leaf_for_document(document_id)
    if leaf is None or not sha256:
        return DocumentInLog(None, None, None, False)
    sealed = checkpoints.covering(leaf.leaf_index)
    if sealed is None:
        return DocumentInLog(leaf.leaf_index, None, None, False)
    data = log.document_leaf_data(
        leaf.leaf_index, leaf.case_id, leaf.case_reference, document_id, sha256
    )
    try:
        path = log.inclusion_path(leaf.leaf_index, sealed.tree_size)
    except log.LogIncomplete:
        path = []
    ok = merkle.verify_inclusion(
        leaf.leaf_index,
        sealed.tree_size,
        merkle.leaf_hash(data),
        path,
        bytes.fromhex(sealed.root_hash),
    )
    return DocumentInLog(leaf.leaf_index, sealed.tree_size, sealed.created_at, ok)


def record_witness_fetch(now: datetime | None = None) -> None:
    """Note that someone fetched the latest checkpoint (at most once a minute)."""
    now = now or utcnow()
    status = db.session.get(AuditStatus, StatusName.WITNESS_FETCH)
    if status is None:
        db.session.add(AuditStatus(name=StatusName.WITNESS_FETCH, at=now, detail={}, note=""))
    elif now - status.at >= timedelta(seconds=WITNESS_FETCH_RESOLUTION_SECONDS):
        status.at = now
    else:
        return
    db.session.flush()


def record_verify_result(problems: list[str], now: datetime | None = None) -> None:
    """Keep the result of a (nightly) `audit verify` for administrators."""
    now = now or utcnow()
    status = db.session.get(AuditStatus, StatusName.NIGHTLY_VERIFY)
    if status is None:
        status = AuditStatus(name=StatusName.NIGHTLY_VERIFY)
        db.session.add(status)
    status.at, status.ok = now, not problems
    status.detail = {"problems": problems[:50], "count": len(problems)}
    status.note = ""
    db.session.flush()


@jobs.periodic("audit_verify", every=timedelta(days=1))
def run_nightly_verify(now: datetime | None = None) -> int:
    """Verify the whole trail and log and store the result; return the number of problems."""
    from service.audit.verify import verify_all

    problems = verify_all()
    record_verify_result(problems, now)
    return len(problems)


@dataclass(frozen=True)
class Overview:
    """What administrators see of the log."""

    size: int
    checkpoint: dict[str, Any] | None
    checkpoint_at: datetime | None
    #: Whether the newest checkpoint's signature verifies with the seal certificate.
    signature_ok: bool | None
    witness_fetch: datetime | None
    verify_at: datetime | None
    verify_ok: bool | None
    verify_problems: list[str]
    #: How many problems the last verify found (only the first 50 are kept in words).
    verify_count: int


def checkpoint_signature_ok(published: dict[str, Any]) -> bool:
    """Say whether a published checkpoint's signature verifies with the seal certificate."""
    from service.audit.verify import signature_ok

    try:
        return signature_ok(published)
    except (OSError, ValueError):
        return False  # the certificate is missing or unreadable


def overview() -> Overview:
    """Return the log's size, newest checkpoint, last witness fetch and last verify."""
    fetch = db.session.get(AuditStatus, StatusName.WITNESS_FETCH)
    verify = db.session.get(AuditStatus, StatusName.NIGHTLY_VERIFY)
    newest = checkpoints.latest()
    published = checkpoints.as_json(newest) if newest is not None else None
    return Overview(
        size=log.size(),
        checkpoint=published,
        checkpoint_at=newest.created_at if newest is not None else None,
        signature_ok=checkpoint_signature_ok(published) if published is not None else None,
        witness_fetch=fetch.at if fetch is not None else None,
        verify_at=verify.at if verify is not None else None,
        verify_ok=verify.ok if verify is not None else None,
        verify_problems=list((verify.detail or {}).get("problems", [])) if verify else [],
        verify_count=int((verify.detail or {}).get("count", 0)) if verify else 0,
    )


def rechain_unkeyed() -> list[Rechained]:
    """Re-chain events written before the keyed chain (see `service.audit.rechain`)."""
    from service.audit import rechain

    return rechain.rechain_unkeyed()
