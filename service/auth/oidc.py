"""The OpenID Connect client: the same code for the development provider and a real one."""

from __future__ import annotations

from typing import Any

from authlib.integrations.flask_client import OAuth
from flask import current_app

from service.config import ConfigError

EXTENSION_KEY = "amtsweg.oidc_clients"
CLIENT_NAME = "oidc"
#: Seconds to wait for the provider (discovery, JWKS, token, userinfo).
HTTP_TIMEOUT = 10


def provider_issuer() -> str:
    """Return the configured issuer (the development provider's when none is set)."""
    configured = current_app.config.get("OIDC_ISSUER")
    if configured:
        return str(configured).rstrip("/")
    if current_app.config.get("DEV_IDP"):
        from service.auth import devidp

        return devidp.issuer()
    raise ConfigError("Set AMTSWEG_OIDC_ISSUER (or turn on the development identity provider).")


def client() -> Any:
    """Return the OIDC client for the configured provider, created on first use."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    issuer = provider_issuer()
    key = (issuer, app.config["OIDC_CLIENT_ID"])
    clients: dict[tuple[str, str], Any] = app.extensions.setdefault(EXTENSION_KEY, {})
    if key not in clients:
        oauth = OAuth()
        oauth.init_app(app)
        clients[key] = oauth.register(
            CLIENT_NAME,
            client_id=app.config["OIDC_CLIENT_ID"],
            client_secret=app.config["OIDC_CLIENT_SECRET"],
            server_metadata_url=f"{issuer}/.well-known/openid-configuration",
            client_kwargs={
                "scope": "openid profile email",
                "code_challenge_method": "S256",
                "default_timeout": HTTP_TIMEOUT,
            },
        )
    return clients[key]


def end_session_endpoint() -> str | None:
    """Return the provider's end-session endpoint, or None when it has none."""
    metadata = client().load_server_metadata()
    endpoint = metadata.get("end_session_endpoint")
    return str(endpoint) if endpoint else None
