"""The log's leaves, its stored complete subtrees, its sealed checkpoints and status."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from service.extensions import JSONType, UTCDateTime, db, utcnow


class LogLeaf(db.Model):  # type: ignore[name-defined]
    """One leaf: an audit event or an issued document, at its position in the log.

    The case is named by id and reference without a foreign key: a leaf must outlive a
    case row that someone deleted, so that `audit verify` can say which case is gone.
    """

    __tablename__ = "audit_log_leaves"
    __table_args__ = (
        UniqueConstraint("case_id", "event_seq"),
        UniqueConstraint("document_id"),
    )

    leaf_index: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(16))
    case_id: Mapped[int] = mapped_column(Integer)
    case_reference: Mapped[str] = mapped_column(String(32))
    event_seq: Mapped[int | None] = mapped_column(Integer, nullable=True)
    document_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    leaf_hash: Mapped[str] = mapped_column(String(64))
    appended_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LogNode(db.Model):  # type: ignore[name-defined]
    """The hash of a complete subtree: 2**level leaves from leaf node_index * 2**level."""

    __tablename__ = "audit_log_nodes"

    level: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    node_index: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    hash: Mapped[str] = mapped_column(String(64))


class LogHead(db.Model):  # type: ignore[name-defined]
    """The log's size: one row, locked by every append so appends happen one at a time."""

    __tablename__ = "audit_log_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(Integer, default=0)


class Checkpoint(db.Model):  # type: ignore[name-defined]
    """A signed statement of the log's size and root at a time (a signed tree head)."""

    __tablename__ = "audit_checkpoints"

    tree_size: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    root_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    #: The signed text (C2SP checkpoint: origin, size, base64 root, time).
    body: Mapped[str] = mapped_column(Text)
    signature: Mapped[str] = mapped_column(Text)
    algorithm: Mapped[str] = mapped_column(String(32))
    key_id: Mapped[str] = mapped_column(String(64))
    #: Where the copy in file storage lives, when copies are made.
    storage_key: Mapped[str | None] = mapped_column(String(128), nullable=True)


class AuditStatus(db.Model):  # type: ignore[name-defined]
    """When something last happened to the log (a witness fetch, the nightly verify)."""

    __tablename__ = "audit_status"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ok: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")
