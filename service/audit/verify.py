"""`audit verify`: recompute the hash chains and the Merkle log, check witnesses' checkpoints.

Every problem is one sentence that names what is wrong: the case reference and event
number where the database still says which, the leaf position and the checkpoint
otherwise.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from service.audit import checkpoints, log, merkle
from service.audit.constants import LeafKind
from service.audit.models import Checkpoint, LogLeaf
from service.cases.constants import Effect
from service.cases.models import AuditEvent, Case
from service.cases.verification import verify_audit_chain
from service.documents.models import Document
from service.extensions import db
from service.jobs.constants import JobStatus
from service.jobs.models import OutboxItem


def verify_all(witnessed: Iterable[dict[str, Any]] = ()) -> list[str]:
    """Check every case chain, the whole log, our checkpoints and the given ones."""
    problems = verify_audit_chain()
    state = _recompute_log(problems)
    stored = list(db.session.scalars(select(Checkpoint).order_by(Checkpoint.tree_size)))
    for checkpoint in stored:
        problems += _check_checkpoint(checkpoints.as_json(checkpoint), state, "stored")
    for given in witnessed:
        problems += _check_checkpoint(given, state, "witness's")
    return problems


@dataclass
class _LogState:
    size: int = 0
    roots: dict[int, bytes] = field(default_factory=dict)


def _describe(leaf: LogLeaf) -> str:
    if leaf.kind == LeafKind.DOCUMENT:
        return f"{leaf.case_reference} document {leaf.document_id}"
    return f"{leaf.case_reference} event {leaf.event_seq}"


def _recompute_log(problems: list[str]) -> _LogState:
    """Recompute every leaf from its event or document and the roots at checkpoint sizes."""
    sizes = set(db.session.scalars(select(Checkpoint.tree_size)))
    events = {
        (row.case_id, row.seq): row.hash
        for row in db.session.execute(select(AuditEvent.case_id, AuditEvent.seq, AuditEvent.hash))
    }
    references = {r.id: r.reference for r in db.session.execute(select(Case.id, Case.reference))}
    documents = _documents()
    frontier = merkle.Frontier()
    state = _LogState()
    last_seq: dict[int, int] = {}
    for leaf in db.session.scalars(select(LogLeaf).order_by(LogLeaf.leaf_index)):
        if leaf.leaf_index != frontier.size:
            problems.append(
                f"log: leaves {frontier.size} to {leaf.leaf_index - 1} are missing "
                f"(the next one is {_describe(leaf)})"
            )
            break
        expected, what = _leaf_source(leaf, events, references, documents)
        problems += [f"log leaf {leaf.leaf_index} ({_describe(leaf)}): {w}" for w in what]
        if leaf.kind == LeafKind.EVENT and leaf.event_seq is not None:
            if leaf.event_seq < last_seq.get(leaf.case_id, 0):
                problems.append(
                    f"{leaf.case_reference}: event {leaf.event_seq} comes after event "
                    f"{last_seq[leaf.case_id]} in the log (leaves were reordered)"
                )
            last_seq[leaf.case_id] = max(leaf.event_seq, last_seq.get(leaf.case_id, 0))
            events.pop((leaf.case_id, leaf.event_seq), None)
        frontier.append(expected or bytes.fromhex(leaf.leaf_hash))
        if frontier.size in sizes:
            state.roots[frontier.size] = frontier.root()
    state.size = frontier.size
    state.roots[frontier.size] = frontier.root()
    problems += _head_problems(state)
    problems += _unlogged(events, references)
    return state


def _documents() -> dict[int, tuple[int, str | None]]:
    rows = db.session.execute(select(Document.id, Document.case_id, Document.sha256))
    return {row.id: (row.case_id, row.sha256) for row in rows}


def _leaf_source(
    leaf: LogLeaf,
    events: dict[tuple[int, int], str],
    references: dict[int, str],
    documents: dict[int, tuple[int, str | None]],
) -> tuple[bytes | None, list[str]]:
    """Recompute a leaf's hash from the row it stands for; say what does not match."""
    if leaf.case_id not in references:
        return None, ["the case is missing from the database (deleted)"]
    if leaf.kind == LeafKind.DOCUMENT:
        found = documents.get(leaf.document_id or -1)
        if found is None or not found[1]:
            return None, ["the document is missing from the database (deleted)"]
        data = log.document_leaf_data(
            leaf.leaf_index, leaf.case_id, references[leaf.case_id], leaf.document_id or 0, found[1]
        )
    else:
        event_hash = events.get((leaf.case_id, leaf.event_seq or 0))
        if event_hash is None:
            return None, ["the event is missing from the audit trail (deleted)"]
        data = log.event_leaf_data(
            leaf.leaf_index, leaf.case_id, references[leaf.case_id], leaf.event_seq or 0, event_hash
        )
    expected = merkle.leaf_hash(data)
    if expected.hex() != leaf.leaf_hash:
        return expected, [
            "does not match what is in the database: the entry was changed, or the leaf was "
            "moved to another position"
        ]
    return expected, []


def _head_problems(state: _LogState) -> Iterator[str]:
    stored_size = log.size()
    if stored_size != state.size:
        yield f"log: the head says {stored_size} leaves, but {state.size} are stored"
    if state.size:
        try:
            stored_root = log.root(state.size)
        except log.LogIncomplete as exc:
            yield f"log: {exc}"
            return
        if stored_root != state.roots[state.size]:
            yield "log: the stored tree nodes do not match the leaves (proofs would be wrong)"


def _unlogged(events: dict[tuple[int, int], str], references: dict[int, str]) -> Iterator[str]:
    """Name committed events without a leaf whose append is not still queued."""
    if not events:
        return
    queued = set(
        db.session.scalars(
            select(OutboxItem.key).where(
                OutboxItem.kind == Effect.AUDIT_LEAF,
                OutboxItem.status.in_([JobStatus.PENDING, JobStatus.RUNNING]),
            )
        )
    )
    for case_id, seq in sorted(events):
        if f"audit-leaf:{case_id}:{seq}" not in queued:
            ref = references.get(case_id, f"case {case_id}")
            yield f"{ref}: event {seq} is not in the log"


def _check_checkpoint(given: dict[str, Any], state: _LogState, whose: str) -> list[str]:
    """Check one checkpoint's signature and that the log still contains exactly its tree."""
    try:
        tree_size, root, stamp = _parse(given)
    except (KeyError, ValueError) as exc:
        return [f"{whose} checkpoint: unreadable ({exc})"]
    name = f"{whose} checkpoint of {stamp} (size {tree_size})"
    if not signature_ok(given):
        return [f"{name}: its signature is not the city's seal"]
    if tree_size > state.size:
        return [
            f"{name}: the log has only {state.size} leaves; leaves {state.size} to "
            f"{tree_size - 1} were removed (an older backup restored, or history cut)"
        ]
    recomputed = state.roots.get(tree_size)
    if recomputed is None:
        recomputed = _root_at(tree_size)
    if recomputed != root:
        return [f"{name}: the log's first {tree_size} leaves no longer have its root hash"]
    return []


def _root_at(tree_size: int) -> bytes:
    frontier = merkle.Frontier()
    for leaf_hash in db.session.scalars(
        select(LogLeaf.leaf_hash).order_by(LogLeaf.leaf_index).limit(tree_size)
    ):
        frontier.append(bytes.fromhex(leaf_hash))
    return frontier.root()


def _parse(given: dict[str, Any]) -> tuple[int, bytes, str]:
    lines = str(given["body"]).split("\n")
    tree_size, root = int(lines[1]), base64.b64decode(lines[2])
    if tree_size != int(given["tree_size"]) or root.hex() != given["root_hash"]:
        raise ValueError("its fields differ from its signed text")
    return tree_size, root, str(given.get("timestamp", "?"))


def signature_ok(given: dict[str, Any]) -> bool:
    """Check a checkpoint's signature against the seal certificate."""
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

    key = x509.load_pem_x509_certificate(checkpoints.certificate_pem()).public_key()
    try:
        signature = base64.b64decode(given["signature"])
        data = str(given["body"]).encode()
        if isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
        elif isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        else:
            return False
    except (InvalidSignature, ValueError, KeyError):
        return False
    return True
