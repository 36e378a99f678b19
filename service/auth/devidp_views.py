"""Endpoints of the development identity provider under /dev-idp."""

from __future__ import annotations

import time
from typing import Any

from authlib.oauth2 import OAuth2Error
from flask import Blueprint, Flask, abort, jsonify, render_template, request
from joserfc.errors import JoseError
from werkzeug.wrappers import Response

from service import errors
from service.auth import devidp, people
from service.extensions import csrf

bp = Blueprint("devidp", __name__, url_prefix="/dev-idp")


@bp.get("/.well-known/openid-configuration")
def discovery() -> Response:
    """Serve the OpenID provider metadata."""
    return jsonify(devidp.metadata())


@bp.get("/jwks.json")
def jwks() -> Response:
    """Serve the public signing keys."""
    return jsonify(devidp.jwks())


@bp.route("/authorize", methods=["GET", "POST"])
def authorize() -> Any:
    """Show the demo people to pick from; the picked person is logged in at the client."""
    server = devidp.authorization_server()
    try:
        grant = server.get_consent_grant(end_user=None)
    except OAuth2Error as error:
        # Never redirect to an unchecked redirect_uri: show the problem here.
        return _error_page(error.error, error.get_error_description()), 400
    try:
        found = people.people()
    except people.PeopleFileError as error:
        # The instance's people file has a mistake: say where, instead of a bare 500.
        return _error_page("people_file", str(error)), 500
    if request.method == "GET":
        return render_template("auth/devidp_authorize.html", people=found, client=grant.client)
    who = devidp.person(request.form.get("person", ""))
    if who is None:
        abort(400)
    return server.create_authorization_response(grant=grant, grant_user=who)


@bp.post("/token")
@csrf.exempt
def token() -> Any:
    """Issue tokens (authorization code with PKCE, client credentials)."""
    return devidp.authorization_server().create_token_response()


@bp.route("/userinfo", methods=["GET", "POST"])
@csrf.exempt
def userinfo() -> Any:
    """Return the claims about the person an access token was issued for."""
    header = request.headers.get("Authorization", "")
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw:
        return _bearer_error("invalid_request")
    try:
        claims = devidp.decode_jwt(raw.strip())
    except (JoseError, ValueError):
        return _bearer_error("invalid_token")
    who = devidp.person(str(claims.get("sub", "")))
    scopes = str(claims.get("scope", "")).split()
    if (
        claims.get("iss") != devidp.issuer()
        or int(claims.get("exp", 0)) < time.time()
        or who is None
        or "openid" not in scopes
    ):
        return _bearer_error("invalid_token")
    return jsonify(dict(devidp.user_info(who, " ".join(scopes))))


@bp.route("/logout", methods=["GET", "POST"])
@csrf.exempt
def logout() -> Any:
    """End the session (RP-initiated logout), then return to the client when it asked."""
    server = devidp.authorization_server()
    try:
        response = server.create_endpoint_response("end_session")
    except OAuth2Error as error:
        return _error_page(error.error, error.get_error_description()), 400
    return response or render_template("auth/devidp_logged_out.html")


def _bearer_error(code: str) -> tuple[Response, int, dict[str, str]]:
    return jsonify({"error": code}), 401, {"WWW-Authenticate": f'Bearer error="{code}"'}


def _error_page(error: str, description: str | None) -> str:
    return render_template("auth/devidp_error.html", error=error, description=description)


def init_app(app: Flask) -> None:
    """Register the provider when DEV_IDP is on (never in production)."""
    if not app.config.get("DEV_IDP"):
        return
    devidp.check_allowed(app)
    app.extensions[devidp.EXTENSION_KEY] = devidp.create_server(app)
    app.register_blueprint(bp)
    # Machines call these: a refusal (e.g. too many requests) is a problem document.
    errors.answer_with_problems("devidp.token", "devidp.userinfo")
