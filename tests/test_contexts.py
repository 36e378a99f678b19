"""`unproxied`: the very object behind Flask's context proxies, and the proxies' own errors."""

from __future__ import annotations

import pytest
from flask import Flask, current_app, g, request, session

from service.contexts import unproxied


def test_unproxied_returns_the_object_each_proxy_stands_for() -> None:
    app = Flask(__name__)
    with app.test_request_context("/api/v1/cases", method="POST"):
        g.marker = "set through the proxy"

        assert unproxied(current_app) is app
        assert unproxied(request).method == "POST"
        assert unproxied(request).environ is request.environ
        assert unproxied(g).marker == "set through the proxy"
        unproxied(g).other = "set directly"
        assert g.other == "set directly"
        assert unproxied(session) is session._get_current_object()  # type: ignore[attr-defined]


def test_unproxied_outside_a_request_raises_like_the_proxy() -> None:
    with pytest.raises(RuntimeError, match="outside of request context"):
        unproxied(request)
    with pytest.raises(RuntimeError, match="outside of application context"):
        unproxied(current_app)
