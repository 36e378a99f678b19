"""Presentation requests for integrators (scope credentials:verify): the verifier's check.

The same OpenID4VP request and the same checks as the back office's "Nachweis prüfen";
a client sees only its own requests.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView

from service.api import problems
from service.api.auth import client_id, require_scope
from service.api.blueprints import ApiBlueprint
from service.api.constants import API_PREFIX, SECURITY_SCHEME, Scope
from service.api.problems import ApiProblem, _
from service.credentials import services as credentials
from service.extensions import utcnow

presentations_blp = ApiBlueprint(
    "api_presentations", __name__, url_prefix=API_PREFIX + "/presentation-requests",
    description="Check a resident's wallet credential (OpenID4VP): request, then read the result",
)  # fmt: skip
problems.attach(presentations_blp)


class PresentationCreateSchema(ma.Schema):
    """What to ask the wallet for."""

    credential = ma.fields.String(required=True, metadata={"example": "parking_permit"})
    claims = ma.fields.List(
        ma.fields.String(), required=True, validate=ma.validate.Length(min=1, max=20),
        metadata={"example": ["zone"]},
    )  # fmt: skip


class PresentationSchema(ma.Schema):
    """A presentation request: the link for the wallet, its state and the check's result."""

    id = ma.fields.String(required=True)
    credential = ma.fields.String(required=True)
    claims_requested = ma.fields.List(ma.fields.String(), required=True)
    request_uri = ma.fields.String(required=True, metadata={"description": "openid4vp:// link"})
    status = ma.fields.String(required=True, metadata={"enum": ["pending", "answered", "expired"]})
    expires_at = ma.fields.String(required=True)
    accepted = ma.fields.Boolean(allow_none=True)
    outcome = ma.fields.String(allow_none=True)
    claims = ma.fields.Dict(allow_none=True)


def _requester() -> str:
    return f"client:{client_id()}"


def _view(found: Any) -> dict[str, Any]:
    result = found.result or {}
    if found.answered_at is not None:
        state = "answered"
    elif found.expires_at <= utcnow():
        state = "expired"
    else:
        state = "pending"
    return {
        "id": found.id,
        "credential": found.credential_key,
        "claims_requested": result.get("claims_requested", []),
        "request_uri": credentials.request_uri(found),
        "status": state,
        "expires_at": found.expires_at.isoformat(),
        "accepted": result.get("accepted"),
        "outcome": result.get("outcome"),
        "claims": result.get("claims"),
    }


def secured(func: Any) -> Any:
    """Require credentials:verify and document it."""
    wrapped = require_scope(Scope.CREDENTIALS_VERIFY)(func)
    doc = presentations_blp.doc(security=[{SECURITY_SCHEME: [Scope.CREDENTIALS_VERIFY.value]}])
    wrapped = presentations_blp.alt_response(401, response="UNAUTHORIZED")(doc(wrapped))
    return presentations_blp.alt_response(403, response="FORBIDDEN")(wrapped)


@presentations_blp.route("")
class PresentationRequests(MethodView):
    @secured
    @presentations_blp.arguments(PresentationCreateSchema)
    @presentations_blp.response(201, PresentationSchema)
    @presentations_blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """Create a request; show its `request_uri` to the resident's wallet (QR code)."""
        cred = credentials.current_credentials().get(body["credential"])
        if cred is None:
            raise ApiProblem(
                422, _("No service issues this credential."),
                errors=[{"path": "credential", "message": _("Unknown credential.")}],
            )  # fmt: skip
        known = {claim.name for claim in cred.claims}
        unknown = [
            {
                "path": f"claims[{index}]",
                "message": _("The credential has no claim named {name}.", name=name),
            }
            for index, name in enumerate(body["claims"])
            if name not in known
        ]
        if unknown:
            raise ApiProblem(422, _("The credential has no such claim."), errors=unknown)
        made = credentials.create_request(cred.key, body["claims"], _requester())
        return _view(made.request)


@presentations_blp.route("/<string:request_id>")
class PresentationRequest(MethodView):
    @secured
    @presentations_blp.response(200, PresentationSchema)
    @presentations_blp.alt_response(404, response="NOT_FOUND")
    def get(self, request_id: str) -> dict[str, Any]:
        """Read a request and, once the wallet answered, the check's result."""
        found = credentials.get_request(request_id, _requester())
        if found is None:
            raise ApiProblem(404, _("There is no such presentation request."))
        return _view(found)
