"""The Merkle log in the database: append leaves in batches, read roots and proofs.

Every append locks the single `audit_log_head` row (a row lock on PostgreSQL, the write
lock on SQLite), so leaves get consecutive indexes in the order their appends commit.
Besides the leaf rows an append stores the hash of every complete subtree the leaves
complete (`audit_log_nodes`, on average one per leaf); roots and proofs then need
O(log n) stored nodes, fetched in one query. An append reads only the tree's right
edge, computes the new subtrees in memory and inserts all rows in one statement each.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from sqlalchemy import bindparam, insert, select, tuple_, update

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


_LOCK_HEAD = (
    update(LogHead).where(LogHead.id == 1).values(size=LogHead.size).returning(LogHead.size)
)
#: Stored nodes by (level, index) (statements built once: building costs more than running).
_NODES = select(LogNode.level, LogNode.node_index, LogNode.hash).where(
    tuple_(LogNode.level, LogNode.node_index).in_(bindparam("pairs", expanding=True))
)


def _lock_head() -> int:
    """Lock the log's head row for this transaction and return the log's size."""
    for _ in range(2):
        size = core().execute(_LOCK_HEAD).scalar()
        if size is not None:
            return int(size)
        insert_unless_exists(LogHead(id=1, size=0))
    raise RuntimeError("the audit log's head row could not be locked")


def size() -> int:
    """Return the number of leaves in the log (committed ones)."""
    return int(db.session.scalar(select(LogHead.size).where(LogHead.id == 1)) or 0)


#: The event leaves of some cases (built once: building a statement costs more than
#: running it).
_LEAVES_OF_CASES = select(LogLeaf.case_id, LogLeaf.event_seq, LogLeaf.leaf_index).where(
    LogLeaf.case_id.in_(bindparam("case_ids", expanding=True)), LogLeaf.event_seq.is_not(None)
)


@dataclass(frozen=True)
class EventLeaf:
    """An audit event to append: its case, number and keyed hash."""

    case_id: int
    reference: str
    seq: int
    event_hash: str


def append_events(events: Sequence[EventLeaf]) -> dict[tuple[int, int], int]:
    """Append the leaves of `events` in this order, skipping those already in the log.

    One lock, one look-up of the leaves already there, one look-up of the right edge of
    the tree, and one multi-row insert each for the leaves and the completed subtrees:
    the per-leaf cost is hashing. Returns every given event's leaf index.
    """
    if not events:
        return {}
    n = _lock_head()
    keys = {(e.case_id, e.seq) for e in events}
    existing: dict[tuple[int, int], int] = {
        (case_id, seq or 0): index
        for case_id, seq, index in core().execute(
            _LEAVES_OF_CASES, {"case_ids": sorted({e.case_id for e in events})}
        )
        if (case_id, seq or 0) in keys
    }
    rows: list[tuple[dict[str, Any], Callable[[int], bytes]]] = []
    for e in events:
        key = (e.case_id, e.seq)
        if key in existing:
            continue
        existing[key] = n + len(rows)
        data = partial(_event_data, e)
        row = {"kind": LeafKind.EVENT.value, "case_id": e.case_id, "event_seq": e.seq}
        rows.append(({**row, "document_id": None, "case_reference": e.reference}, data))
    _append(n, rows)
    return existing


def _event_data(e: EventLeaf, index: int) -> bytes:
    return event_leaf_data(index, e.case_id, e.reference, e.seq, e.event_hash)


def append_event(case_id: int, reference: str, seq: int, event_hash: str) -> int:
    """Append one audit event's leaf unless it is in the log; return its leaf index."""
    return append_events([EventLeaf(case_id, reference, seq, event_hash)])[(case_id, seq)]


def append_document(case_id: int, reference: str, document_id: int, sha256: str) -> int:
    """Append an issued document's leaf unless it is in the log; return its leaf index."""
    n = _lock_head()
    existing = core().scalar(select(LogLeaf.leaf_index).where(LogLeaf.document_id == document_id))
    if existing is not None:
        return int(existing)
    row = {
        "kind": LeafKind.DOCUMENT.value,
        "case_id": case_id,
        "case_reference": reference,
        "event_seq": None,
        "document_id": document_id,
    }
    _append(n, [(row, lambda i: document_leaf_data(i, case_id, reference, document_id, sha256))])
    return n


def _frontier(size: int) -> list[tuple[int, bytes]]:
    """Return the right edge of the tree of `size` leaves: (level, hash), left to right."""
    levels = [lv for lv in range(size.bit_length() - 1, -1, -1) if size >> lv & 1]
    found = _fetch({(lv, (size >> lv) - 1) for lv in levels})
    return [(lv, found[(lv, (size >> lv) - 1)]) for lv in levels]


def _append(size: int, leaves: list[tuple[dict[str, Any], Callable[[int], bytes]]]) -> None:
    """Store `leaves` from position `size` on with every complete subtree they complete.

    Only the tree's right edge is read (at most log2 n stored nodes); the new subtrees
    are computed in memory and inserted in one statement, the head advanced once.
    """
    if not leaves:
        return
    stack = _frontier(size)
    now = utcnow()
    leaf_rows: list[dict[str, Any]] = []
    node_rows: list[dict[str, Any]] = []
    for offset, (row, data) in enumerate(leaves):
        index = size + offset
        h = merkle.leaf_hash(data(index))
        leaf_rows.append({**row, "leaf_index": index, "leaf_hash": h.hex(), "appended_at": now})
        node_rows.append({"level": 0, "node_index": index, "hash": h.hex()})
        level = 0
        while stack and stack[-1][0] == level:
            h, level = merkle.node_hash(stack.pop()[1], h), level + 1
            node_rows.append({"level": level, "node_index": index >> level, "hash": h.hex()})
        stack.append((level, h))
    connection = core()
    connection.execute(insert(LogLeaf), leaf_rows)
    connection.execute(insert(LogNode), node_rows)
    new_size = size + len(leaves)
    connection.execute(update(LogHead).where(LogHead.id == 1).values(size=new_size))


def _fetch(wanted: set[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    if not wanted:
        return {}
    rows = db.session.execute(_NODES, {"pairs": sorted(wanted)})
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
