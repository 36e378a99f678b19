"""Endpoints of the integrator API: services and cases. Views call services, nothing more."""

from __future__ import annotations

from functools import wraps
from typing import Any, cast

from flask import Response, current_app, request
from flask.views import MethodView

from service.api import problems, services, trust
from service.api.auth import client_id, current_actor, require_scope, token_scopes
from service.api.blueprints import ApiBlueprint
from service.api.constants import (
    API_PREFIX,
    IDEMPOTENCY_HEADER,
    IDEMPOTENCY_KEY_MAX,
    SECURITY_SCHEME,
    Scope,
)
from service.api.models import IdempotencyRecord
from service.api.problems import ApiProblem, _, api_language
from service.api.schemas import (
    CaseListQuerySchema,
    CaseListSchema,
    CaseSchema,
    CaseSubmitSchema,
    DocumentListSchema,
    IdempotencyHeaderSchema,
    ServiceDetailSchema,
    ServiceListSchema,
    TransitionRequestSchema,
    TransitionResultSchema,
)
from service.cases.errors import UnknownService
from service.cases.models import Case
from service.cases.services import (
    IdempotencyClaim,
    fire_transition,
    submit_case,
    validate_submission,
)
from service.contexts import unproxied
from service.definitions.services import current_registry
from service.engine import Actor, HistoryEntry
from service.forms.errors import ValidationFailed


def secured(blp: ApiBlueprint, scope: Scope) -> Any:
    """Require `scope` and say so in the OpenAPI document."""

    def decorate(func: Any) -> Any:
        wrapped = require_scope(scope)(func)
        wrapped = blp.doc(security=[{SECURITY_SCHEME: [scope.value]}])(wrapped)
        wrapped = blp.alt_response(401, response="UNAUTHORIZED")(wrapped)
        return blp.alt_response(403, response="FORBIDDEN")(wrapped)

    return decorate


_IDEMPOTENCY_HEADER_SCHEMA = IdempotencyHeaderSchema()


def _idempotency_key() -> str | None:
    """Return the Idempotency-Key header as `IdempotencyHeaderSchema` loads it.

    A key of allowed length is taken as it is; any other is loaded by webargs after all,
    so that its refusal is exactly the one every other argument gets (422, field path).
    """
    key = unproxied(request).headers.get(IDEMPOTENCY_HEADER)  # see service.contexts
    if key is None or 0 < len(key) <= IDEMPOTENCY_KEY_MAX:
        return key
    loaded = cases_blp.ARGUMENTS_PARSER.parse(_IDEMPOTENCY_HEADER_SCHEMA, location="headers")
    return cast(str | None, loaded.get("idempotency_key"))


def _with_idempotency_key(func: Any) -> Any:
    """Pass the view the Idempotency-Key header as `idempotency_key`."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return func(*args, idempotency_key=_idempotency_key(), **kwargs)

    return wrapper


services_blp = ApiBlueprint(
    "api_services", __name__, url_prefix=API_PREFIX + "/services",
    description="City services and their forms",
)  # fmt: skip
cases_blp = ApiBlueprint(
    "api_cases", __name__, url_prefix=API_PREFIX + "/cases",
    description="Cases: submit, read, list, fire transitions, documents",
)  # fmt: skip
problems.attach(services_blp)
problems.attach(cases_blp)


@services_blp.route("")
class ServiceList(MethodView):
    @secured(services_blp, Scope.CASES_READ)
    @services_blp.response(200, ServiceListSchema)
    def get(self) -> dict[str, Any]:
        """List the city's services (current versions)."""
        return {"items": [services.service_summary(s) for s in current_registry().published()]}


@services_blp.route("/<string:key>")
class ServiceItem(MethodView):
    @secured(services_blp, Scope.CASES_READ)
    @services_blp.response(200, ServiceDetailSchema)
    @services_blp.alt_response(404, response="NOT_FOUND")
    def get(self, key: str) -> dict[str, Any]:
        """Describe a service: its form as JSON Schema, its states and transitions."""
        service = services.service_or_none(key)
        if service is None:
            raise ApiProblem(404, _("There is no service with this key."), kind="unknown-service")
        return services.service_detail(service, api_language())


def _case_or_404(reference: str) -> Case:
    case = services.find_case(reference, current_actor())
    if case is None:
        raise ApiProblem(404, _("Not found."))
    return case


def _view(
    case: Case,
    known_history: tuple[HistoryEntry, ...] | None = None,
    actor: Actor | None = None,
) -> dict[str, Any]:
    can_read = Scope.CASES_READ in token_scopes()
    return services.case_view(
        case, actor if actor is not None else current_actor(), can_read, known_history
    )


@cases_blp.route("")
class CaseCollection(MethodView):
    @secured(cases_blp, Scope.CASES_READ)
    @cases_blp.arguments(CaseListQuerySchema, location="query")
    @cases_blp.response(200, CaseListSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List the cases this client may see, oldest change first (cursor pagination)."""
        page = services.list_cases(current_actor(), **args)
        next_url = None
        if page.next_cursor:
            params = {k: v for k, v in request.args.items() if k != "cursor"}
            params["cursor"] = page.next_cursor
            from urllib.parse import urlencode

            next_url = services.api_url("/cases") + "?" + urlencode(params)
        return {"items": [_view(c) for c in page.cases], "next": next_url}

    @secured(cases_blp, Scope.CASES_WRITE)
    # The header is read before the body, as webargs did, without its 50 us for one
    # header; it is documented from its schema.
    @cases_blp.doc(parameters=[{"in": "header", "schema": IdempotencyHeaderSchema}])
    @_with_idempotency_key
    # A schema instance, not a class: webargs would build a new schema for every request.
    @cases_blp.arguments(CaseSubmitSchema())
    @cases_blp.response(201, CaseSchema)
    @cases_blp.alt_response(400, response="BAD_REQUEST")
    @cases_blp.alt_response(404, response="NOT_FOUND")
    def post(self, body: dict[str, Any], idempotency_key: str | None = None) -> Any:
        """Submit a case on behalf of a resident (requires an Idempotency-Key header).

        The same key with the same body returns the first response again; the same key
        with a different body is refused with 422.
        """
        if not idempotency_key:
            raise ApiProblem(
                400, _("The Idempotency-Key header is required."), kind="idempotency-key-missing"
            )
        cid = client_id()
        body_hash = services.request_hash(body)
        applicant = body["applicant"]
        issuer = trust.applicant_issuer(cid, applicant.get("issuer"))
        if issuer is None:
            raise ApiProblem(
                403,
                _("This client may not open cases for residents of this identity provider."),
                kind="applicant-issuer-not-allowed",
                errors=[
                    {
                        "path": "applicant.issuer",
                        "message": _("This identity provider is not allowed for this client."),
                    }
                ],
            )
        # Validate before claiming the key: on SQLite the claim takes the database's write
        # lock, which the validation then need not hold. A key used before still decides
        # first, exactly as if it had been claimed first: a replay or a conflict. File
        # answers must name this client's own uploads, not yet part of a case.
        try:
            # A draft service (`draft: true`) takes no submissions from integrators yet.
            if services.service_or_none(body["service"]) is None:
                raise UnknownService(body["service"])
            validated = validate_submission(
                body["service"], body["data"], body["lang"], files=trust.client_files(cid)
            )
        except (ValidationFailed, UnknownService):
            if (done := services.earlier_answer(cid, idempotency_key, body_hash)) is not None:
                return _replay(done)
            raise
        applicant_id = services.find_or_create_applicant(
            issuer, applicant["subject"], applicant["name"], applicant.get("email"), body["lang"]
        )
        claim = services.claim_idempotency_key(cid, idempotency_key, body_hash)
        if claim.earlier is not None:
            return _replay(claim.earlier)
        actor = current_actor()
        submission = submit_case(
            body["service"],
            body["data"],
            applicant_id,
            actor,
            lang=body["lang"],
            # The record above holds the key; naming it keeps the case's key unique when
            # the record has been pruned and the client uses the key again.
            idempotency=IdempotencyClaim(
                f"api:{cid}:{claim.record_id}:{idempotency_key}"[:255],
                held=True,
                numbers=claim.case_numbers,
            ),
            validated=validated,
        )
        trust.bind_case_files(submission.case, cid)
        view = _view(submission.case, submission.history, actor)
        # Serialized once, for the stored answer and the response alike; returned as a
        # Response, flask-smorest sends it as it is (CaseSchema documents it and would
        # dump it unchanged: the view is in its shape, tests hold both to it).
        answer = cast(Response, current_app.json.response(view))
        if claim.record_id is not None:
            services.store_idempotent_response(claim.record_id, 201, answer.get_data(as_text=True))
        return answer, 201, {"Location": view["links"]["self"]}


def _replay(record: IdempotencyRecord) -> Any:
    """Answer again as the first request with this key did (`earlier_answer` checked it)."""
    replay = cast(dict[str, Any], record.response)
    return replay, record.status_code, {"Location": replay["links"]["self"]}


@cases_blp.route("/<string:reference>")
class CaseItem(MethodView):
    @secured(cases_blp, Scope.CASES_READ)
    @cases_blp.response(200, CaseSchema)
    @cases_blp.alt_response(404, response="NOT_FOUND")
    def get(self, reference: str) -> dict[str, Any]:
        """Read one case by id or reference."""
        return _view(_case_or_404(reference))


@cases_blp.route("/<string:reference>/transitions")
class CaseTransitions(MethodView):
    @secured(cases_blp, Scope.CASES_TRANSITION)
    @cases_blp.arguments(TransitionRequestSchema)
    @cases_blp.response(200, TransitionResultSchema)
    @cases_blp.alt_response(404, response="NOT_FOUND")
    @cases_blp.alt_response(409, response="CONFLICT")
    def post(self, body: dict[str, Any], reference: str) -> dict[str, Any]:
        """Fire a transition as this client, with the client's workflow roles."""
        case = _case_or_404(reference)
        cid = client_id()
        decision = fire_transition(
            case,
            body["transition"],
            current_actor(),
            body["inputs"],
            expected_version=body.get("expected_version"),
            files=trust.client_files(cid),  # a `file` input names this client's own upload
        )
        trust.bind_input_files(case, body["transition"], decision.inputs, cid)
        return {"completed": decision.completed, "case": _view(case)}


@cases_blp.route("/<string:reference>/documents")
class CaseDocuments(MethodView):
    @secured(cases_blp, Scope.CASES_READ)
    @cases_blp.response(200, DocumentListSchema)
    @cases_blp.alt_response(404, response="NOT_FOUND")
    def get(self, reference: str) -> dict[str, Any]:
        """List the documents issued for a case."""
        case = _case_or_404(reference)
        return {"items": [services.document_view(case, d) for d in services.list_documents(case)]}


@cases_blp.route("/<string:reference>/documents/<string:doc_id>/content")
class CaseDocumentContent(MethodView):
    @secured(cases_blp, Scope.CASES_READ)
    @cases_blp.response(
        200, description="The document (usually a sealed PDF)",
        content_type="application/pdf",
    )  # fmt: skip
    @cases_blp.alt_response(404, response="NOT_FOUND")
    @cases_blp.alt_response(409, response="CONFLICT")
    def get(self, reference: str, doc_id: str) -> Response:
        """Download a document of a case."""
        case = _case_or_404(reference)
        _doc, content = services.document_content(case, doc_id)
        return Response(content, mimetype="application/pdf", headers={"Cache-Control": "no-store"})
