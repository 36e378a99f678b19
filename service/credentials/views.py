"""The wallet-facing endpoints: metadata, token, nonce, credential, status lists, answers.

Wallets are not browsers: every answer is JSON (or a JWT), errors in the OAuth shape
`{"error", "error_description"}`; there is no session and no CSRF token.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, abort, current_app, jsonify, request

from service.cases import services as cases
from service.credentials import issuance, keys, metadata, services, status, verification
from service.credentials.constants import PRE_AUTHORIZED_GRANT
from service.credentials.errors import WalletError, WrongTransactionCode
from service.extensions import csrf, db

bp = Blueprint("credentials", __name__)


def _json(body: Any, status_code: int = 200, cache: str = "no-store") -> Response:
    response = jsonify(body)
    response.status_code = status_code
    response.headers["Cache-Control"] = cache
    return response


def _error(exc: WalletError) -> Response:
    response = _json({"error": exc.code, "error_description": exc.description}, exc.status)
    if exc.status == 401:
        response.headers["WWW-Authenticate"] = f'Bearer error="{exc.code}"'
    return response


@bp.get("/.well-known/openid-credential-issuer")
def issuer_metadata() -> Response:
    return _json(metadata.issuer_metadata(), cache="public, max-age=300")


@bp.get("/.well-known/oauth-authorization-server")
def authorization_server_metadata() -> Response:
    return _json(metadata.authorization_server_metadata(), cache="public, max-age=300")


@bp.get("/.well-known/jwt-vc-issuer")
def jwt_vc_issuer() -> Response:
    return _json(metadata.jwt_vc_issuer(), cache="public, max-age=300")


@bp.get("/credentials/types/<key>")
def type_metadata(key: str) -> Response:
    body = metadata.type_metadata(key)
    if body is None:
        abort(404)
    return _json(body, cache="public, max-age=300")


@bp.post("/credentials/token")
def token() -> Response:
    form = request.form
    if form.get("grant_type") != PRE_AUTHORIZED_GRANT:
        return _json(
            {"error": "unsupported_grant_type", "error_description": "pre-authorized code only"},
            400,
        )
    try:
        body = services.exchange_code(
            str(form.get("pre-authorized_code", "")), str(form.get("tx_code", ""))
        )
    except WrongTransactionCode as exc:
        # The wrong try must count although the answer is an error (a brute-force limit).
        db.session.commit()
        return _error(exc)
    except WalletError as exc:
        return _error(exc)
    return _json(body)


@bp.post("/credentials/nonce")
def nonce() -> Response:
    return _json({"c_nonce": services.new_nonce()})


@bp.post("/credentials/credential")
def credential() -> Response:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    try:
        if scheme.lower() != "bearer" or not token:
            raise issuance.InvalidToken("a Bearer access token is required")
        body = services.issue_credential(token.strip(), request.get_json(silent=True))
    except WalletError as exc:
        return _error(exc)
    return _json(body)


@bp.get("/credentials/status/<int:list_id>")
def status_list(list_id: int) -> Response:
    signed = status.signed_status_list(list_id, current_app.config["CREDENTIAL_KEY_PATH"])
    if signed is None:
        abort(404)
    if request.if_none_match.contains(signed.etag.strip('"')):
        response = Response(status=304)
    else:
        response = Response(signed.token, mimetype="application/statuslist+jwt")
    response.headers["ETag"] = signed.etag
    response.last_modified = signed.last_modified
    # The whole list, the same for everyone, cacheable anywhere: no one learns which
    # credential a verifier checked.
    response.headers["Cache-Control"] = f"public, max-age={status.STATUS_LIST_TTL}"
    return response


@bp.post("/credentials/presentations/<request_id>")
def presentation_response(request_id: str) -> Response:
    try:
        body = verification.receive_response(request_id, request.form)
    except WalletError as exc:
        return _error(exc)
    return _json(body)


def init_app(app: Flask) -> None:
    """Make sure the signing key exists, serve the wallet endpoints, hook revocation.

    The endpoints need no CSRF token: wallets have no session.
    """
    keys.ensure_issuer_key(app.config)
    csrf.exempt(bp)
    app.register_blueprint(bp)
    cases.on_transition("credentials.revoke", services.revoke_for_transition)
