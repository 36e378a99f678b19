"""Uploaded files: stored under generated names, owned by a resident or an API client."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from service.extensions import UTCDateTime, db, utcnow


class Upload(db.Model):  # type: ignore[name-defined]
    """A file someone uploaded; its id is not guessable and it has exactly one owner.

    The owner is a resident (`owner_id`, portal uploads) or an API client
    (`owner_client`, uploads through `POST /api/v1/uploads`). A case may name only
    uploads of its own submitter; once submitted, the upload is bound to the case
    (`case_id`) and served only through it.
    """

    # The table kept its first name (uploads began in the portal): no data migration.
    __tablename__ = "portal_uploads"
    __table_args__ = (
        CheckConstraint("(owner_id IS NULL) <> (owner_client IS NULL)", name="one_owner"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True, index=True)
    #: The API client's id when a client uploaded the file.
    owner_client: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    storage_key: Mapped[str] = mapped_column(String(128))
    #: The uploader's file name, reduced to a safe display name.
    original_name: Mapped[str] = mapped_column(String(200))
    #: The type the content's signature shows (never the browser's claim).
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    draft_id: Mapped[int | None] = mapped_column(
        ForeignKey("portal_drafts.id", ondelete="SET NULL"), nullable=True, index=True
    )
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), nullable=True, index=True)
    #: The audit event of the reply the file was sent with, when sent with a reply.
    event_seq: Mapped[int | None] = mapped_column(Integer, nullable=True)

    def as_answer(self) -> dict[str, Any]:
        """Return the upload as a file field's answer."""
        return {
            "id": self.id,
            "name": self.original_name,
            "content_type": self.content_type,
            "size": self.size,
        }
