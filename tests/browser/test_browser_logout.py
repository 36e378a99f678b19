"""Logging out at a public terminal, in Chromium, with an independent OpenID provider.

The resident logs in through `oidc-provider` (tests/auth/interop), logs out, and the
browser follows the redirect to the provider's end-session endpoint (the page's CSP
allows forms to go on to the provider). Whoever copied the cookie before gets nothing:
the session ended on the server.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from browser_support import Checker, LiveServer, axe_source, browser
from flask import Flask
from werkzeug.serving import make_server

from tests.auth.interop_provider import CLIENT_ID, CLIENT_SECRET, oidc_provider

__all__ = ["axe_source", "browser"]

pytestmark = pytest.mark.browser

ACCOUNTS = {"erika": {"name": "Erika Mustermann", "email": "erika@example.org"}}


@pytest.fixture
def external_login(make_app: Callable[..., Flask], tmp_path: Path) -> Iterator[LiveServer]:
    """amtsweg served on loopback, logging in through a running oidc-provider."""
    app = make_app(DEV_IDP=False, OIDC_CLIENT_ID=CLIENT_ID, OIDC_CLIENT_SECRET=CLIENT_SECRET)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["BASE_URL"] = url
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        with oidc_provider(url, ACCOUNTS, tmp_path) as issuer:
            app.config["OIDC_ISSUER"] = issuer
            yield LiveServer(app, url, server, thread)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def _session_cookie(context: Any, server: LiveServer) -> dict[str, Any]:
    [cookie] = [c for c in context.cookies(server.url) if c["name"] == "session"]
    return dict(cookie)


def test_logout_at_the_provider_ends_the_session_for_good(
    browser: Any, axe_source: str, external_login: LiveServer
) -> None:
    server = external_login
    issuer = str(server.app.config["OIDC_ISSUER"])
    context = browser.new_context(locale="de-DE")
    page = context.new_page()
    checker = Checker(page, axe_source)

    page.goto(f"{server.url}/login?next=/cases")
    page.fill("input[name=login]", "erika")
    page.fill("input[name=password]", "any")
    page.click("button[type=submit]")
    page.click("button[type=submit]")  # the provider's consent: Continue
    page.wait_for_url(f"{server.url}/cases")
    old = _session_cookie(context, server)

    page.goto(f"{server.url}/logout")
    checker.check("the logout page")
    page.click("main button[type=submit]")
    # The browser really goes on to the provider (a CSP violation would stop it here).
    page.wait_for_url(f"{issuer}/**")
    page.click("button[name=logout]")  # the provider's own "Yes, sign me out"
    page.wait_for_url(f"{server.url}/")
    assert checker.csp_violations == []
    # The home page may give a visitor a new session (for its forms), never the old one.
    assert old["value"] not in [c["value"] for c in context.cookies(server.url)]

    # Someone who copied the cookie before the logout opens nothing with it.
    thief = browser.new_context()
    thief.add_cookies([{**old, "expires": -1}])
    stolen = thief.new_page()
    stolen.goto(f"{server.url}/cases")
    assert not stolen.url.startswith(f"{server.url}/cases")
    plain = requests.get(
        f"{server.url}/cases", cookies={"session": old["value"]}, allow_redirects=False, timeout=10
    )
    assert plain.status_code == 302 and plain.headers["Location"].startswith("/login")
    thief.close()
    context.close()
