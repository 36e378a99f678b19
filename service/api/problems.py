"""The API's side of the error map: HTTP errors of Flask, webargs and flask-smorest as problems.

Domain errors are `service.errors.AppError`s and rendered there; this module adds what only
the API has: webargs' nested validation messages flattened to field paths, `ApiProblem`
for a view that must answer with a particular status, and the app-wide handler that keeps
routing errors (404, 405) under /api in problem+json.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from http import HTTPStatus
from typing import Any

from flask import Flask, Response
from werkzeug.exceptions import HTTPException, InternalServerError

from service import errors
from service.errors import (
    AppError,
    FieldError,
    Text,
    api_language,
    is_api_request,
    problem_response,
)
from service.i18n import gettext_for

log = logging.getLogger(__name__)


class ApiProblem(AppError):
    """Raise to answer an API request with a problem document; `detail` is already translated."""

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
        text = detail or HTTPStatus(status).phrase
        super().__init__(
            text,
            message=Text(de=text, en=text),
            fields=[FieldError(e["path"], e["message"]) for e in errors or ()],
            headers=headers,
            extra=extra,
            status=status,
            kind=kind,
        )


def _(msgid: str, **values: Any) -> str:
    """Translate an API message into the request's language."""
    text = gettext_for(api_language()).gettext(msgid)
    return text.format(**values) if values else text


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


def _unexpected(error: Exception) -> Response:
    if isinstance(error, HTTPException):
        return _http_problem(error)
    known = errors.response_for(error)
    if known is not None:
        return known
    log.exception("API request failed")
    return problem_response(500, _("Something went wrong on our side."))


def attach(blueprint: Any) -> None:
    """Answer the blueprint's errors with problem documents (call once, at import)."""
    blueprint.register_error_handler(Exception, _unexpected)


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
