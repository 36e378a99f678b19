"""One error shape for the whole API: `application/problem+json` (RFC 9457).

Every failure a caller can act on is mapped here, once: HTTP errors raised by Flask,
webargs and flask-smorest, and the domain errors of cases, forms and the engine.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Mapping
from http import HTTPStatus
from typing import Any

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException, InternalServerError

from service.api.constants import API_PREFIX, PROBLEM_JSON, PROBLEM_TYPE_BASE
from service.cases.errors import IdempotencyConflict, StaleCase, UnknownService
from service.engine.constants import Reason
from service.engine.errors import InputsInvalid, TransitionNotAllowed
from service.forms.errors import ValidationFailed
from service.i18n import DEFAULT_LANGUAGE, LANGUAGES, gettext_for

log = logging.getLogger(__name__)


class ApiProblem(Exception):
    """Raise to answer with a problem document."""

    def __init__(
        self,
        status: int,
        detail: str | None = None,
        *,
        kind: str | None = None,
        errors: list[dict[str, str]] | None = None,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(detail or HTTPStatus(status).phrase)
        self.status = status
        self.detail = detail
        self.kind = kind
        self.errors = errors
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})


def api_language() -> str:
    """Return the language of API messages: Accept-Language, German by default."""
    best = request.accept_languages.best_match(LANGUAGES, default=DEFAULT_LANGUAGE)
    return best or DEFAULT_LANGUAGE


def _(msgid: str, **values: Any) -> str:
    """Translate an API message into the request's language."""
    text = gettext_for(api_language()).gettext(msgid)
    return text.format(**values) if values else text


def problem_response(
    status: int,
    detail: str | None = None,
    *,
    kind: str | None = None,
    errors: list[dict[str, str]] | None = None,
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Response:
    """Build a problem+json response."""
    phrase = HTTPStatus(status).phrase
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + kind if kind else "about:blank",
        "title": phrase,
        "status": status,
        "detail": detail or phrase,
        "instance": request.path,
    }
    if errors is not None:
        body["errors"] = errors
    body.update(extra or {})
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_JSON)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _path(parts: Iterable[str | int]) -> str:
    path = ""
    for part in parts:
        if isinstance(part, int) or (isinstance(part, str) and part.isdigit()):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def flatten_messages(messages: Any, prefix: tuple[str | int, ...] = ()) -> list[dict[str, str]]:
    """Turn marshmallow's nested error dict into [{"path", "message"}] with dotted paths."""
    out: list[dict[str, str]] = []
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            # webargs nests errors under the location ("json", "query", "headers")
            location = not prefix and key in ("json", "query", "headers", "form", "view_args")
            # marshmallow's "_schema" means the object as a whole: its path is the prefix.
            skip = location or key == "_schema"
            out.extend(flatten_messages(value, prefix if skip else (*prefix, key)))
    elif isinstance(messages, list | tuple) and all(isinstance(m, str) for m in messages):
        out.extend({"path": _path(prefix), "message": m} for m in messages)
    elif isinstance(messages, list | tuple):
        for m in messages:
            out.extend(flatten_messages(m, prefix))
    else:
        out.append({"path": _path(prefix), "message": str(messages)})
    return out


_INDEX = re.compile(r"\[(\d+)\]")


def _http_problem(error: HTTPException) -> Response:
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    headers: dict[str, str] = dict(data.get("headers") or {})
    allowed = getattr(error, "valid_methods", None)
    if status == 405 and allowed:
        headers["Allow"] = ", ".join(allowed)
    if status == 422 and ("messages" in data or "errors" in data):
        errors = flatten_messages(data.get("errors") or data.get("messages"))
        return problem_response(
            422, _("The request is invalid."), kind="validation", errors=errors, headers=headers
        )
    detail = data.get("message") if isinstance(data.get("message"), str) else None
    if detail is None:
        detail = {
            400: _("The request is malformed."),
            404: _("Not found."),
            405: _("This method is not allowed here."),
        }.get(status, error.description)
    if status == 401:
        headers.setdefault("WWW-Authenticate", 'Bearer realm="amtsweg"')
    return problem_response(status, detail, headers=headers)


def _transition_problem(error: TransitionNotAllowed) -> Response:
    status = 403 if error.reason == Reason.WRONG_ROLE else 409
    if error.reason == Reason.UNKNOWN_TRANSITION:
        status = 422
    return problem_response(
        status,
        error.message.get(api_language()),
        kind=f"transition/{error.reason.value}",
        extra={"reason": error.reason.value},
    )


def handle_exception(error: Exception) -> Response:
    """Map any exception raised under /api to a problem response."""
    if isinstance(error, ApiProblem):
        return problem_response(
            error.status,
            error.detail,
            kind=error.kind,
            errors=error.errors,
            headers=error.headers,
            extra=error.extra,
        )
    if isinstance(error, ValidationFailed):
        errors = [
            {"path": path, "message": message}
            for path, messages in error.errors.items()
            for message in messages
        ]
        return problem_response(
            422, _("The submitted data is invalid."), kind="validation", errors=errors
        )
    if isinstance(error, InputsInvalid):
        errors = [
            {"path": f"inputs.{name}", "message": text.get(api_language())}
            for name, text in error.errors.items()
        ]
        return problem_response(
            422, error.message.get(api_language()), kind="validation", errors=errors
        )
    if isinstance(error, TransitionNotAllowed):
        return _transition_problem(error)
    if isinstance(error, StaleCase):
        return problem_response(409, _("The case was changed by someone else; reload it."),
                                kind="stale-case")  # fmt: skip
    if isinstance(error, IdempotencyConflict):
        return problem_response(
            422,
            _("This Idempotency-Key was already used with a different request."),
            kind="idempotency-conflict",
        )
    if isinstance(error, UnknownService):
        return problem_response(
            404, _("There is no service with this key."), kind="unknown-service"
        )
    if isinstance(error, HTTPException):
        return _http_problem(error)
    raise error


def _unexpected(error: Exception) -> Response:
    log.exception("API request failed")
    return problem_response(500, _("Something went wrong on our side."))


def attach(blueprint: Any) -> None:
    """Answer the blueprint's errors with problem documents (call once, at import)."""
    from service.cases.errors import CaseError
    from service.engine.errors import EngineError

    for exc in (ApiProblem, ValidationFailed, EngineError, CaseError, HTTPException):
        blueprint.register_error_handler(exc, handle_exception)
    blueprint.register_error_handler(Exception, _unexpected)


def is_api_request() -> bool:
    """Return True when the current request is addressed to the API."""
    return request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/")


def init_app(app: Flask) -> None:
    """Answer every API error with problem+json, leaving other pages' errors alone."""
    previous = app.error_handler_spec.get(None, {}).get(None, {}).get(HTTPException)

    def handle_http(error: HTTPException) -> Any:
        if is_api_request():
            return _http_problem(error)
        if previous is not None:
            return previous(error)
        return error

    # Routing errors (404, 405) happen before a blueprint is known, so this one is app-wide.
    app.register_error_handler(HTTPException, handle_http)

    # A handler for the code 500 wins over the class handler: chain that one too.
    previous_500 = app.error_handler_spec.get(None, {}).get(500, {}).get(InternalServerError)
    if previous_500 is not None:

        def handle_500(error: InternalServerError) -> Any:
            if is_api_request():
                return _http_problem(error)
            return previous_500(error)

        app.register_error_handler(500, handle_500)
