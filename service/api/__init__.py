"""The integrator REST API at /api/v1 (flask-smorest), its OpenAPI document and docs page."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Flask, Response, send_from_directory, url_for
from flask_smorest import Api as SmorestApi
from flask_smorest.utils import prepare_response

from service.api import auth, bodies, problems
from service.api.constants import API_PREFIX, PROBLEM_JSON, SCOPE_DESCRIPTIONS, SECURITY_SCHEME
from service.api.schemas import ProblemSchema

EXTENSION_KEY = "amtsweg.api"


class Api(SmorestApi):
    """flask-smorest's Api with problem+json errors, handled by the API blueprints only."""

    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self) -> None:
        # flask-smorest would answer every error of the whole app with JSON; the portal
        # and back office keep their HTML pages, so problems.init_app handles only /api.
        pass

    def _register_responses(self) -> None:
        import http

        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_JSON)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Error (RFC 9457 problem details)", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_JSON)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>amtsweg API</title>
<link rel="stylesheet" href="{static}/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="{static}/swagger-ui-bundle.js"></script>
<script src="{init}"></script></body></html>
"""
# A file of its own, not an inline script: the Content-Security-Policy allows only 'self'.
DOCS_INIT = """window.ui = SwaggerUIBundle({url: %s, dom_id: "#swagger-ui", deepLinking: true});"""


def _docs_blueprint() -> Blueprint:
    """Serve Swagger UI from the swagger-ui-bundle package: no CDN, works offline."""
    bp = Blueprint("api_docs_ui", __name__, url_prefix="/api/docs")

    @bp.get("")
    @bp.get("/")
    def docs() -> Response:
        page = DOCS_PAGE.format(
            static=url_for("api_docs_ui.asset", filename="").rstrip("/"),
            init=url_for("api_docs_ui.init_script"),
        )
        return Response(page, mimetype="text/html")

    @bp.get("/init.js")
    def init_script() -> Response:
        spec = json.dumps(url_for("api-docs.openapi_json"))
        return Response(DOCS_INIT % spec, mimetype="text/javascript")

    @bp.get("/assets/<path:filename>")
    def asset(filename: str) -> Response:
        from swagger_ui_bundle import swagger_ui_path

        return send_from_directory(swagger_ui_path, filename, max_age=3600)

    return bp


def _spec_kwargs(app: Flask) -> dict[str, Any]:
    issuer = auth.configured_issuer(app.config) or app.config.get("BASE_URL", "")
    token_url = app.config.get("API_TOKEN_URL") or issuer.rstrip("/") + "/token"
    return {
        "info": {
            "description": (
                "Integrator API of amtsweg. Authenticate with an OAuth2 access token "
                "(client credentials, RFC 9068 JWT). Errors are application/problem+json "
                "(RFC 9457). Webhooks follow the Standard Webhooks specification."
            ),
        },
        "components": {
            "securitySchemes": {
                SECURITY_SCHEME: {
                    "type": "oauth2",
                    "flows": {
                        "clientCredentials": {
                            "tokenUrl": token_url,
                            "scopes": {s.value: d for s, d in SCOPE_DESCRIPTIONS.items()},
                        }
                    },
                }
            }
        },
    }


def init_app(app: Flask) -> None:
    """Mount the API, its OpenAPI document and the docs page."""
    from service.extensions import csrf

    app.config.setdefault("API_TITLE", "amtsweg")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", API_PREFIX)
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")

    problems.init_app(app)
    bodies.init_app(app)
    auth.init_app(app)
    api = Api(app, spec_kwargs=_spec_kwargs(app))
    app.extensions[EXTENSION_KEY] = api

    from service.api.presentations import presentations_blp
    from service.api.uploads import uploads_blp
    from service.api.views import cases_blp, services_blp
    from service.api.webhooks import webhooks_blp

    for blp in (services_blp, cases_blp, uploads_blp, webhooks_blp, presentations_blp):
        csrf.exempt(blp)
        api.register_blueprint(blp)
    _add_event_types(api)
    app.register_blueprint(_docs_blueprint())


def _add_event_types(api: Api) -> None:
    """List the webhook event types in the document, so integrators know what to expect."""
    from service.webhooks.constants import EVENT_TYPES

    api.spec.components.schema(
        "WebhookEventType", {"type": "string", "enum": list(EVENT_TYPES)}, lazy=False
    )
    # OpenAPI 3.0 has no `webhooks` section: the message is described as a schema.
    api.spec.components.schema(
        "WebhookMessage",
        {
            "description": (
                "Body of a webhook POST, signed per Standard Webhooks (headers webhook-id, "
                "webhook-timestamp, webhook-signature). Retries keep the webhook-id. "
                "No personal data: read the case through links.self."
            ),
            "type": "object",
            "required": ["type", "timestamp", "data"],
            "properties": {
                "type": {"$ref": "#/components/schemas/WebhookEventType"},
                "timestamp": {"type": "string", "format": "date-time"},
                "data": {
                    "type": "object",
                    "properties": {
                        "case_id": {"type": "integer"},
                        "reference": {"type": "string"},
                        "service": {"type": "string"},
                        "state": {"type": "string"},
                        "transition": {"type": "string", "nullable": True},
                        "links": {"type": "object", "properties": {"self": {"type": "string"}}},
                    },
                },
            },
        },
        lazy=False,
    )
