"""Authentication's public API: the logged-in user, access decorators, logins, API clients."""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable, Iterable, Mapping
from functools import wraps
from typing import Any, TypeVar, cast
from urllib.parse import urlencode, urlsplit

from flask import abort, current_app, redirect, request, session

from service.auth import sessions
from service.auth.accounts import end_sessions
from service.auth.constants import (
    API_SCOPES,
    SESSION_AUTH_TIME,
    SESSION_ID_TOKEN,
    SESSION_USER_ID,
)
from service.auth.mapping import RoleMapping as RoleMapping
from service.auth.mapping import map_names as map_names
from service.auth.mapping import parse_mapping as parse_mapping
from service.auth.models import OAuthClient, User
from service.contexts import unproxied
from service.engine import Actor
from service.engine.roles import split
from service.extensions import db, utcnow

F = TypeVar("F", bound=Callable[..., Any])

#: Not a staff role: the engine grants it to whoever owns a case.
APPLICANT_ROLE = "applicant"
USER_CACHE_KEY = "amtsweg.user"


# --- the logged-in user -------------------------------------------------------------


def current_user() -> User | None:
    """Return the logged-in user, or None; an expired session is cleared."""
    # Cached per request, not on `g`: tests keep one app context across many requests.
    cache = unproxied(request).environ
    if USER_CACHE_KEY in cache:
        return cast("User | None", cache[USER_CACHE_KEY])
    user = _load_user()
    cache[USER_CACHE_KEY] = user
    return user


def _load_user() -> User | None:
    # The session store has already ended sessions past their idle or absolute time-out.
    state = unproxied(session)
    user_id = state.get(SESSION_USER_ID)
    if user_id is None:
        return None
    user = db.session.get(User, user_id)
    if user is None or user.disabled_at is not None:
        state.clear()
        return None
    return user


def current_actor() -> Actor | None:
    """Return the engine actor of the logged-in user, or None."""
    user = current_user()
    return Actor(**user.as_actor_fields()) if user is not None else None


def start_session(user: User, *, id_token: str | None = None) -> None:
    """Replace the session with a fresh one for `user` (after a successful login).

    The session gets a new token (no fixation: a token planted before the login is
    worth nothing after it).
    """
    session.clear()
    session[SESSION_USER_ID] = user.id
    session[SESSION_AUTH_TIME] = time.time()
    if id_token:
        session[SESSION_ID_TOKEN] = id_token
    if isinstance(session, sessions.ServerSession):
        session.renew = True
    request.environ[USER_CACHE_KEY] = user


def end_current_session() -> None:
    """End this request's session on the server now (logout) and forget who was here."""
    if isinstance(session, sessions.ServerSession) and session.record is not None:
        sessions.store(current_app).delete(session.record.key_hash)
        session.record = None
    session.clear()
    request.environ[USER_CACHE_KEY] = None


# --- decorators ---------------------------------------------------------------------


def safe_next(target: str | None) -> str | None:
    """Return `target` when it is a local path on this site, else None."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if any(ord(c) < 32 or c == "\\" for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def login_url(next_path: str | None = None) -> str:
    """Return the login URL that returns to `next_path` afterwards."""
    target = safe_next(next_path)
    return "/login" + (f"?{urlencode({'next': target})}" if target else "")


def _redirect_to_login() -> Any:
    path = request.full_path if request.query_string else request.path
    return redirect(login_url(path))


def login_required(view: F) -> F:
    """Send visitors who are not logged in to the login, then back to this page."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_user() is None:
            return _redirect_to_login()
        return view(*args, **kwargs)

    return cast(F, wrapped)


def staff_required(view: F) -> F:
    """Allow only logged-in staff (anyone holding a staff role); others get 403."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        user = current_user()
        if user is None:
            return _redirect_to_login()
        if not user.is_staff:
            abort(403)
        return view(*args, **kwargs)

    return cast(F, wrapped)


def roles_required(*roles: str) -> Callable[[F], F]:
    """Allow only logged-in users holding at least one of `roles`; others get 403."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if user is None:
                return _redirect_to_login()
            if not set(user.roles or ()) & set(roles):
                abort(403)
            return view(*args, **kwargs)

        return cast(F, wrapped)

    return decorator


# --- logins -------------------------------------------------------------------------


def role_mapping() -> RoleMapping:
    """Return the provider-group to grants mapping (empty: names are taken as they are).

    Read from config ROLE_MAPPING, or AMTSWEG_ROLE_MAPPING, as JSON
    (`{"group": ["service:role", ...]}`) or as `group=grant,group=grant` (`mapping`).
    """
    raw: Any = current_app.config.get("ROLE_MAPPING")
    if raw is None:
        raw = os.environ.get("AMTSWEG_ROLE_MAPPING", "")
    return parse_mapping(raw)


def roles_from_claims(claims: Mapping[str, Any]) -> list[str]:
    """Return the amtsweg grants named by the provider's roles (or groups) claim."""
    value = claims.get(current_app.config.get("OIDC_ROLES_CLAIM") or "roles")
    if isinstance(value, str):
        names: Iterable[Any] = value.split()
    elif isinstance(value, list | tuple):
        names = value
    else:
        names = ()
    mapping = role_mapping()
    grants = map_names((str(n) for n in names), mapping or None)
    return [g for g in grants if split(g)[1] != APPLICANT_ROLE]


class AccountDisabled(Exception):
    """An administrator has disabled this account: it cannot log in."""


def login_from_claims(issuer: str, claims: Mapping[str, Any]) -> User:
    """Find or create the user for these verified claims and refresh their details.

    Users are keyed by issuer and subject only: two providers asserting the same
    e-mail address are two people. When the provider now gives other roles than at the
    last login, the person's other sessions end: they were opened with the old roles.
    """
    subject = str(claims["sub"])
    user = db.session.scalar(db.select(User).filter_by(issuer=issuer, subject=subject))
    if user is None:
        user = User(issuer=issuer, subject=subject)
        db.session.add(user)
    elif user.disabled_at is not None:
        raise AccountDisabled()
    name = claims.get("name") or " ".join(
        str(p) for p in (claims.get("given_name"), claims.get("family_name")) if p
    )
    user.name = str(name or claims.get("preferred_username") or user.name or "")
    user.email = str(claims["email"]) if claims.get("email") else user.email
    locale = str(claims.get("locale") or "")[:2]
    if locale in ("de", "en"):
        user.locale = locale
    roles = roles_from_claims(claims)
    if user.id is not None and sorted(user.roles or ()) != roles:
        end_sessions(user)
    user.roles = roles
    user.last_login_at = utcnow()
    db.session.flush()
    return user


# --- API clients --------------------------------------------------------------------


class InvalidScope(ValueError):
    """A requested API scope does not exist."""


def register_api_client(
    name: str,
    scopes: Iterable[str],
    roles: Iterable[str] = (),
    issuers: Iterable[str] = (),
) -> tuple[str, str]:
    """Register a client-credentials client at the development provider.

    `issuers` are the identity providers whose residents the client may open cases for,
    besides its own namespace. Returns (client_id, client_secret); the secret is not
    stored and cannot be shown again.
    """
    scope_list = [s for s in scopes if s]
    unknown = [s for s in scope_list if s not in API_SCOPES]
    if unknown or not scope_list:
        raise InvalidScope(
            f"unknown scope(s): {', '.join(unknown) or '(none given)'}; "
            f"allowed: {' '.join(API_SCOPES)}"
        )
    client_id = f"api-{secrets.token_hex(8)}"
    secret = secrets.token_urlsafe(32)
    client = OAuthClient(
        client_id=client_id,
        name=name,
        grant_types=["client_credentials"],
        scopes=scope_list,
        roles=sorted({r for r in roles if r}),
        applicant_issuers=sorted({i.rstrip("/") for i in issuers if i}),
        redirect_uris=[],
        post_logout_redirect_uris=[],
    )
    client.set_secret(secret)
    db.session.add(client)
    db.session.flush()
    return client_id, secret


# --- wiring -------------------------------------------------------------------------


def load_demo() -> list[str]:
    """Create the demo people as users and the portal's client; return what exists.

    Safe to run again: existing users keep their id and get the demo roles back.
    """
    from service.auth import devidp, people

    issuer = devidp.issuer()
    lines = []
    for person in people.people():
        user = db.session.scalar(db.select(User).filter_by(issuer=issuer, subject=person.slug))
        state = "exists"
        if user is None:
            user = User(issuer=issuer, subject=person.slug)
            db.session.add(user)
            state = "created"
        user.name, user.email, user.roles = person.name, person.email, list(person.roles)
        roles = ", ".join(person.roles) or "resident"
        lines.append(f"user {person.slug}: {person.name} ({roles}) {state}")
    client = devidp.ensure_portal_client()
    lines.append(f"client {client.client_id}: {client.name}, redirect {client.redirect_uris[-1]}")
    db.session.flush()
    return lines


def client_namespace(client_id: str) -> str:
    """Return the issuer under which an API client's own applicants are known."""
    return f"api:{client_id}"


def applicant_issuers(client_id: str) -> frozenset[str]:
    """Return the issuers whose residents the API client may open cases for.

    Always the client's own namespace; other issuers (a partner's identity provider, or
    the portal's own) only when registered for the client, so a client can never put a
    case into a resident's portal account by naming their subject.
    """
    allowed = {client_namespace(client_id)}
    client = db.session.scalar(db.select(OAuthClient).where(OAuthClient.client_id == client_id))
    if client is not None:
        allowed.update(str(i).rstrip("/") for i in client.applicant_issuers or ())
    return frozenset(allowed)
