"""The session: who is logged in, time-outs, and what each decorator lets through."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from auth_helpers import add_probe_pages
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from service.auth.accounts import purge_expired_sessions, set_disabled
from service.auth.models import UserSession
from service.auth.services import (
    AccountDisabled,
    current_actor,
    current_user,
    login_from_claims,
    safe_next,
)
from service.auth.sessions import hash_token
from service.extensions import db, utcnow


@pytest.fixture
def probed(app: Flask, client: FlaskClient) -> FlaskClient:
    """The test client of an app with the probe pages."""
    add_probe_pages(app)
    return client


def _token(client: FlaskClient) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def _age_session(client: FlaskClient, *, idle: float = 0, since_login: float = 0) -> None:
    """Move the stored session's timestamps into the past, as time passing would."""
    now = utcnow()
    db.session.execute(
        update(UserSession)
        .where(UserSession.key_hash == hash_token(_token(client)))
        .values(
            last_seen_at=now - timedelta(seconds=idle),
            created_at=now - timedelta(seconds=since_login),
        )
    )
    db.session.commit()


def _stored(client: FlaskClient) -> UserSession | None:
    db.session.expire_all()
    return db.session.get(UserSession, hash_token(_token(client)))


def test_login_required_sends_a_visitor_to_login_and_back(probed: FlaskClient) -> None:
    answer = probed.get("/probe/me?page=2")
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/login?next=%2Fprobe%2Fme%3Fpage%3D2"


def test_logged_in_resident_sees_the_page(
    probed: FlaskClient, make_user: Callable[..., Any], login: Callable[..., None]
) -> None:
    login(make_user("Erika Mustermann"))
    assert probed.get("/probe/me").get_data(as_text=True) == "hello Erika Mustermann"


def test_the_cookie_holds_only_a_random_token_and_the_server_only_its_hash(
    probed: FlaskClient, make_user: Callable[..., Any], login: Callable[..., None]
) -> None:
    user = make_user("Erika Mustermann")
    login(user)
    token = _token(probed)
    assert len(token) >= 43 and "." not in token  # not a signed cookie carrying the data
    stored = _stored(probed)
    assert stored is not None and stored.user_id == user.id
    assert db.session.get(UserSession, token) is None


def test_idle_session_expires_on_the_server(
    app: Flask, probed: FlaskClient, make_user: Callable[..., Any], login: Callable[..., None]
) -> None:
    login(make_user("Erika Mustermann"))
    minutes = app.config["SESSION_IDLE_MINUTES"]
    _age_session(probed, idle=(minutes - 1) * 60)
    assert probed.get("/probe/me").status_code == 200
    _age_session(probed, idle=(minutes + 1) * 60)
    stale = _token(probed)
    answer = probed.get("/probe/me")
    assert answer.status_code == 302
    assert db.session.get(UserSession, hash_token(stale)) is None  # gone, not just ignored
    assert probed.get_cookie("session") is None  # and the browser is told to forget it


def test_activity_keeps_the_session_alive_until_the_absolute_limit(
    app: Flask, probed: FlaskClient, make_user: Callable[..., Any], login: Callable[..., None]
) -> None:
    login(make_user("Erika Mustermann"))
    hours = app.config["SESSION_ABSOLUTE_HOURS"]
    _age_session(probed, idle=120, since_login=(hours * 3600) - 300)
    assert probed.get("/probe/me").status_code == 200
    stored = _stored(probed)
    assert stored is not None and utcnow() - stored.last_seen_at < timedelta(seconds=5)
    _age_session(probed, idle=0, since_login=(hours * 3600) + 60)
    assert probed.get("/probe/me").status_code == 302


def test_a_disabled_account_loses_its_sessions_at_once(
    probed: FlaskClient, make_user: Callable[..., Any], login: Callable[..., None]
) -> None:
    user = make_user("Clara Sachbearbeiterin", roles=["case_worker"])
    login(user)
    assert probed.get("/probe/staff").status_code == 200
    set_disabled(user, True)
    db.session.commit()
    assert probed.get("/probe/staff").status_code == 302


def test_new_roles_at_the_next_login_end_the_sessions_opened_with_the_old_ones(
    app: Flask, probed: FlaskClient, make_user: Callable[..., Any], login: Callable[..., None]
) -> None:
    user = make_user("Clara Sachbearbeiterin", roles=["case_worker"], subject="clara")
    login(user)
    assert probed.get("/probe/staff").status_code == 200
    with app.test_request_context("/auth/callback"):
        login_from_claims("https://idp.test", {"sub": "clara", "roles": ["case_worker"]})
    db.session.commit()
    assert probed.get("/probe/staff").status_code == 200  # same roles: nothing ends
    with app.test_request_context("/auth/callback"):
        login_from_claims("https://idp.test", {"sub": "clara", "roles": []})
    db.session.commit()
    assert probed.get("/probe/staff").status_code == 302


def test_a_disabled_account_cannot_log_in(app: Flask, make_user: Callable[..., Any]) -> None:
    user = make_user("Clara Sachbearbeiterin", roles=["case_worker"], subject="clara")
    set_disabled(user, True)
    db.session.commit()
    with app.test_request_context("/auth/callback"), pytest.raises(AccountDisabled):
        login_from_claims("https://idp.test", {"sub": "clara", "roles": ["case_worker"]})


def test_expired_sessions_are_purged(
    app: Flask, probed: FlaskClient, make_user: Callable[..., Any], login: Callable[..., None]
) -> None:
    login(make_user("Erika Mustermann"))
    assert purge_expired_sessions() == 0
    _age_session(probed, idle=(app.config["SESSION_IDLE_MINUTES"] + 1) * 60)
    assert purge_expired_sessions() == 1
    db.session.commit()
    assert _stored(probed) is None


def test_staff_page_is_forbidden_for_a_resident(
    probed: FlaskClient, make_user: Callable[..., Any], login: Callable[..., None]
) -> None:
    login(make_user("Erika Mustermann"))
    assert probed.get("/probe/staff").status_code == 403
    assert probed.get("/probe/registration").status_code == 403


def test_staff_page_is_open_to_staff_and_roles_are_checked(
    probed: FlaskClient, make_user: Callable[..., Any], login: Callable[..., None]
) -> None:
    login(make_user("Clara Sachbearbeiterin", roles=["case_worker"]))
    assert probed.get("/probe/staff").status_code == 200
    assert probed.get("/probe/registration").status_code == 403
    login(make_user("Olaf Meldebehörde", roles=["registration_officer", "case_worker"]))
    assert probed.get("/probe/registration").get_data(as_text=True) == "registration office"


def test_staff_page_sends_a_visitor_to_login(probed: FlaskClient) -> None:
    assert probed.get("/probe/staff").headers["Location"] == "/login?next=%2Fprobe%2Fstaff"


def test_current_actor_carries_the_users_roles(app: Flask, make_user: Callable[..., Any]) -> None:
    user = make_user("Olaf Meldebehörde", roles=["registration_officer"])
    with app.test_request_context("/"):
        assert current_actor() is None
    with app.test_request_context("/"):
        from flask import session

        session.update(user_id=user.id, auth_time=time.time())
        actor = current_actor()
        assert current_user() == user
        assert actor is not None
        assert actor.id == str(user.id)
        assert actor.roles == frozenset({"registration_officer"})


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/cases/1?tab=2", "/cases/1?tab=2"),
        ("//evil.example", None),
        ("/\\evil.example", None),
        ("https://evil.example/", None),
        ("javascript:alert(1)", None),
        ("/ok\r\nSet-Cookie: x", None),
        ("", None),
    ],
)
def test_only_local_paths_are_accepted_as_next(target: str, expected: str | None) -> None:
    assert safe_next(target) == expected


def test_an_answer_that_read_the_session_varies_on_the_cookie(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app()

    @app.get("/probe/vary")
    def vary() -> tuple[str, int, dict[str, str]]:
        return "vary", 200, {"Vary": "Accept-Language"}

    @app.get("/probe/vary-cookie")
    def vary_cookie() -> tuple[str, int, dict[str, str]]:
        return "vary", 200, {"vary": "cookie"}

    client = app.test_client()
    # Every page reads the session (who is logged in), so every answer varies on it.
    assert client.get("/probe/none").headers.getlist("Vary") == ["Cookie"]
    assert client.get("/probe/vary").headers.getlist("Vary") == ["Accept-Language, Cookie"]
    assert client.get("/probe/vary-cookie").headers.getlist("Vary") == ["cookie"]
    client.set_cookie("session", "no-such-session")
    stale = client.get("/probe/vary")
    assert stale.headers.getlist("Vary") == ["Accept-Language, Cookie"]
    assert "session=;" in stale.headers["Set-Cookie"]  # an unknown token is forgotten
