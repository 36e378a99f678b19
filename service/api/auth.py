"""Authenticate integrator calls: JWT access tokens (RFC 9068) from the configured issuer.

amtsweg is a resource server. A call carries `Authorization: Bearer <JWT>`; the token must
be signed by a key of the issuer's JWKS, name our audience, carry `typ: at+jwt`, not be
expired, and hold the scope the endpoint needs. The keys come from the issuer's discovery
document (cached for a while); for the in-process development identity provider they are
read directly, since a test client has no network server. Verification is the same either
way. A session cookie never authenticates an API call: only the bearer token is read.
"""

from __future__ import annotations

import base64
import copy
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from functools import lru_cache, wraps
from typing import Any, TypeVar, cast

import requests
from authlib.integrations.flask_oauth2 import ResourceProtector, token_authenticated
from authlib.integrations.flask_oauth2.requests import FlaskJsonPayload, FlaskJsonRequest
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6750.errors import InvalidTokenError
from authlib.oauth2.rfc9068 import JWTBearerTokenValidator
from flask import Flask, Request, current_app, g, request
from joserfc.jwk import KeySet

from service.api.constants import JWKS_REFETCH_SECONDS as REFETCH_SECONDS
from service.api.constants import JWKS_TTL_SECONDS
from service.api.problems import ApiProblem, _
from service.auth.services import map_names, parse_mapping
from service.contexts import unproxied
from service.engine import Actor
from service.engine.constants import ActorKind

F = TypeVar("F", bound=Callable[..., Any])

EXTENSION_KEY = "amtsweg.api_protector"
#: Asymmetric algorithms only: `none` and shared-secret HMAC are never accepted.
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA")
TOKEN_TYPES = ("at+jwt", "application/at+jwt")
OPTIONAL_CLAIMS = ("scope", "roles", "groups", "entitlements", "acr", "amr", "auth_time")
DISCOVERY_PATHS = ("/.well-known/openid-configuration", "/.well-known/oauth-authorization-server")


def configured_issuer(config: Mapping[str, Any]) -> str | None:
    """Return the issuer whose tokens are accepted (the dev IdP's when it runs)."""
    if config.get("API_ISSUER"):
        return str(config["API_ISSUER"]).rstrip("/")
    if config.get("DEV_IDP"):
        try:
            from service.auth import devidp

            return str(devidp.issuer())
        except (ImportError, AttributeError, RuntimeError):
            return str(config.get("BASE_URL", "")).rstrip("/") + "/dev-idp"
    return None


class KeySource:
    """Fetch and cache the issuer's JWKS (or read it in-process for our own dev IdP)."""

    def __init__(self, ttl: float = JWKS_TTL_SECONDS) -> None:
        self.ttl = ttl
        self._cache: dict[str, tuple[float, dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def jwks(self, issuer: str, kid: str | None = None) -> dict[str, Any]:
        """Return the issuer's public key set; fetch it again for a `kid` not seen yet.

        A refetch for an unknown key happens at most every REFETCH_SECONDS, so tokens with
        made-up key ids cannot make us hammer the issuer.
        """
        static = unproxied(current_app).config.get("API_JWKS")
        if static:
            return _parsed(static) if isinstance(static, str) else cast(dict[str, Any], static)
        local = self._local(issuer)
        if local is not None:
            return local
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(issuer)
            if cached and now - cached[0] < self.ttl:
                known = {k.get("kid") for k in cached[1].get("keys", [])}
                if kid is None or kid in known or now - cached[0] < REFETCH_SECONDS:
                    return cached[1]
        keys = self._fetch(issuer)
        with self._lock:
            self._cache[issuer] = (now, keys)
        return keys

    def _local(self, issuer: str) -> dict[str, Any] | None:
        if not unproxied(current_app).config.get("DEV_IDP"):
            return None
        try:
            from service.auth import devidp

            if devidp.issuer().rstrip("/") == issuer:
                return cast(dict[str, Any], devidp.jwks())
        except (ImportError, AttributeError):
            pass
        return None

    def _fetch(self, issuer: str) -> dict[str, Any]:
        try:
            jwks_uri = None
            for path in DISCOVERY_PATHS:
                response = requests.get(issuer + path, timeout=5, allow_redirects=False)
                if response.ok:
                    jwks_uri = response.json().get("jwks_uri")
                    break
            if not jwks_uri:
                raise InvalidTokenError(description="the issuer publishes no jwks_uri")
            response = requests.get(jwks_uri, timeout=5, allow_redirects=False)
            response.raise_for_status()
            return cast(dict[str, Any], response.json())
        except (requests.RequestException, ValueError):
            # An unreachable issuer means no token can be checked: refuse, never accept.
            raise InvalidTokenError(description="the issuer's keys are unavailable") from None

    def clear(self) -> None:
        """Forget every cached key set (after a key rotation, and in tests)."""
        with self._lock:
            self._cache.clear()


key_source = KeySource()


@lru_cache(maxsize=4)
def _parsed(document: str) -> dict[str, Any]:
    """Return the key set of a JSON `API_JWKS` setting (the same object for the same text)."""
    return cast(dict[str, Any], json.loads(document))


def _header(token: str) -> dict[str, Any]:
    try:
        segment = token.split(".")[0]
        decoded = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
        header = json.loads(decoded)
    except (ValueError, IndexError):
        raise InvalidTokenError() from None
    if not isinstance(header, dict):
        raise InvalidTokenError()
    return header


_imported: dict[str, KeySet] = {}
_imported_lock = threading.Lock()


#: The JWKS document imported last and its key set. The `API_JWKS` setting and a fetched
#: set are the same object from call to call until they are replaced (never changed in
#: place), so most calls skip serializing the document to find its key set.
_last_imported: tuple[Mapping[str, Any], KeySet] | None = None


def _import_key_set(jwks: Mapping[str, Any]) -> KeySet:
    """Return the key set for `jwks`, parsing each distinct set of keys once per process.

    Parsing RSA keys costs more than checking a signature; the cache is keyed by the
    keys' content, so a rotated key set is parsed afresh.
    """
    global _last_imported
    last = _last_imported
    if last is not None and last[0] is jwks:
        return last[1]
    content = json.dumps(jwks, sort_keys=True)
    found = _imported.get(content)
    if found is None:
        found = KeySet.import_key_set(cast(Any, jwks))
        with _imported_lock:
            if len(_imported) >= 16:  # a few issuers and rotations, never unbounded
                _imported.clear()
            _imported[content] = found
    _last_imported = (jwks, found)
    return found


VERIFIED_TOKENS_KEPT = 1024


class AccessTokenValidator(JWTBearerTokenValidator):
    """Validate RFC 9068 JWT access tokens against the issuer's published keys.

    Remembers tokens whose signature it checked: token -> (key set, claims, `kid`). The
    claims (expiry, audience, issuer, scope) are validated on every call all the same; a
    new key set is never mistaken for the one kept. One memo per validator (per app): the
    claims kept validate against this app's issuer and audience, never another app's.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._verified: OrderedDict[str, tuple[KeySet, Any, str | None]] = OrderedDict()
        self._verified_lock = threading.Lock()

    def get_jwks(self) -> KeySet:
        """Return the issuer's public keys (fetched again when the token's key is new)."""
        kid = unproxied(g).get("api_token_kid")
        return _import_key_set(key_source.jwks(self.issuer, kid))

    def authenticate_token(self, token_string: str) -> Any:
        """Refuse tokens of the wrong type or algorithm before checking the signature."""
        verified, lock = self._verified, self._verified_lock
        with lock:
            seen = verified.get(token_string)
        # A token seen before passed the header's checks, which read nothing but the token.
        kid = seen[2] if seen is not None else _checked_kid(token_string)
        unproxied(g).api_token_kid = kid
        key_set = self.get_jwks()
        with lock:
            known = verified.get(token_string)
            if known is not None and known[0] is key_set:
                verified.move_to_end(token_string)
                return copy.copy(known[1])  # validated afresh by validate_token
        claims = super().authenticate_token(token_string)
        # Authlib refuses blank optional claims; a client without roles may send "roles": [].
        for name in OPTIONAL_CLAIMS:
            if name in claims and claims[name] in (None, "", [], {}):
                del claims[name]
        with lock:
            verified[token_string] = (key_set, copy.copy(claims), kid)
            while len(verified) > VERIFIED_TOKENS_KEPT:
                verified.popitem(last=False)
        return claims


def _checked_kid(token_string: str) -> str | None:
    """Check the token's JOSE header (type and algorithm) and return its key id."""
    header = _header(token_string)
    # Authlib lets a token without `typ` through; RFC 9068 requires at+jwt.
    if str(header.get("typ", "")).lower() not in TOKEN_TYPES:
        raise InvalidTokenError(description="the token is not a JWT access token")
    if header.get("alg") not in ALGORITHMS:
        raise InvalidTokenError(description="the token's algorithm is not accepted")
    return str(header["kid"]) if header.get("kid") else None


class _BearerRequest(FlaskJsonRequest):
    """Authlib's request for a token check, its URL worked out only if something reads it.

    Authlib's own builds the full URL (IRI decoding and all) and counts the headers for
    every call; checking a bearer token reads only the Authorization header.
    """

    def __init__(self, flask_request: Request) -> None:
        self.method = flask_request.method
        self.headers = flask_request.headers
        self.payload = FlaskJsonPayload(flask_request)
        self._flask_request = flask_request

    @property
    def uri(self) -> str:
        """The request's full URL."""
        return self._flask_request.url


class Protector(ResourceProtector):
    """Authlib's resource protector, one per app."""

    def acquire_token(self, scopes: Any = None, **kwargs: Any) -> Any:
        """Authlib's `acquire_token`, with a request that builds its URL only when read."""
        bearer = _BearerRequest(unproxied(request))
        kwargs["scopes"] = scopes
        for claim in kwargs:
            if isinstance(kwargs[claim], str):
                kwargs[claim] = [kwargs[claim]]
        token = self.validate_request(request=bearer, **kwargs)
        token_authenticated.send(self, token=token)
        unproxied(g).authlib_server_oauth2_token = token
        return token


def init_app(app: Flask) -> None:
    """Set up token validation for the configured issuer and audience."""
    protector = Protector()
    issuer = configured_issuer(app.config)
    protector.register_token_validator(
        AccessTokenValidator(
            issuer=issuer or "urn:amtsweg:no-issuer-configured",
            resource_server=app.config.get("API_AUDIENCE", "amtsweg-api"),
            realm="amtsweg",
        )
    )
    app.extensions[EXTENSION_KEY] = protector


def _challenge(error: str | None = None, scope: str | None = None) -> dict[str, str]:
    parts = ['Bearer realm="amtsweg"']
    if error:
        parts.append(f'error="{error}"')
    if scope:
        parts.append(f'scope="{scope}"')
    return {"WWW-Authenticate": ", ".join(parts)}


def authenticate(scope: str) -> dict[str, Any]:
    """Return the claims of the request's valid access token holding `scope`, or raise."""
    app = unproxied(current_app)  # not through the proxy (see service.contexts)
    protector: Protector = app.extensions[EXTENSION_KEY]
    try:
        token = protector.acquire_token([scope])
    except OAuth2Error as exc:
        if exc.error == "insufficient_scope":
            raise ApiProblem(
                403,
                _("The access token lacks the scope {scope}.", scope=scope),
                kind="insufficient-scope",
                headers=_challenge("insufficient_scope", scope),
            ) from None
        if exc.error == "missing_authorization":
            raise ApiProblem(
                401, _("An access token is required."), kind="unauthorized", headers=_challenge()
            ) from None
        raise _invalid_token() from None
    claims = dict(token)
    if is_portal_token(claims, app.config):
        raise _invalid_token()
    unproxied(g).api_claims = claims
    return claims


def _invalid_token() -> ApiProblem:
    return ApiProblem(
        401,
        _("The access token is invalid or expired."),
        kind="invalid-token",
        headers=_challenge("invalid_token"),
    )


def is_portal_token(claims: Mapping[str, Any], config: Mapping[str, Any]) -> bool:
    """Say whether a token was issued to the residents' portal, not to an API client.

    A provider may put the API's audience into the portal's tokens too (a shared realm,
    an audience mapper): the audience alone does not show who the token is for. The
    client it was issued to does (`client_id` of RFC 9068, `azp` of OpenID Connect), and
    so does a token without a client at all.
    """
    portal = str(config.get("OIDC_CLIENT_ID") or "")
    issued_to = {str(claims[name]) for name in ("client_id", "azp") if claims.get(name)}
    return not issued_to or (bool(portal) and portal in issued_to)


def require_scope(scope: str) -> Callable[[F], F]:
    """Let the view run only for a valid access token holding `scope`."""

    def decorate(func: F) -> F:
        @wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            authenticate(scope)
            return func(*args, **kwargs)

        return cast(F, wrapper)

    return decorate


def token_scopes() -> set[str]:
    """Return the scopes of the current request's token."""
    raw = unproxied(g).get("api_claims", {}).get("scope", "")
    return set(raw.split() if isinstance(raw, str) else raw)


def client_id() -> str:
    """Return the id of the client that called."""
    claims = unproxied(g).get("api_claims") or {}
    return str(claims.get("client_id") or claims.get("sub"))


def current_actor() -> Actor:
    """Return the calling client as an engine actor, so the audit trail names it."""
    claims = unproxied(g).get("api_claims") or {}
    config = unproxied(current_app).config
    raw_roles = claims.get("roles") or []
    roles = raw_roles.split() if isinstance(raw_roles, str) else [str(r) for r in raw_roles]
    # With a mapping, only the provider's roles it names give grants.
    roles = map_names(roles, parse_mapping(config.get("API_ROLE_MAPPING")) or None)
    cid = client_id()
    named = claims.get("client_name") or claims.get("name") or _dev_client_name(cid, config)
    label = str(named or cid)
    return Actor(id=f"client:{cid}", kind=ActorKind.CLIENT, roles=frozenset(roles), label=label)


def _dev_client_name(cid: str, config: Mapping[str, Any]) -> str | None:
    """Return the name a client was registered with at our dev IdP (for the audit trail)."""
    if not config.get("DEV_IDP") or config.get("API_ISSUER"):
        return None
    try:
        from service.auth import devidp

        client = devidp.query_client(cid)
    except (ImportError, AttributeError):
        return None
    return str(client.name) if client is not None and client.name else None
