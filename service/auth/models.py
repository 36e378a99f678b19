"""People who log in: residents and staff, keyed by issuer and subject, never by e-mail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from service.extensions import JSONType, UTCDateTime, db, utcnow


class User(db.Model):  # type: ignore[name-defined,misc]
    """A person known through an OpenID Connect provider (or an API client's resident)."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("issuer", "subject"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    issuer: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(255), nullable=True)
    locale: Mapped[str] = mapped_column(String(8), default="de")
    #: Staff roles as last seen in the provider's token (refreshed at every login).
    roles: Mapped[list[str]] = mapped_column(JSONType, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    @property
    def is_staff(self) -> bool:
        """Return True when the user holds any staff role."""
        return bool(self.roles)

    def as_actor_fields(self) -> dict[str, Any]:
        """Return the fields an engine Actor needs."""
        return {"id": str(self.id), "kind": "user", "roles": frozenset(self.roles or ()), "label": self.name}
