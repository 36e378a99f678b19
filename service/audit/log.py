"""The Merkle log in the database: append leaves one at a time, read roots and proofs.

Every append locks the single `audit_log_head` row (a row lock on PostgreSQL, the write
lock on SQLite), so leaves get consecutive indexes in the order their appends commit.
Besides the leaf row an append stores the hash of every complete subtree the leaf
completes (`audit_log_nodes`, on average one per leaf); roots and proofs then need
O(log n) stored nodes, fetched in one query.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import and_, or_, select, update

from service.audit import merkle
from service.audit.constants import LEAF_VERSION, LeafKind
from service.audit.models import LogHead, LogLeaf, LogNode
from service.cases.chain import canonical
from service.extensions import core, db, insert_unless_exists, utcnow

T = TypeVar("T")


class LogIncomplete(RuntimeError):
    """A stored node the log needs is missing: the log tables were tampered with."""


def event_leaf_data(index: int, case_id: int, reference: str, seq: int, event_hash: str) -> bytes:
    """Return the bytes an audit event's leaf hashes: position, case, event and its hash."""
    return canonical(
        {
            "v": LEAF_VERSION,
            "kind": LeafKind.EVENT.value,
            "index": index,
            "case_id": case_id,
            "reference": reference,
            "seq": seq,
            "event_hash": event_hash,
        }
    )


def document_leaf_data(
    index: int, case_id: int, reference: str, document_id: int, sha256: str
) -> bytes:
    """Return the bytes a document's leaf hashes: position, case, document and its SHA-256."""
    return canonical(
        {
            "v": LEAF_VERSION,
            "kind": LeafKind.DOCUMENT.value,
            "index": index,
            "case_id": case_id,
            "reference": reference,
            "document_id": document_id,
            "sha256": sha256,
        }
    )


def _lock_head() -> int:
    """Lock the log's head row for this transaction and return the log's size."""
    for _ in range(2):
        size = (
            core()
            .execute(
                update(LogHead)
                .where(LogHead.id == 1)
                .values(size=LogHead.size)
                .returning(LogHead.size)
            )
            .scalar()
        )
        if size is not None:
            return int(size)
        insert_unless_exists(LogHead(id=1, size=0))
    raise RuntimeError("the audit log's head row could not be locked")


def size() -> int:
    """Return the number of leaves in the log (committed ones)."""
    return int(db.session.scalar(select(LogHead.size).where(LogHead.id == 1)) or 0)


def append_event(case_id: int, reference: str, seq: int, event_hash: str) -> int:
    """Append an audit event's leaf unless it is in the log; return its leaf index."""
    n = _lock_head()
    existing = db.session.scalar(
        select(LogLeaf.leaf_index).where(LogLeaf.case_id == case_id, LogLeaf.event_seq == seq)
    )
    if existing is not None:
        return int(existing)
    data = event_leaf_data(n, case_id, reference, seq, event_hash)
    _append(n, LogLeaf(kind=LeafKind.EVENT, case_id=case_id, event_seq=seq), reference, data)
    return n


def append_document(case_id: int, reference: str, document_id: int, sha256: str) -> int:
    """Append an issued document's leaf unless it is in the log; return its leaf index."""
    n = _lock_head()
    existing = db.session.scalar(
        select(LogLeaf.leaf_index).where(LogLeaf.document_id == document_id)
    )
    if existing is not None:
        return int(existing)
    data = document_leaf_data(n, case_id, reference, document_id, sha256)
    leaf = LogLeaf(kind=LeafKind.DOCUMENT, case_id=case_id, document_id=document_id)
    _append(n, leaf, reference, data)
    return n


def _append(index: int, leaf: LogLeaf, reference: str, data: bytes) -> None:
    """Store leaf `index` and every complete subtree it completes; advance the head."""
    h = merkle.leaf_hash(data)
    leaf.leaf_index, leaf.case_reference = index, reference
    leaf.leaf_hash, leaf.appended_at = h.hex(), utcnow()
    # The left siblings on the way up: one per trailing 1 bit of the index.
    ones = (index ^ (index + 1)).bit_length() - 1
    siblings = _fetch({(level, (index >> level) - 1) for level in range(ones)})
    nodes = [LogNode(level=0, node_index=index, hash=h.hex())]
    for level in range(ones):
        h = merkle.node_hash(siblings[(level, (index >> level) - 1)], h)
        nodes.append(LogNode(level=level + 1, node_index=index >> (level + 1), hash=h.hex()))
    db.session.add(leaf)
    db.session.add_all(nodes)
    db.session.execute(update(LogHead).where(LogHead.id == 1).values(size=index + 1))
    db.session.flush()


def _fetch(wanted: set[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    if not wanted:
        return {}
    rows = db.session.execute(
        select(LogNode.level, LogNode.node_index, LogNode.hash).where(
            or_(*(and_(LogNode.level == lv, LogNode.node_index == i) for lv, i in wanted))
        )
    )
    found = {(lv, i): bytes.fromhex(h) for lv, i, h in rows}
    missing = wanted - found.keys()
    if missing:
        level, index = min(missing)
        raise LogIncomplete(f"the log lacks its stored node {index} at level {level}")
    return found


def _with_nodes(compute: Callable[[merkle.Node], T]) -> T:
    """Run `compute` twice: once to learn which nodes it reads, then with them fetched."""
    wanted: set[tuple[int, int]] = set()

    def record(level: int, index: int) -> bytes:
        wanted.add((level, index))
        return merkle.EMPTY_ROOT

    compute(record)
    found = _fetch(wanted)
    return compute(lambda level, index: found[(level, index)])


def root(tree_size: int) -> bytes:
    """Return the root hash of the log's first `tree_size` leaves."""
    return _with_nodes(lambda node: merkle.subtree(0, tree_size, node))


def inclusion_path(index: int, tree_size: int) -> list[bytes]:
    """Return the inclusion proof of leaf `index` in the tree of `tree_size` leaves."""
    return _with_nodes(lambda node: merkle.inclusion_path(index, tree_size, node))


def consistency_proof(first: int, second: int) -> list[bytes]:
    """Return the consistency proof between tree sizes `first` and `second`."""
    return _with_nodes(lambda node: merkle.consistency_proof(first, second, node))


def leaf_for_document(document_id: int) -> Any:
    """Return the leaf row of an issued document, or None."""
    return db.session.scalar(select(LogLeaf).where(LogLeaf.document_id == document_id))
