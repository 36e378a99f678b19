"""Offers, issued credentials, status lists, nonces and presentation requests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from service.extensions import JSONType, UTCDateTime, db, utcnow


class CredentialOffer(db.Model):  # type: ignore[name-defined]
    """A one-time, short-lived offer of one credential of a case to a wallet.

    Only hashes of the pre-authorized code, the transaction code and the access token
    are kept: a copy of the table gives no one a credential.
    """

    __tablename__ = "credential_offers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    credential_key: Mapped[str] = mapped_column(String(64))
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    tx_code_hash: Mapped[str] = mapped_column(String(64))
    tries: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: Set when the code was exchanged for a token (once), or spent by too many tries.
    redeemed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class StatusList(db.Model):  # type: ignore[name-defined]
    """An IETF Token Status List: one bit per credential, 1 = revoked."""

    __tablename__ = "credential_status_lists"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    used: Mapped[int] = mapped_column(Integer, default=0)
    bits: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class IssuedCredential(db.Model):  # type: ignore[name-defined]
    """A credential given to a wallet, with its place in a status list."""

    __tablename__ = "issued_credentials"
    __table_args__ = (UniqueConstraint("status_list_id", "status_index"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    credential_key: Mapped[str] = mapped_column(String(64))
    status_list_id: Mapped[int] = mapped_column(ForeignKey("credential_status_lists.id"))
    status_index: Mapped[int] = mapped_column(Integer)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime())
    valid_until: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class WalletNonce(db.Model):  # type: ignore[name-defined]
    """A `c_nonce` from the nonce endpoint: valid once, for a few minutes."""

    __tablename__ = "wallet_nonces"

    value_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class PresentationRequest(db.Model):  # type: ignore[name-defined]
    """A request to present a credential (OpenID4VP), and what the check found."""

    __tablename__ = "presentation_requests"

    id: Mapped[str] = mapped_column(String(43), primary_key=True)
    credential_key: Mapped[str] = mapped_column(String(64))
    nonce: Mapped[str] = mapped_column(String(43))
    #: Who asked: a staff member ("user:<id>") or an API client ("client:<id>").
    requested_by: Mapped[str] = mapped_column(String(160))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
