"""People who log in: residents and staff, keyed by issuer and subject, never by e-mail."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from service.extensions import JSONType, UTCDateTime, db, utcnow


class User(db.Model):  # type: ignore[name-defined]
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
    #: Set by an administrator: the person cannot log in, and their sessions are ended.
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    @property
    def is_staff(self) -> bool:
        """Return True when the user holds any staff role."""
        return bool(self.roles)

    def as_actor_fields(self) -> dict[str, Any]:
        """Return the fields an engine Actor needs."""
        return {
            "id": str(self.id),
            "kind": "user",
            "roles": frozenset(self.roles or ()),
            "label": self.name,
        }


class OAuthClient(db.Model):  # type: ignore[name-defined]
    """A client of the development identity provider: the portal or an API integrator.

    Implements Authlib's client interface; the secret is stored only as a SHA-256 hash
    (secrets are long random strings, so a slow password hash would add nothing).
    """

    __tablename__ = "oauth_clients"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    redirect_uris: Mapped[list[str]] = mapped_column(JSONType, default=list)
    post_logout_redirect_uris: Mapped[list[str]] = mapped_column(JSONType, default=list)
    grant_types: Mapped[list[str]] = mapped_column(JSONType, default=list)
    scopes: Mapped[list[str]] = mapped_column(JSONType, default=list)
    #: Workflow roles an API client acts with (put into its access tokens).
    roles: Mapped[list[str]] = mapped_column(JSONType, default=list)
    #: Identity providers whose residents an API client may open cases for, besides its
    #: own namespace `api:<client_id>`; empty: its own namespace only.
    applicant_issuers: Mapped[list[str]] = mapped_column(
        JSONType, default=list, server_default="[]"
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def set_secret(self, secret: str) -> None:
        """Store the hash of `secret`."""
        self.secret_hash = hashlib.sha256(secret.encode()).hexdigest()

    # Authlib's ClientMixin interface.
    @property
    def client_metadata(self) -> dict[str, Any]:
        return {"post_logout_redirect_uris": list(self.post_logout_redirect_uris or [])}

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        return self.redirect_uris[0] if self.redirect_uris else None

    def get_allowed_scope(self, scope: str) -> str:
        if not scope:
            # No scope asked for: everything the client was granted.
            return " ".join(self.scopes or ())
        allowed = set(self.scopes or ())
        return " ".join(s for s in scope.split() if s in allowed)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in (self.redirect_uris or ())

    def check_client_secret(self, client_secret: str) -> bool:
        given = hashlib.sha256(client_secret.encode()).hexdigest()
        return hmac.compare_digest(given, self.secret_hash)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code" and "authorization_code" in (self.grant_types or ())

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in (self.grant_types or ())


class AuthorizationCode(db.Model):  # type: ignore[name-defined]
    """A short-lived authorization code issued by the development identity provider."""

    __tablename__ = "oauth_authorization_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(120), unique=True)
    client_id: Mapped[str] = mapped_column(String(64))
    #: The demo person's stable slug (the `sub` of the tokens).
    subject: Mapped[str] = mapped_column(String(64))
    redirect_uri: Mapped[str] = mapped_column(String(1000), default="")
    scope: Mapped[str] = mapped_column(String(500), default="")
    nonce: Mapped[str | None] = mapped_column(String(255), nullable=True)
    code_challenge: Mapped[str | None] = mapped_column(String(128), nullable=True)
    code_challenge_method: Mapped[str | None] = mapped_column(String(16), nullable=True)
    auth_time: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())

    # Authlib's AuthorizationCodeMixin interface (with the OpenID Connect additions).
    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_acr(self) -> str | None:
        return None

    def get_amr(self) -> list[str] | None:
        return None


class UserSession(db.Model):  # type: ignore[name-defined]
    """A browser session kept on the server; the cookie holds only a random token.

    The row is keyed by the SHA-256 of that token, so a copy of this table (a backup,
    a read-only database user) cannot be turned back into cookies.
    """

    __tablename__ = "user_sessions"

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: Who is logged in (None: a visitor's session holding a CSRF token or a language).
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    #: The session's contents, serialised like Flask's cookie sessions (tagged JSON).
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
