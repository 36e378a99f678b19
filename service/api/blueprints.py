"""The API's flask-smorest blueprint: its arguments parser and its documenting decorators.

Two parts of flask-smorest's and webargs' request handling cost time on every call and do
nothing a caller could see; `ApiBlueprint` leaves them out:

- webargs parses the JSON body itself, although `bodies.check_body` parsed it before the
  view with the same UTF-8 decoding and `json.loads`: `ApiParser` takes that document,
  and reads the request itself rather than through Flask's proxy (`service.contexts`).
- `doc` and `alt_response` only add to the OpenAPI document, yet each wraps the view in one
  more function that looks up `current_app` and calls `ensure_sync` on every call (six
  such layers on `POST /cases`). Here they document the view and return it unwrapped. A
  coroutine view keeps flask-smorest's layer, which is what makes it synchronous.

Everything else is flask-smorest's and webargs' own; both are meant to be subclassed this
way (`ARGUMENTS_PARSER`, the decorators).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import flask_smorest
from flask import Request, request
from webargs.flaskparser import FlaskParser

from service.api.bodies import checked_document
from service.contexts import unproxied


class ApiParser(FlaskParser):
    """webargs' Flask parser, reading the JSON document the body check parsed already."""

    def get_default_request(self) -> Request:
        """Return the request itself, not Flask's proxy of it (see `service.contexts`)."""
        return unproxied(request)

    def _raw_load_json(self, req: Request) -> Any:
        """Return the body's JSON document: the body check's, or parsed here if it has none.

        The check keeps the document of every JSON body it accepted (it refuses any other
        with 400), so webargs' own reading of the body (`json.loads` of the UTF-8 text, the
        same as the check's) would give an equal document.
        """
        document = checked_document(req)
        return super()._raw_load_json(req) if document is None else document


def _documenting_only(decorator: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Return `decorator` (flask-smorest's `doc` or `alt_response`) without its call layer.

    flask-smorest keeps what it documents in the function's `_apidoc`, copied from layer to
    layer; the view keeps the documented copy and is returned as it is.
    """

    def apply(func: Any) -> Any:
        documented = decorator(func)
        if inspect.iscoroutinefunction(func):
            return documented
        func._apidoc = documented._apidoc
        return func

    return apply


class ApiBlueprint(flask_smorest.Blueprint):
    """flask-smorest's blueprint with `ApiParser` and documenting-only `doc`/`alt_response`."""

    ARGUMENTS_PARSER = ApiParser()

    @staticmethod
    def doc(**kwargs: Any) -> Callable[[Any], Any]:
        """flask-smorest's `doc`, without a layer around the view."""
        return _documenting_only(flask_smorest.Blueprint.doc(**kwargs))

    def alt_response(self, *args: Any, **kwargs: Any) -> Callable[[Any], Any]:
        """flask-smorest's `alt_response`, without a layer around the view."""
        return _documenting_only(super().alt_response(*args, **kwargs))
