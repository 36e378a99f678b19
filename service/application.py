"""amtsweg's Flask class and its response class: Flask's own, two per-request costs cut.

Flask passes every hook, view and teardown function of every request through
`ensure_sync` (18 times for one API submission), which asks
`inspect.iscoroutinefunction`: it unwraps methods and partials and tests the function's
type before it reads its code's flags, about 1 % of a submission's CPU all told
(measured under callgrind). For a plain function, or a
method of one, the answer is its code's `CO_COROUTINE` flag, read here directly; any
other callable, and any function marked with `inspect.markcoroutinefunction`, goes to
Flask's own check, so the result is the same for everything.

werkzeug converts a response's `Location` to a URI (`iri_to_uri`: the URL split, each part
quoted, the host through the IDNA codec, joined again) when it starts the response: about
80,000 instructions for the `Location` of every new case, 1.2 % of a submission. A
location that is plainly a URI already (`PLAIN_URI`) comes out of that unchanged, so
`Response` takes it as it is and leaves every other location to werkzeug.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from inspect import CO_COROUTINE
from types import FunctionType, MethodType
from typing import TYPE_CHECKING, Any

from flask import Flask
from flask import Response as FlaskResponse
from werkzeug.datastructures import Headers
from werkzeug.http import remove_entity_headers
from werkzeug.urls import iri_to_uri

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

#: Where `inspect.markcoroutinefunction` (Python 3.12) marks a function.
_COROUTINE_MARKER = "_is_coroutine_marker"

#: An absolute http(s) URL that `iri_to_uri` returns unchanged: a lowercase scheme and
#: host (ASCII labels of 1-63 characters, which the IDNA codec keeps), a port without a
#: leading zero, a path of characters `quote` keeps (unreserved, sub-delims, ":", "@",
#: "/", "%"), and no user, query or fragment (`urlunsplit` would drop an empty one).
PLAIN_URI = re.compile(
    r"https?://(?:[a-z0-9-]{1,63}\.)*[a-z0-9-]{1,63}(?::[1-9][0-9]{0,3})?"
    r"(?:/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*)?"
)


def _as_uri(location: str) -> str:
    """Return `iri_to_uri(location)`, without computing it for a plain URI."""
    return location if PLAIN_URI.fullmatch(location) else iri_to_uri(location)


class Response(FlaskResponse):
    """Flask's response class, with `Location` converted only when it needs it."""

    def get_wsgi_headers(self, environ: WSGIEnvironment) -> Headers:
        """Return werkzeug's headers for `environ` (3.1, `_as_uri` for `iri_to_uri`).

        A test holds the result to werkzeug's own for each kind of response.
        """
        if self.autocorrect_location_header:
            return super().get_wsgi_headers(environ)
        headers = Headers(self.headers)
        location: str | None = None
        content_location: str | None = None
        content_length: str | int | None = None
        status = self.status_code
        for key, value in headers:
            ikey = key.lower()
            if ikey == "location":
                location = value
            elif ikey == "content-location":
                content_location = value
            elif ikey == "content-length":
                content_length = value
        if location is not None:
            headers["Location"] = _as_uri(location)
        if content_location is not None:
            headers["Content-Location"] = iri_to_uri(content_location)
        if 100 <= status < 200 or status == 204:
            # RFC 7230 3.3.2: no Content-Length in a 1xx or 204 answer.
            headers.remove("Content-Length")
        elif status == 304:
            remove_entity_headers(headers)
        if (
            self.automatically_set_content_length
            and self.is_sequence
            and content_length is None
            and status not in (204, 304)
            and not (100 <= status < 200)
        ):
            content_length = sum(len(x) for x in self.iter_encoded())
            headers["Content-Length"] = str(content_length)
        return headers


class App(Flask):
    """The Flask application class of amtsweg."""

    response_class = Response

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """Return `func` if it is a plain synchronous function or method, else Flask's answer."""
        target = func.__func__ if type(func) is MethodType else func
        if (
            type(target) is FunctionType
            and not target.__code__.co_flags & CO_COROUTINE
            and _COROUTINE_MARKER not in target.__dict__
        ):
            return func
        return super().ensure_sync(func)
