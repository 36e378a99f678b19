"""Login, login callback and logout against the configured OpenID Connect provider."""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from authlib.common.urls import add_params_to_uri
from authlib.integrations.base_client import OAuthError
from flask import Blueprint, Flask, current_app, g, redirect, render_template, request, session
from joserfc.errors import JoseError

from service.auth import cli, devidp_views, oidc, services, sessions
from service.auth.constants import SESSION_ID_TOKEN, SESSION_NEXT
from service.config import ConfigError
from service.contexts import unproxied

bp = Blueprint("auth", __name__)
log = logging.getLogger(__name__)

#: Error codes shown on the page (the provider's `error` parameter comes from the URL).
ERROR_CODE = re.compile(r"[a-z_]{1,40}")
#: What can go wrong between the provider and us; each gives the 400 page.
LOGIN_ERRORS = (OAuthError, JoseError, requests.RequestException, ValueError, KeyError, TypeError)


def _base_url() -> str:
    return str(current_app.config["BASE_URL"]).rstrip("/")


@bp.get("/login")
def login() -> Any:
    """Send the visitor to the provider (authorization code with PKCE, state and nonce)."""
    target = services.safe_next(request.args.get("next"))
    _forget_old_logins()
    try:
        response = oidc.client().authorize_redirect(f"{_base_url()}/auth/callback")
    except ConfigError:
        log.error("login: no OpenID provider configured (AMTSWEG_OIDC_ISSUER)")
        return _failed("provider_unavailable", 503)
    except LOGIN_ERRORS as exc:
        log.warning("login: provider unavailable (%s)", type(exc).__name__)
        return _failed("provider_unavailable", 503)
    # Remember where to go per login attempt, so two tabs logging in do not mix up.
    state = parse_qs(urlsplit(response.headers["Location"]).query).get("state", [""])[0]
    pending = {k: v for k, v in (session.get(SESSION_NEXT) or {}).items() if k in _pending_states()}
    session[SESSION_NEXT] = {**pending, state: target or "/"}
    return response


@bp.get("/auth/callback")
def callback() -> Any:
    """Finish the login: check state, nonce and ID token, then start a fresh session."""
    try:
        client = oidc.client()
        token = client.authorize_access_token()
        claims = token.get("userinfo")
        if not claims or not claims.get("sub"):
            raise ValueError("no ID token")
        claims = _with_userinfo(client, token, dict(claims))
    except (ConfigError, *LOGIN_ERRORS) as exc:
        # No personal data in logs: only what kind of failure it was.
        log.warning("login callback refused (%s)", type(exc).__name__)
        code = str(getattr(exc, "error", None) or "")
        return _failed(code if ERROR_CODE.fullmatch(code) else "invalid_callback", 400)
    targets = session.get(SESSION_NEXT) or {}
    target = services.safe_next(targets.get(request.args.get("state", ""))) or "/"
    try:
        user = services.login_from_claims(str(claims["iss"]), claims)
    except services.AccountDisabled:
        log.warning("login refused: the account is disabled")
        return _failed("account_disabled", 403)
    services.start_session(user, id_token=token.get("id_token"))
    return redirect(target)


def _with_userinfo(client: Any, token: Any, claims: dict[str, Any]) -> dict[str, Any]:
    """Add what the userinfo endpoint knows to the ID token's claims.

    The ID token (signature, issuer, audience, nonce checked) is enough to log in: when
    the provider's userinfo endpoint refuses the access token (one meant for another
    API, say) or cannot be reached, the login goes on with the ID token's claims and
    the failure is logged, without anything about the person.
    """
    endpoint = client.load_server_metadata().get("userinfo_endpoint")
    if not endpoint:
        return claims
    try:
        extra = client.userinfo(token=token)
    except (OAuthError, requests.RequestException, ValueError) as exc:
        status = getattr(getattr(exc, "response", None), "status_code", None)
        log.warning(
            "userinfo refused (%s%s); logging in from the ID token's claims",
            type(exc).__name__,
            f" {status}" if status else "",
        )
        return claims
    # OIDC Core 5.3.2: a userinfo answer about someone else must not be used.
    if str(extra.get("sub")) != str(claims["sub"]):
        raise ValueError("userinfo subject differs from the ID token")
    # The signed ID token wins; userinfo adds what the token left out.
    return {**dict(extra), **claims}


@bp.route("/logout", methods=["GET", "POST"])
def logout() -> Any:
    """End the session here, then at the provider when it offers an end-session endpoint.

    GET shows a button (a cross-site link must not log anyone out); POST logs out.
    """
    if request.method == "GET":
        return render_template("auth/logout.html")
    id_token = session.get(SESSION_ID_TOKEN)
    # Ended on the server before anything else: the old cookie opens nothing any more.
    services.end_current_session()
    after = f"{_base_url()}/"
    try:
        endpoint = oidc.end_session_endpoint()
    except (ConfigError, *LOGIN_ERRORS) as exc:
        log.warning("logout: provider unavailable (%s)", type(exc).__name__)
        endpoint = None
    if not endpoint:
        return redirect(after)
    params = {
        "post_logout_redirect_uri": after,
        "client_id": current_app.config["OIDC_CLIENT_ID"],
    }
    if id_token:
        params["id_token_hint"] = id_token
    return redirect(add_params_to_uri(endpoint, params))


def _forget_old_logins(keep: int = 2) -> None:
    """Drop all but the newest pending logins: each sits in the size-limited session cookie."""
    prefix = _state_prefix()
    pending = sorted(
        (k for k in session if k.startswith(prefix)),
        key=lambda k: float((session.get(k) or {}).get("exp") or 0),
    )
    for key in pending[: max(0, len(pending) - keep)]:
        session.pop(key, None)


def _state_prefix() -> str:
    # Where Authlib keeps a pending login in the session (state, PKCE verifier, nonce).
    return f"_state_{oidc.CLIENT_NAME}_"


def _pending_states() -> set[str]:
    prefix = _state_prefix()
    return {k[len(prefix) :] for k in session if k.startswith(prefix)}


def _failed(reason: str, status: int) -> tuple[str, int]:
    return render_template("auth/error.html", error=reason, description=None), status


def init_app(app: Flask) -> None:
    """Register server-side sessions, the login views, the development provider, the CLI."""
    sessions.init_app(app)
    devidp_views.init_app(app)
    app.register_blueprint(bp)
    cli.init_app(app)

    @app.before_request
    def _load_user() -> None:
        # Not through the proxies (see service.contexts): this runs on every request.
        endpoint = unproxied(request).endpoint
        state = unproxied(g)
        if endpoint not in ("static", "health.healthz", "health.readyz"):
            state.user = services.current_user()
        else:
            state.user = None

    @app.context_processor
    def _inject_user() -> dict[str, Any]:
        return {"current_user": g.get("user")}
