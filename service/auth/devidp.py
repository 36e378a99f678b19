"""The development identity provider: keys, clients and Authlib's authorization server.

Only for development and tests (config DEV_IDP); it refuses to run in production.
amtsweg logs in against it through the same OIDC client code as against a real provider.
The endpoints live in `devidp_views`; its people come from `instance/people.yaml`
(`people`).
"""

from __future__ import annotations

import os
import secrets
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.errors import InvalidRequestError
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc9068 import JWTBearerTokenGenerator
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from authlib.oidc.rpinitiated import EndSessionEndpoint, EndSessionRequest
from flask import Flask, current_app
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from service.auth import people
from service.auth.constants import API_SCOPES
from service.auth.models import AuthorizationCode, OAuthClient
from service.auth.people import DemoPerson
from service.config import ConfigError
from service.extensions import db, utcnow

EXTENSION_KEY = "amtsweg.devidp"
ALG = "RS256"
CODE_LIFETIME = timedelta(minutes=5)
ID_TOKEN_SCOPES = ("openid", "profile", "email")
ACCESS_TOKEN_SECONDS = 3600


def person(slug: str) -> DemoPerson | None:
    """Return the person with this slug from the people file, or None."""
    return people.person(slug)


# --- keys ---------------------------------------------------------------------------

_keys: dict[str, RSAKey] = {}
_keys_lock = threading.Lock()


def issuer() -> str:
    """Return the issuer identifier of the development identity provider."""
    return str(current_app.config["BASE_URL"]).rstrip("/") + "/dev-idp"


def signing_key() -> RSAKey:
    """Return the RSA signing key, generated at INSTANCE_DIR/devidp/key.pem on first use."""
    path = Path(current_app.config["INSTANCE_DIR"]) / "devidp" / "key.pem"
    with _keys_lock:
        key = _keys.get(str(path))
        if key is None:
            key = _load_or_create_key(path)
            _keys[str(path)] = key
        return key


def _load_or_create_key(path: Path) -> RSAKey:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        key = RSAKey.generate_key(2048, private=True)
        tmp = path.with_name(f".key-{secrets.token_hex(6)}.pem")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(key.as_pem(private=True))
        # A hard link fails when another process created the key first: use theirs.
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    key = RSAKey.import_key(path.read_bytes(), {"use": "sig", "alg": ALG})
    key.ensure_kid()
    return key


def _kid(key: RSAKey) -> str:
    return key.thumbprint()


def jwks() -> dict[str, Any]:
    """Return the public JSON Web Key Set of the development identity provider."""
    key = signing_key()
    public = key.as_dict(private=False)
    public.update({"kid": _kid(key), "use": "sig", "alg": ALG})
    return {"keys": [public]}


def sign_jwt(claims: dict[str, Any], typ: str = "JWT") -> str:
    """Sign `claims` as a JWT with the provider's key (RS256, with `kid`)."""
    key = signing_key()
    return jwt.encode({"alg": ALG, "typ": typ, "kid": _kid(key)}, claims, key, [ALG])


def decode_jwt(token: str) -> dict[str, Any]:
    """Verify a JWT signed by this provider and return its claims (signature only)."""
    return dict(jwt.decode(token, signing_key(), [ALG]).claims)


# --- clients ------------------------------------------------------------------------


def ensure_portal_client() -> OAuthClient:
    """Create or refresh the portal's own client from the OIDC_CLIENT_* settings."""
    config = current_app.config
    base = str(config["BASE_URL"]).rstrip("/")
    client = db.session.scalar(db.select(OAuthClient).filter_by(client_id=config["OIDC_CLIENT_ID"]))
    if client is None:
        client = OAuthClient(client_id=config["OIDC_CLIENT_ID"], name="amtsweg")
        db.session.add(client)
    client.set_secret(config["OIDC_CLIENT_SECRET"])
    redirect = f"{base}/auth/callback"
    if redirect not in (client.redirect_uris or []):
        client.redirect_uris = [*(client.redirect_uris or []), redirect]
    after_logout = f"{base}/"
    if after_logout not in (client.post_logout_redirect_uris or []):
        client.post_logout_redirect_uris = [*(client.post_logout_redirect_uris or []), after_logout]
    client.grant_types = ["authorization_code"]
    client.scopes = list(ID_TOKEN_SCOPES)
    db.session.flush()
    return client


def query_client(client_id: str) -> OAuthClient | None:
    """Find a client; the portal's own client is kept in step with the configuration."""
    if client_id == current_app.config["OIDC_CLIENT_ID"]:
        return ensure_portal_client()
    return db.session.scalar(db.select(OAuthClient).filter_by(client_id=client_id))


# --- Authlib grants and token generation -------------------------------------------


class S256CodeChallenge(CodeChallenge):
    """PKCE, required for every client, with S256 only."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge") or data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("PKCE with code_challenge_method=S256 is required")
        super().validate_code_challenge(grant, redirect_uri)


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):
    """Authorization code grant with codes kept in the database."""

    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    def save_authorization_code(self, code: str, request: Any) -> None:
        data = request.payload.data
        # Codes that were never redeemed are useless after their short life: sweep them.
        db.session.execute(
            db.delete(AuthorizationCode).where(AuthorizationCode.expires_at < utcnow())
        )
        db.session.add(
            AuthorizationCode(
                code=code,
                client_id=request.client.client_id,
                subject=request.user.get_user_id(),
                redirect_uri=request.payload.redirect_uri or "",
                scope=request.payload.scope or "",
                nonce=data.get("nonce"),
                code_challenge=data.get("code_challenge"),
                code_challenge_method=data.get("code_challenge_method"),
                auth_time=int(time.time()),
                expires_at=utcnow() + CODE_LIFETIME,
            )
        )
        db.session.flush()

    def query_authorization_code(self, code: str, client: OAuthClient) -> AuthorizationCode | None:
        item = db.session.scalar(
            db.select(AuthorizationCode).filter_by(code=code, client_id=client.client_id)
        )
        if item is None or item.expires_at < utcnow():
            return None
        return item

    def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
        db.session.delete(authorization_code)
        db.session.flush()

    def authenticate_user(self, authorization_code: AuthorizationCode) -> DemoPerson | None:
        return person(authorization_code.subject)


class ClientCredentialsGrant(grants.ClientCredentialsGrant):
    """Client credentials for API clients, with the secret in the header or the body."""

    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]


def user_info(who: DemoPerson, scope: str) -> UserInfo:
    """Return the claims about `who` that `scope` allows."""
    scopes = set((scope or "").split())
    info = UserInfo(sub=who.slug)
    if "profile" in scopes:
        given, _, family = who.name.partition(" ")
        info.update(name=who.name, given_name=given, family_name=family, locale="de")
        if who.roles:
            info["roles"] = list(who.roles)
    if "email" in scopes:
        info.update(email=who.email, email_verified=True)
    return info


class DevOpenIDCode(OpenIDCode):
    """ID tokens for the authorization code grant, signed with the provider's key."""

    def exists_nonce(self, nonce: str, request: Any) -> bool:
        found = db.session.scalar(
            db.select(AuthorizationCode.id).filter_by(
                client_id=request.payload.client_id, nonce=nonce
            )
        )
        return found is not None

    def resolve_client_private_key(self, client: OAuthClient) -> RSAKey:
        return signing_key()

    def get_client_algorithm(self, client: OAuthClient) -> str:
        return ALG

    def get_encode_header(self, client: OAuthClient) -> dict[str, str]:
        return {"alg": ALG, "typ": "JWT", "kid": _kid(signing_key())}

    def get_client_claims(self, client: OAuthClient) -> dict[str, Any]:
        return {"iss": issuer(), "aud": client.client_id}

    def generate_user_info(self, user: DemoPerson, scope: str) -> UserInfo:
        return user_info(user, scope)


class AccessTokenGenerator(JWTBearerTokenGenerator):
    """RFC 9068 JWT access tokens; API clients get the API audience and their roles."""

    def __init__(self) -> None:
        super().__init__(issuer="", alg=ALG, expires_generator=lambda c, g: ACCESS_TOKEN_SECONDS)

    @property
    def issuer(self) -> str:
        # The base URL may differ per app (tests serve on a random port): read it per call.
        return issuer()

    @issuer.setter
    def issuer(self, value: str) -> None:
        pass

    def get_jwks(self) -> KeySet:
        # A key set makes joserfc put the key's `kid` into the header.
        return KeySet([signing_key()])

    def get_audiences(self, client: OAuthClient, user: Any, scope: str) -> str | list[str]:
        if user is None:
            return str(current_app.config["API_AUDIENCE"])
        return client.client_id

    def get_extra_claims(
        self, client: OAuthClient, grant_type: str, user: Any, scope: str
    ) -> dict[str, Any]:
        if user is not None:
            return {}
        # The client's name lets the audit trail say who acted.
        claims: dict[str, Any] = {"client_name": client.name}
        # Left out when empty: some validators refuse a blank optional claim.
        if client.roles:
            claims["roles"] = list(client.roles)
        return claims


class DevEndSessionEndpoint(EndSessionEndpoint):
    """RP-initiated logout; the provider keeps no session of its own to end."""

    def get_server_jwks(self) -> dict[str, Any]:
        return jwks()

    def end_session(self, end_session_request: EndSessionRequest) -> None:
        # Every authorization shows the picker again, so nothing is remembered here.
        return None


def authorization_server() -> AuthorizationServer:
    """Return this app's authorization server."""
    server: AuthorizationServer = current_app.extensions[EXTENSION_KEY]
    return server


def create_server(app: Flask) -> AuthorizationServer:
    """Build Authlib's authorization server with the grants the provider supports."""
    server = AuthorizationServer()
    server.init_app(app, query_client=query_client, save_token=lambda token, request: None)
    server.register_token_generator("default", AccessTokenGenerator())
    server.register_grant(
        AuthorizationCodeGrant,
        [S256CodeChallenge(required=True), DevOpenIDCode(require_nonce=True)],
    )
    server.register_grant(ClientCredentialsGrant)
    server.register_endpoint(DevEndSessionEndpoint)
    return server


def check_allowed(app: Flask) -> None:
    """Refuse to run the development identity provider in production."""
    if app.config.get("AMTSWEG_ENV") == "production":
        raise ConfigError("The development identity provider must not run in production.")


def metadata() -> dict[str, Any]:
    """Return the OpenID provider metadata (discovery document)."""
    base = issuer()
    return {
        "issuer": base,
        "authorization_endpoint": f"{base}/authorize",
        "token_endpoint": f"{base}/token",
        "userinfo_endpoint": f"{base}/userinfo",
        "jwks_uri": f"{base}/jwks.json",
        "end_session_endpoint": f"{base}/logout",
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "client_credentials"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [ALG],
        "scopes_supported": [*ID_TOKEN_SCOPES, *API_SCOPES],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": [
            "sub",
            "iss",
            "aud",
            "exp",
            "iat",
            "auth_time",
            "nonce",
            "name",
            "given_name",
            "family_name",
            "email",
            "email_verified",
            "locale",
            "roles",
        ],
    }
