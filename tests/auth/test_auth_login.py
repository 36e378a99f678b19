"""Logging in and out through the OIDC client against the development provider over HTTP."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from auth_helpers import LiveApp, csrf_token, follow, login_at_devidp

from service.auth.models import User
from service.extensions import db


def _start_login(live: LiveApp) -> tuple[requests.Session, str]:
    """Start a login in a fresh browser and return it with the state sent to the provider."""
    browser = requests.Session()
    start = browser.get(live.url("/login"), allow_redirects=False)
    return browser, parse_qs(urlsplit(start.headers["Location"]).query)["state"][0]


def test_login_with_code_and_pkce_creates_the_user_and_returns_to_the_page(live: LiveApp) -> None:
    browser = requests.Session()
    start = browser.get(live.url("/login?next=/probe/me"), allow_redirects=False)
    authorize = urlsplit(start.headers["Location"])
    params = parse_qs(authorize.query)
    assert authorize.path == "/dev-idp/authorize"
    assert params["code_challenge_method"] == ["S256"]
    assert params["code_challenge"] and params["state"] and params["nonce"]

    picker = follow(browser, start)
    assert "Erika Mustermann" in picker.text and "Anna Admin" in picker.text
    # Roles by title per service, not as keys.
    assert "Wohnsitzanmeldung: Meldebehörde, Sachbearbeitung" in picker.text
    assert "registration_officer" not in picker.text
    chosen = browser.post(
        picker.url,
        data={"csrf_token": csrf_token(picker.text), "person": "olaf"},
        allow_redirects=False,
    )
    done = follow(browser, chosen)
    assert done.status_code == 302
    assert done.headers["Location"] == "/probe/me"
    assert follow(browser, done).text == "hello Olaf Meldebehörde"

    with live.app.app_context():
        user = db.session.scalar(db.select(User).filter_by(subject="olaf"))
        assert user is not None
        assert user.issuer == live.base + "/dev-idp"
        assert user.email == "olaf@example.org"
        assert user.roles == [
            "deregistration:case_worker",
            "deregistration:registration_officer",
            "parking_permit:case_worker",
            "parking_permit:permit_officer",
            "residence_registration:case_worker",
            "residence_registration:registration_officer",
        ]


def test_session_cookie_is_httponly_and_samesite_lax(live: LiveApp) -> None:
    _, done = login_at_devidp(live, "erika")
    cookie = done.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_logging_in_again_keeps_one_user_per_person(live: LiveApp) -> None:
    login_at_devidp(live, "erika")
    login_at_devidp(live, "erika")
    with live.app.app_context():
        assert db.session.scalar(db.select(db.func.count(User.id))) == 1


def test_login_refuses_a_next_target_on_another_site(live: LiveApp) -> None:
    for target in ("//evil.example/x", "https://evil.example/", "/\\\\evil.example"):
        _, done = login_at_devidp(live, "erika", next_path=target)
        assert done.headers["Location"] == "/"


def test_forged_state_gives_a_clear_400_page(live: LiveApp) -> None:
    browser = requests.Session()
    browser.get(live.url("/login"), allow_redirects=False)
    forged = browser.get(live.url("/auth/callback?code=abc&state=forged"), allow_redirects=False)
    assert forged.status_code == 400
    assert "Anmeldung fehlgeschlagen" in forged.text
    english = browser.get(
        live.url("/auth/callback?code=abc&state=forged"),
        headers={"Accept-Language": "en"},
        allow_redirects=False,
    )
    assert english.status_code == 400
    assert "Login failed" in english.text


def test_replayed_callback_gives_400_and_no_second_session(live: LiveApp) -> None:
    browser = requests.Session()
    start = browser.get(live.url("/login"), allow_redirects=False)
    picker = follow(browser, start)
    chosen = browser.post(
        picker.url,
        data={"csrf_token": csrf_token(picker.text), "person": "erika"},
        allow_redirects=False,
    )
    callback_url = chosen.headers["Location"]
    assert browser.get(callback_url, allow_redirects=False).status_code == 302
    # The same code and state again, in the same browser and in a fresh one.
    assert browser.get(callback_url, allow_redirects=False).status_code == 400
    attacker = requests.Session()
    assert attacker.get(callback_url, allow_redirects=False).status_code == 400
    assert attacker.get(live.url("/probe/me"), allow_redirects=False).status_code == 302


@pytest.mark.parametrize(
    "answer",
    ["error=access_denied", "code=made-up"],
    ids=["provider_error", "unknown_code_with_a_valid_state"],
)
def test_failed_provider_answer_gives_400(live: LiveApp, answer: str) -> None:
    browser, state = _start_login(live)
    failed = browser.get(live.url(f"/auth/callback?{answer}&state={state}"), allow_redirects=False)
    assert failed.status_code == 400
    assert "Anmeldung fehlgeschlagen" in failed.text


def test_provider_refuses_an_authorization_without_pkce(live: LiveApp) -> None:
    answer = requests.get(
        live.url(
            "/dev-idp/authorize?response_type=code&client_id=amtsweg-portal&scope=openid"
            f"&redirect_uri={live.base}/auth/callback&state=s&nonce=n"
        ),
        allow_redirects=False,
    )
    assert answer.status_code == 400
    assert "PKCE" in answer.text


def test_people_picker_needs_the_csrf_token(live: LiveApp) -> None:
    browser = requests.Session()
    picker = follow(browser, browser.get(live.url("/login"), allow_redirects=False))
    refused = browser.post(picker.url, data={"person": "erika"}, allow_redirects=False)
    assert refused.status_code == 400
    assert "Location" not in refused.headers


def test_logout_ends_the_session_and_the_provider_session(live: LiveApp) -> None:
    browser, _ = login_at_devidp(live, "erika")
    assert browser.get(live.url("/probe/me")).text == "hello Erika Mustermann"

    page = browser.get(live.url("/logout"))
    out = browser.post(
        live.url("/logout"), data={"csrf_token": csrf_token(page.text)}, allow_redirects=False
    )
    end_session = urlsplit(out.headers["Location"])
    params = parse_qs(end_session.query)
    assert f"{end_session.scheme}://{end_session.netloc}{end_session.path}" == (
        live.base + "/dev-idp/logout"
    )
    assert params["post_logout_redirect_uri"] == [live.base + "/"]
    assert params["id_token_hint"]
    assert browser.get(live.url("/probe/me"), allow_redirects=False).status_code == 302

    back = follow(browser, out)
    assert back.status_code == 302
    assert back.headers["Location"] == live.base + "/"


def test_logout_needs_a_post_with_csrf_token(live: LiveApp) -> None:
    browser, _ = login_at_devidp(live, "erika")
    assert browser.post(live.url("/logout"), allow_redirects=False).status_code == 400
    assert browser.get(live.url("/probe/me")).text == "hello Erika Mustermann"


def test_unreachable_provider_gives_a_503_page_not_a_crash(serve: Callable[..., LiveApp]) -> None:
    live = serve(DEV_IDP=False, OIDC_ISSUER="http://127.0.0.1:9/nowhere")
    answer = requests.get(live.url("/login"), allow_redirects=False, timeout=20)
    assert answer.status_code == 503
    assert "Anmeldedienst ist gerade nicht erreichbar" in answer.text


def test_missing_provider_configuration_gives_503(serve: Callable[..., LiveApp]) -> None:
    live = serve(DEV_IDP=False, OIDC_ISSUER=None)
    assert requests.get(live.url("/login"), allow_redirects=False, timeout=10).status_code == 503


def test_many_abandoned_logins_do_not_overflow_the_session_cookie(live: LiveApp) -> None:
    browser = requests.Session()
    for _ in range(20):
        browser.get(live.url("/login"), allow_redirects=False)
    assert len(browser.cookies.get("session") or "") < 100  # a token, the logins stay on the server
    # The most recent login still completes.
    _, done = login_at_devidp(live, "erika", browser=browser)
    assert done.status_code == 302


def test_an_older_login_tab_returns_to_its_own_page(live: LiveApp) -> None:
    browser = requests.Session()
    first = browser.get(live.url("/login?next=/probe/staff"), allow_redirects=False)
    browser.get(live.url("/login?next=/probe/me"), allow_redirects=False)
    picker = follow(browser, first)
    chosen = browser.post(
        picker.url,
        data={"csrf_token": csrf_token(picker.text), "person": "clara"},
        allow_redirects=False,
    )
    assert follow(browser, chosen).headers["Location"] == "/probe/staff"


def _logout(live: LiveApp, browser: requests.Session) -> requests.Response:
    page = browser.get(live.url("/logout"))
    return browser.post(
        live.url("/logout"), data={"csrf_token": csrf_token(page.text)}, allow_redirects=False
    )


def test_the_old_cookie_opens_nothing_after_logout(live: LiveApp) -> None:
    # A public terminal: someone copies the cookie before the resident logs out.
    browser, _ = login_at_devidp(live, "erika")
    old = browser.cookies.get("session")
    assert browser.get(live.url("/cases"), allow_redirects=False).status_code == 200
    assert browser.get(live.url("/account/data.json"), allow_redirects=False).status_code == 200

    _logout(live, browser)

    thief = requests.Session()
    thief.cookies.set("session", old)
    for path in ("/cases", "/account/data.json", "/probe/me"):
        answer = thief.get(live.url(path), allow_redirects=False)
        assert answer.status_code == 302, path
        assert answer.headers["Location"].startswith("/login")


def test_a_login_gives_the_browser_a_new_session_token(live: LiveApp) -> None:
    # Session fixation: a token planted before the login must not become a logged-in one.
    browser = requests.Session()
    browser.get(live.url("/"))
    planted = browser.cookies.get("session")
    assert planted
    _, done = login_at_devidp(live, "erika", browser=browser)
    assert done.status_code == 302
    assert browser.cookies.get("session") != planted
    attacker = requests.Session()
    attacker.cookies.set("session", planted)
    assert attacker.get(live.url("/probe/me"), allow_redirects=False).status_code == 302
