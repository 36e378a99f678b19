"""The session: who is logged in, time-outs, and what each decorator lets through."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from auth_helpers import add_probe_pages
from flask import Flask
from flask.testing import FlaskClient

from service.auth.services import current_actor, current_user, safe_next


@pytest.fixture
def probed(app: Flask, client: FlaskClient) -> FlaskClient:
    """The test client of an app with the probe pages."""
    add_probe_pages(app)
    return client


def _age_session(client: FlaskClient, *, idle: float = 0, since_login: float = 0) -> None:
    with client.session_transaction() as session:
        session["last_seen"] = time.time() - idle
        session["auth_time"] = time.time() - since_login


def test_login_required_sends_a_visitor_to_login_and_back(probed: FlaskClient) -> None:
    answer = probed.get("/probe/me?page=2")
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/login?next=%2Fprobe%2Fme%3Fpage%3D2"


def test_logged_in_resident_sees_the_page(
    probed: FlaskClient, make_user: Callable[..., Any], login: Callable[..., None]
) -> None:
    login(make_user("Erika Mustermann"))
    assert probed.get("/probe/me").get_data(as_text=True) == "hello Erika Mustermann"


def test_idle_session_expires(
    app: Flask, probed: FlaskClient, make_user: Callable[..., Any], login: Callable[..., None]
) -> None:
    login(make_user("Erika Mustermann"))
    minutes = app.config["SESSION_IDLE_MINUTES"]
    _age_session(probed, idle=(minutes - 1) * 60)
    assert probed.get("/probe/me").status_code == 200
    _age_session(probed, idle=(minutes + 1) * 60)
    assert probed.get("/probe/me").status_code == 302
    with probed.session_transaction() as session:
        assert "user_id" not in session


def test_activity_keeps_the_session_alive_until_the_absolute_limit(
    app: Flask, probed: FlaskClient, make_user: Callable[..., Any], login: Callable[..., None]
) -> None:
    login(make_user("Erika Mustermann"))
    hours = app.config["SESSION_ABSOLUTE_HOURS"]
    _age_session(probed, idle=120, since_login=(hours * 3600) - 300)
    assert probed.get("/probe/me").status_code == 200
    with probed.session_transaction() as session:
        assert time.time() - session["last_seen"] < 5  # activity was recorded
    _age_session(probed, idle=0, since_login=(hours * 3600) + 60)
    assert probed.get("/probe/me").status_code == 302


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

        session.update(user_id=user.id, auth_time=time.time(), last_seen=time.time())
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
