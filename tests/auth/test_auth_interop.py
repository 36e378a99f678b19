"""Interoperability: log in against an independent, certified OpenID provider.

The provider is the npm package `oidc-provider`, started as its own process on a loopback
port (tests/auth/interop/provider.js); amtsweg knows nothing about it but its issuer URL.
"""

from __future__ import annotations

import json
import os
import re
import select
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from auth_helpers import LiveApp, csrf_token

from service.auth.models import User
from service.extensions import db

INTEROP = Path(__file__).parent / "interop"
CLIENT_ID = "amtsweg-interop"
CLIENT_SECRET = "interop-secret-for-tests"
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


def _need_node() -> str:
    node = shutil.which("node")
    if node and (INTEROP / "node_modules" / "oidc-provider").is_dir():
        return node
    message = "needs node and `npm ci --prefix tests/auth/interop` (the independent provider)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def interop(serve: Callable[..., LiveApp], tmp_path: Path) -> Iterator[tuple[LiveApp, str]]:
    """amtsweg (without its own provider) configured against a running oidc-provider."""
    node = _need_node()
    live = serve(
        DEV_IDP=False,
        OIDC_CLIENT_ID=CLIENT_ID,
        OIDC_CLIENT_SECRET=CLIENT_SECRET,
        OIDC_ROLES_CLAIM="groups",
        ROLE_MAPPING={
            "/city/meldeamt": "registration_officer",
            "/city/sachbearbeitung": "case_worker",
        },
    )
    config = tmp_path / "provider.json"
    config.write_text(
        json.dumps(
            {
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "redirect_uri": live.url("/auth/callback"),
                "post_logout_redirect_uri": live.url("/"),
                "accounts": ACCOUNTS,
            }
        )
    )
    log = tmp_path / "provider.log"
    with (
        log.open("w") as stderr,
        subprocess.Popen(
            [node, str(INTEROP / "provider.js"), str(config)],
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        ) as proc,
    ):
        try:
            assert proc.stdout is not None
            ready, _, _ = select.select([proc.stdout], [], [], 30)
            line = proc.stdout.readline() if ready else ""
            if not line:
                pytest.fail(f"oidc-provider did not start:\n{log.read_text()}")
            issuer = json.loads(line)["issuer"]
            live.app.config["OIDC_ISSUER"] = issuer
            yield live, issuer
        finally:
            proc.terminate()
            proc.wait(timeout=10)


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
    out = browser.post(
        live.url("/logout"), data={"csrf_token": csrf_token(page.text)}, allow_redirects=False
    )
    target = urlsplit(out.headers["Location"])
    assert f"{target.scheme}://{target.netloc}" == issuer
    params = parse_qs(target.query)
    assert params["id_token_hint"] and params["post_logout_redirect_uri"] == [live.url("/")]
    assert browser.get(live.url("/probe/me"), allow_redirects=False).status_code == 302
