"""Interoperability: log in against an independent, certified OpenID provider.

The provider is the npm package `oidc-provider`, started as its own process on a loopback
port (tests/auth/interop/provider.js); amtsweg knows nothing about it but its issuer URL.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from auth_helpers import LiveApp, csrf_token
from interop_provider import CLIENT_ID, CLIENT_SECRET, oidc_provider

from service.auth.models import User
from service.extensions import db

ACCOUNTS = {
    "erika": {
        "name": "Erika Mustermann",
        "email": "erika@example.org",
        "email_verified": True,
        "groups": ["/city/residents"],
    },
    "olaf": {
        "name": "Olaf Meldebehörde",
        "email": "olaf@example.org",
        "groups": ["/city/meldeamt", "/city/sachbearbeitung", "/city/kantine"],
    },
}


def _serve(serve: Callable[..., LiveApp]) -> LiveApp:
    return serve(
        DEV_IDP=False,
        OIDC_CLIENT_ID=CLIENT_ID,
        OIDC_CLIENT_SECRET=CLIENT_SECRET,
        OIDC_ROLES_CLAIM="groups",
        ROLE_MAPPING={
            "/city/meldeamt": "registration_officer",
            "/city/sachbearbeitung": "case_worker",
        },
    )


@pytest.fixture
def interop(serve: Callable[..., LiveApp], tmp_path: Path) -> Iterator[tuple[LiveApp, str]]:
    """amtsweg (without its own provider) configured against a running oidc-provider."""
    live = _serve(serve)
    with oidc_provider(live.base, ACCOUNTS, tmp_path) as issuer:
        live.app.config["OIDC_ISSUER"] = issuer
        yield live, issuer


@pytest.fixture
def interop_other_resource(
    serve: Callable[..., LiveApp], tmp_path: Path
) -> Iterator[tuple[LiveApp, str]]:
    """The same, but the provider's access tokens are for another API: userinfo refuses them."""
    live = _serve(serve)
    with oidc_provider(
        live.base, ACCOUNTS, tmp_path, access_token_resource="https://register.example/api"
    ) as issuer:
        live.app.config["OIDC_ISSUER"] = issuer
        yield live, issuer


def _login(live: LiveApp, account: str) -> tuple[requests.Session, requests.Response]:
    """Go through /login, the provider's login and consent pages, and /auth/callback."""
    browser = requests.Session()
    answer = browser.get(live.url("/login?next=/probe/me"), allow_redirects=False)
    for _ in range(15):
        if answer.is_redirect:
            target = urljoin(answer.url, answer.headers["Location"])
            if target.startswith(live.url("/auth/callback")):
                return browser, browser.get(target, allow_redirects=False)
            answer = browser.get(target, allow_redirects=False)
            continue
        assert answer.status_code == 200, answer.text[:1000]
        action = re.search(r'<form[^>]*action="([^"]+)"', answer.text)
        prompt = re.search(r'name="prompt" value="(\w+)"', answer.text)
        assert action and prompt, answer.text[:1000]
        data = {"prompt": prompt.group(1)}
        if prompt.group(1) == "login":
            data.update(login=account, password="any")
        answer = browser.post(
            urljoin(answer.url, action.group(1)), data=data, allow_redirects=False
        )
    pytest.fail("the login did not come back to amtsweg")


def test_login_against_an_independent_provider(interop: tuple[LiveApp, str]) -> None:
    live, issuer = interop
    browser, done = _login(live, "olaf")
    assert done.status_code == 302, done.text[:1000]
    assert done.headers["Location"] == "/probe/me"
    assert browser.get(live.url("/probe/me")).text == "hello Olaf Meldebehörde"
    assert browser.get(live.url("/probe/staff")).status_code == 200

    with live.app.app_context():
        user = db.session.scalar(db.select(User).filter_by(subject="olaf"))
        assert user is not None
        assert user.issuer == issuer
        assert user.email == "olaf@example.org"
        assert user.roles == ["case_worker", "registration_officer"]


def test_resident_from_an_independent_provider_is_no_staff(interop: tuple[LiveApp, str]) -> None:
    live, _ = interop
    browser, done = _login(live, "erika")
    assert done.status_code == 302
    assert browser.get(live.url("/probe/staff")).status_code == 403


def test_logout_goes_to_the_independent_providers_end_session(
    interop: tuple[LiveApp, str],
) -> None:
    live, issuer = interop
    browser, _ = _login(live, "erika")
    page = browser.get(live.url("/logout"))
    # Browsers check form-action along the logout's redirect to the provider.
    assert f"form-action 'self' {issuer};" in page.headers["Content-Security-Policy"]
    out = browser.post(
        live.url("/logout"), data={"csrf_token": csrf_token(page.text)}, allow_redirects=False
    )
    target = urlsplit(out.headers["Location"])
    assert f"{target.scheme}://{target.netloc}" == issuer
    params = parse_qs(target.query)
    assert params["id_token_hint"] and params["post_logout_redirect_uri"] == [live.url("/")]
    assert browser.get(live.url("/probe/me"), allow_redirects=False).status_code == 302


def test_login_works_when_userinfo_refuses_the_access_token(
    interop_other_resource: tuple[LiveApp, str], caplog: pytest.LogCaptureFixture
) -> None:
    # The provider's access tokens are meant for another API, so its userinfo endpoint
    # answers 401; the signed ID token still says who logged in.
    live, issuer = interop_other_resource
    browser, done = _login(live, "erika")
    assert done.status_code == 302, done.text[:1000]
    assert browser.get(live.url("/probe/me")).text == "hello Erika Mustermann"
    with live.app.app_context():
        user = db.session.scalar(db.select(User).filter_by(subject="erika"))
        assert user is not None and user.issuer == issuer
    logged = [r.getMessage() for r in caplog.records if "userinfo" in r.getMessage()]
    assert logged, "the userinfo failure is logged"
    assert not any("erika" in line or "Erika" in line for line in logged)  # no personal data
