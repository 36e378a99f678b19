"""Administrators see a person's sessions, end them, and disable accounts (ASVS V7)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from backoffice_support import csrf_token
from flask import Flask

from service.auth.models import User
from service.extensions import db


def test_the_admin_sees_a_persons_sessions_and_ends_one_of_them(
    app: Flask, staff: Callable[..., Any], client_for: Any, make_user: Callable[..., Any]
) -> None:
    erika = make_user("Erika Mustermann", email="erika@example.org")
    laptop, phone = client_for(erika), client_for(erika)
    assert laptop.get("/cases").status_code == 200
    admin = client_for(staff("admin", "Anna Admin"))

    found = admin.get("/backoffice/people?q=erika@").get_data(as_text=True)
    assert "Erika Mustermann" in found
    page = admin.get(f"/backoffice/people/{erika.id}").get_data(as_text=True)
    assert page.count(">Sitzung beenden</button>") == 2  # two devices, one button each

    token = csrf_token(admin, f"/backoffice/people/{erika.id}")
    key = page.split(f"/backoffice/people/{erika.id}/sessions/")[1].split("/end")[0]
    url = f"/backoffice/people/{erika.id}/sessions/{key}/end"
    assert admin.post(url, data={}).status_code == 400  # no CSRF token
    ended = admin.post(url, data={"csrf_token": token}, follow_redirects=True)
    assert "Die Sitzung wurde beendet." in ended.get_data(as_text=True)
    still = sorted([laptop.get("/cases").status_code, phone.get("/cases").status_code])
    assert still == [200, 302]  # exactly one device is logged out

    admin.post(f"/backoffice/people/{erika.id}/sessions/end", data={"csrf_token": token})
    assert laptop.get("/cases").status_code == 302
    assert phone.get("/cases").status_code == 302


def test_a_session_of_someone_else_cannot_be_ended_through_a_person(
    app: Flask, staff: Callable[..., Any], client_for: Any, make_user: Callable[..., Any]
) -> None:
    erika, max_ = make_user("Erika Mustermann"), make_user("Max Mustermann")
    erikas = client_for(erika)
    admin = client_for(staff("admin"))
    page = admin.get(f"/backoffice/people/{erika.id}").get_data(as_text=True)
    key = page.split(f"/backoffice/people/{erika.id}/sessions/")[1].split("/end")[0]
    token = csrf_token(admin, f"/backoffice/people/{erika.id}")
    answer = admin.post(
        f"/backoffice/people/{max_.id}/sessions/{key}/end",
        data={"csrf_token": token},
        follow_redirects=True,
    )
    assert "bereits beendet" in answer.get_data(as_text=True)
    assert erikas.get("/cases").status_code == 200


def test_disabling_a_staff_account_ends_its_sessions_and_enabling_lets_it_back(
    app: Flask, staff: Callable[..., Any], client_for: Any
) -> None:
    clara = staff("case_worker", "Clara Sachbearbeiterin")
    claras = client_for(clara)
    assert claras.get("/backoffice/").status_code == 200
    admin = client_for(staff("admin"))
    token = csrf_token(admin, f"/backoffice/people/{clara.id}")

    done = admin.post(
        f"/backoffice/people/{clara.id}/disable",
        data={"csrf_token": token, "action": "disable"},
        follow_redirects=True,
    )
    assert "Das Konto wurde gesperrt" in done.get_data(as_text=True)
    assert claras.get("/backoffice/").status_code == 302
    db.session.expire_all()
    assert db.session.get(User, clara.id).disabled_at is not None
    # A session made for her afterwards (a stolen token, a login racing the admin) is refused.
    assert client_for(clara).get("/backoffice/").status_code == 302

    admin.post(
        f"/backoffice/people/{clara.id}/disable", data={"csrf_token": token, "action": "enable"}
    )
    db.session.expire_all()
    assert db.session.get(User, clara.id).disabled_at is None
    assert client_for(clara).get("/backoffice/").status_code == 200


def test_an_admin_cannot_disable_their_own_account(
    app: Flask, staff: Callable[..., Any], client_for: Any
) -> None:
    anna = staff("admin")
    admin = client_for(anna)
    token = csrf_token(admin, f"/backoffice/people/{anna.id}")
    answer = admin.post(
        f"/backoffice/people/{anna.id}/disable",
        data={"csrf_token": token, "action": "disable"},
        follow_redirects=True,
    )
    assert "eigenes Konto" in answer.get_data(as_text=True)
    assert admin.get("/backoffice/").status_code == 200


def test_other_staff_and_residents_do_not_see_the_people_pages(
    app: Flask, staff: Callable[..., Any], client_for: Any, make_user: Callable[..., Any]
) -> None:
    erika = make_user("Erika Mustermann")
    worker = client_for(staff("case_worker"))
    for path in ("/backoffice/people", f"/backoffice/people/{erika.id}"):
        assert worker.get(path).status_code == 404
    token = csrf_token(worker)
    ended = worker.post(f"/backoffice/people/{erika.id}/sessions/end", data={"csrf_token": token})
    assert ended.status_code == 404
    assert "/backoffice/people" not in worker.get("/backoffice/").get_data(as_text=True)
    assert client_for(erika).get("/backoffice/people").status_code == 403
    assert app.test_client().get("/backoffice/people").status_code == 302


def test_without_a_search_the_admin_sees_the_staff_not_the_residents(
    app: Flask, staff: Callable[..., Any], client_for: Any, make_user: Callable[..., Any]
) -> None:
    make_user("Erika Mustermann")
    staff("case_worker", "Clara Sachbearbeiterin")
    page = client_for(staff("admin", "Anna Admin")).get("/backoffice/people").get_data(as_text=True)
    assert "Clara Sachbearbeiterin" in page and "Anna Admin" in page
    assert "Erika Mustermann" not in page
