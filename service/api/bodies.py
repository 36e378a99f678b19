"""Refuse a malformed API request body with 400 before any view or schema reads it.

webargs parses JSON with the standard library and maps only `JSONDecodeError`: a body
nested 50,000 deep raises `RecursionError`, a lone surrogate (`"\\ud800"`) parses and fails
later when it is stored, and a body sent as `text/plain` is read as "no body". Each of
those was a 500 or a misleading 422. One check here, before the views, turns all of them
into `400 application/problem+json`. No library does this check for Flask; it is small.
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Flask, Request, request

from service.contexts import unproxied
from service.errors import AppError, Text, is_api_path

#: Deepest nesting of arrays and objects an API body may have (the schemas need 4).
MAX_DEPTH = 32
#: Body types the API accepts besides JSON (file uploads).
OTHER_BODY_TYPES = frozenset({"multipart/form-data"})
#: The only way a lone surrogate gets into a string: a `\uD800`-`\uDFFF` escape (strict
#: UTF-8 decoding refuses encoded surrogates). It also matches an escaped backslash before
#: "ud8..", which only costs the walk below.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
#: Where the check leaves the JSON document it read (in the request's WSGI environ).
DOCUMENT_KEY = "amtsweg.json_body"


class MalformedBody(AppError):
    """The request body is not JSON the API can read."""

    status = 400
    kind = "malformed-body"
    message = Text(
        de="Der Inhalt der Anfrage ist kein gültiges JSON (UTF-8, Content-Type "
        "application/json, höchstens 32 Ebenen tief).",
        en="The request body is not valid JSON (UTF-8, Content-Type application/json, "
        "at most 32 levels deep).",
    )


def _too_deep_or_unencodable(document: Any) -> str | None:
    """Return why `document` is refused, or None; walks without recursion."""
    stack: list[tuple[Any, int]] = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return "lone surrogate in a string"
        elif isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                return "nested too deep"
            items = [*value.keys(), *value.values()] if isinstance(value, dict) else value
            stack.extend((item, depth + 1) for item in items)
    return None


def parse_json_body(raw: bytes) -> Any:
    """Return the JSON document in `raw`, or raise `MalformedBody`."""
    try:
        text = raw.decode("utf-8")
        document = json.loads(text)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise MalformedBody(f"unreadable JSON body: {type(exc).__name__}") from None
    # A document needs more than MAX_DEPTH brackets to nest deeper, and a surrogate escape
    # to hold a lone surrogate: most bodies have neither, and need not be walked.
    if raw.count(b"[") + raw.count(b"{") <= MAX_DEPTH and not _SURROGATE_ESCAPE.search(raw):
        return document
    problem = _too_deep_or_unencodable(document)
    if problem is not None:
        raise MalformedBody(f"refused JSON body: {problem}")
    return document


def check_body() -> None:
    """Refuse an API request whose body is not well-formed JSON (or an upload)."""
    req = unproxied(request)  # read once, not through the proxy (see service.contexts)
    if req.method in ("GET", "HEAD", "OPTIONS", "DELETE") or not is_api_path(req.path):
        return
    raw = req.get_data(cache=True)
    if not raw:
        return
    mimetype = req.mimetype
    if mimetype in OTHER_BODY_TYPES:
        return
    if not req.is_json:
        raise MalformedBody(f"body of type {mimetype!r}")
    document = parse_json_body(raw)
    # Flask's get_json() and webargs (`blueprints.ApiParser`) take this document instead
    # of parsing the body again.
    req._cached_json = (document, document)
    req.environ[DOCUMENT_KEY] = document


def checked_document(req: Request) -> Any:
    """Return the JSON document the check read from `req`'s body (None: it read none)."""
    return req.environ.get(DOCUMENT_KEY)


def init_app(app: Flask) -> None:
    """Check every API request body before its view runs."""
    app.before_request(check_body)
