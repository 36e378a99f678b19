"""Residents' drafts of an application (their files live in `service.attachments`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from service.extensions import JSONType, UTCDateTime, db, utcnow


class Draft(db.Model):  # type: ignore[name-defined]
    """An application in progress, saved on every page so it can be resumed anywhere.

    One open draft per resident and service. After submission the draft keeps only the
    case it became (its answers are cleared), so a second submit shows the same case.
    """

    __tablename__ = "portal_drafts"
    __table_args__ = (Index("ix_portal_drafts_owner_service", "owner_id", "service_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    service_key: Mapped[str] = mapped_column(String(64))
    workflow_version: Mapped[int] = mapped_column(Integer)
    form_version: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    current_page: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: Sent with the check-your-answers page; part of the submission's idempotency key.
    submit_token: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True, index=True)
