"""`Vary: Cookie` from the session's fast path is exactly what werkzeug's `vary.add` sends."""

from __future__ import annotations

import pytest
from flask import Response

from service.auth.session_cookies import vary_on_cookie


@pytest.mark.parametrize(
    "headers",
    [
        [],
        [("X-Request-ID", "abc"), ("Cache-Control", "no-store")],
        [("Vary", "Accept-Language"), ("X-Frame-Options", "DENY")],
        [("vary", "cookie")],
        [("Vary", "Accept, Cookie")],
        [("Vary", "Accept"), ("X-Other", "1"), ("VARY", "Origin")],
        [("Vary", "*")],
        [("Vary", "")],
    ],
)
def test_the_headers_are_those_of_werkzeugs_vary_add(headers: list[tuple[str, str]]) -> None:
    ours, werkzeugs = Response("x", headers=headers), Response("x", headers=headers)

    vary_on_cookie(ours)
    werkzeugs.vary.add("Cookie")

    assert list(ours.headers) == list(werkzeugs.headers)
    assert "cookie" in {value.lower() for value in ours.vary}


def test_without_a_vary_header_one_is_appended_after_the_others() -> None:
    response = Response("x", headers=[("X-Request-ID", "abc")])

    vary_on_cookie(response)
    vary_on_cookie(response)  # a second time changes nothing

    assert list(response.headers)[-1] == ("Vary", "Cookie")
    assert response.headers.getlist("Vary") == ["Cookie"]
