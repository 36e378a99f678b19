"""Public endpoints of the audit log: checkpoints, proofs and the signing certificate.

Anyone may fetch them (witnesses, other cities, a court); they hold sizes and hashes
only, no personal data. Bad parameters get a problem document (RFC 9457) naming the field.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Flask, Response, jsonify, request
from flask.typing import ResponseReturnValue

from service.audit import checkpoints, cli, services
from service.extensions import db

bp = Blueprint("audit", __name__, url_prefix="/audit")

PROBLEM_JSON = "application/problem+json"


def _problem(status: int, title: str, detail: str, field: str | None = None) -> Response:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    body["detail"] = detail
    if field is not None:
        body["errors"] = [{"field": field, "message": detail}]
    return Response(json.dumps(body), status=status, mimetype=PROBLEM_JSON)


def _public(response: Response) -> Response:
    # Witnesses poll these; a short shared cache is harmless, checkpoints never change.
    response.headers["Cache-Control"] = "public, max-age=10"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _int_arg(name: str) -> int | Response:
    raw = request.args.get(name, "")
    if not raw.isdigit() or len(raw) > 12:
        return _problem(400, "Bad Request", f"'{name}' must be a whole number", name)
    return int(raw)


@bp.get("/checkpoints/latest")
def latest() -> ResponseReturnValue:
    """Return the newest sealed checkpoint (and note that a witness fetched it)."""
    found = services.latest_checkpoint()
    if found is None:
        return _problem(404, "Not Found", "no checkpoint has been sealed yet")
    services.record_witness_fetch()
    db.session.commit()
    return _public(jsonify(found))


@bp.get("/checkpoints/<int:size>")
def of_size(size: int) -> ResponseReturnValue:
    """Return the checkpoint sealed at `size` leaves."""
    found = services.checkpoint_of_size(size)
    if found is None:
        return _problem(404, "Not Found", f"no checkpoint of size {size}", "size")
    return _public(jsonify(found))


@bp.get("/key")
def key() -> ResponseReturnValue:
    """Return the seal certificate (PEM) that verifies checkpoint signatures."""
    return _public(Response(checkpoints.certificate_pem(), mimetype="application/x-pem-file"))


@bp.get("/proofs/consistency")
def consistency() -> ResponseReturnValue:
    """Return the RFC 9162 consistency proof between two tree sizes (`from`, `to`)."""
    first, second = _int_arg("from"), _int_arg("to")
    if isinstance(first, Response):
        return first
    if isinstance(second, Response):
        return second
    try:
        return _public(jsonify(services.consistency(first, second)))
    except services.ProofUnavailable as exc:
        return _problem(422, "Unprocessable Content", str(exc), "to" if second else "from")


@bp.get("/proofs/inclusion")
def inclusion() -> ResponseReturnValue:
    """Return the RFC 9162 inclusion proof of leaf `index` in the tree of `size` leaves."""
    index, size = _int_arg("index"), _int_arg("size")
    if isinstance(index, Response):
        return index
    if isinstance(size, Response):
        return size
    try:
        return _public(jsonify(services.inclusion(index, size)))
    except services.ProofUnavailable as exc:
        return _problem(422, "Unprocessable Content", str(exc), "index")


def init_app(app: Flask) -> None:
    """Register the public checkpoint and proof endpoints and the `flask audit` commands."""
    app.register_blueprint(bp)
    cli.init_app(app)
