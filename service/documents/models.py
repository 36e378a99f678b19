"""Issued documents: one row per document, case and causing audit event."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from service.documents.constants import DocumentStatus
from service.extensions import UTCDateTime, db, utcnow


class Document(db.Model):  # type: ignore[name-defined]
    """A confirmation rendered for a case; the PDF itself lives in file storage.

    The unique key (case, document, event) makes rendering the same outbox item twice
    yield one document. The verification code is fixed before the first render so that
    a retried render prints the same code.
    """

    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("case_id", "document", "event_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    #: The key of the document in the workflow's `documents` list.
    document: Mapped[str] = mapped_column(String(64))
    #: The audit event (sequence number within the case) whose transition issued it.
    event_seq: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=DocumentStatus.PENDING)
    storage_key: Mapped[str | None] = mapped_column(String(128), nullable=True)
    sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    size: Mapped[int | None] = mapped_column(Integer, nullable=True)
    verification_code: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)

    @property
    def is_valid(self) -> bool:
        """Return True when the document was issued and not withdrawn."""
        return self.status == DocumentStatus.RENDERED and self.withdrawn_at is None

    @property
    def title(self) -> Any:
        """Return the document's title (a Text in German and English) from its workflow."""
        from service.cases.models import Case
        from service.cases.services import service_for
        from service.engine import Text

        case = db.session.get(Case, self.case_id)
        if case is not None:
            for definition in service_for(case).documents:
                if definition.key == self.document:
                    return definition.title
        return Text(de=self.document, en=self.document)

    @property
    def download_url(self) -> str:
        """Return the resident's download URL of this document."""
        from flask import url_for

        return url_for("documents.download", case_id=self.case_id, document_id=self.id)
