"""Interoperability: an independent wallet (npm libraries) against amtsweg over real HTTP.

The wallet (tests/credentials/wallet/wallet.mjs) is built from `@openid4vc/openid4vci`,
`@openid4vc/openid4vp` and `@sd-jwt/sd-jwt-vc`; it knows amtsweg only through the offer
link and PIN the portal's case page shows and the presentation request link.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from html import unescape
from pathlib import Path
from typing import Any

import pytest
import requests
from factories import parking_permit_data
from flask import Flask
from pages import csrf_token
from werkzeug.serving import make_server

from service.extensions import db
from service.rules.dates import local_today

WALLET = Path(__file__).parent / "wallet"


def _node() -> str:
    node = shutil.which("node")
    if node and (WALLET / "node_modules" / "@sd-jwt" / "sd-jwt-vc").is_dir():
        return node
    message = "needs node and `npm ci --prefix tests/credentials/wallet` (the independent wallet)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def live(make_app: Callable[..., Flask]) -> Iterator[tuple[Flask, str]]:
    app = make_app()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    app.config["BASE_URL"] = base = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield app, base
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def wallet(node: str, *args: str) -> dict[str, Any]:
    done = subprocess.run(
        [node, str(WALLET / "wallet.mjs"), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _setup(app: Flask) -> tuple[int, int, Any]:
    from service.auth.models import User
    from service.cases.services import fire_transition, submit_case
    from service.engine import Actor
    from service.transactions import ensure_definitions_synced

    with app.app_context():
        ensure_definitions_synced()
        max_ = User(issuer="https://idp.test", subject="max", name="Max Mustermann")
        olaf = User(
            issuer="https://idp.test", subject="olaf", name="Olaf", roles=["permit_officer"]
        )
        db.session.add_all([max_, olaf])
        db.session.flush()
        data = parking_permit_data(start_date=local_today().isoformat())
        case = submit_case("parking_permit", data, max_.id, Actor(**max_.as_actor_fields())).case
        fire_transition(case, "start_review", Actor(**olaf.as_actor_fields()))
        fire_transition(case, "approve", Actor(**olaf.as_actor_fields()))
        db.session.commit()
        return case.id, max_.id, Actor(**olaf.as_actor_fields())


def _browser_of(app: Flask, base: str, user_id: int) -> requests.Session:
    """Return an HTTP client holding a stored session of `user_id` (the login is tested elsewhere)."""
    from service.auth import sessions

    with app.app_context():
        cookie = sessions.issue(app, {"user_id": user_id, "auth_time": time.time()})
    browser = requests.Session()
    browser.cookies.set(app.config["SESSION_COOKIE_NAME"], cookie, domain="127.0.0.1")
    return browser


def _offer_from_case_page(browser: requests.Session, base: str, case_id: int) -> tuple[str, str]:
    page = browser.get(f"{base}/cases/{case_id}")
    assert "In Wallet speichern" in page.text
    shown = browser.post(
        f"{base}/cases/{case_id}/wallet/parking_permit", data={"csrf_token": csrf_token(page.text)}
    )
    assert shown.status_code == 200, shown.text[:500]
    link = re.search(r'id="wallet-link" class="button" href="([^"]+)"', shown.text)
    pin = re.search(r'id="wallet-pin" aria-hidden="true">(\d+)<', shown.text)
    assert link and pin
    return unescape(link.group(1)), pin.group(1)


def _request(app: Flask) -> tuple[str, str]:
    from service.credentials import services as credentials

    with app.app_context():
        made = credentials.create_request("parking_permit", ["zone"], "user:test")
        db.session.commit()
        return made.request.id, made.uri


def _result(app: Flask, request_id: str) -> dict[str, Any]:
    from service.credentials.models import PresentationRequest

    with app.app_context():
        request = db.session.get(PresentationRequest, request_id)
        assert request is not None and request.answered_at is not None
        return dict(request.result or {})


def test_independent_wallet_obtains_presents_and_is_refused_after_revocation(
    live: tuple[Flask, str], tmp_path: Path
) -> None:
    node = _node()
    app, base = live
    case_id, max_id, olaf = _setup(app)
    link, pin = _offer_from_case_page(_browser_of(app, base, max_id), base, case_id)
    state = str(tmp_path / "wallet.json")

    received = wallet(node, "receive", link, pin, state)
    claims = received["claims"]
    assert claims["vct"] == f"{base}/credentials/types/parking_permit"
    assert claims["zone"] == "a" and claims["holder_name"] == "Max Mustermann"
    assert "de-DE:Bewohnerparkausweis" in received["typeName"]

    request_id, request_link = _request(app)
    shown = wallet(node, "present", request_link, state)
    assert shown["status"] == 200
    assert sorted(shown["disclosed"]) == ["zone"]  # not the name, not the plate
    result = _result(app, request_id)
    assert result["accepted"] is True, result
    assert set(result["claims"]) == {"zone", "valid_from", "valid_until"}

    from service.cases.models import Case
    from service.cases.services import fire_transition

    with app.app_context():
        case = db.session.get(Case, case_id)
        assert case is not None
        fire_transition(case, "revoke", olaf, {"reason": "Fahrzeug abgemeldet"})
        db.session.commit()
    request_id, request_link = _request(app)
    assert wallet(node, "present", request_link, state)["status"] == 200
    result = _result(app, request_id)
    assert result["accepted"] is False and result["outcome"] == "revoked"
