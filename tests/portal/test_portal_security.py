"""Residents see and change only their own drafts, cases and files; every form needs CSRF."""

from __future__ import annotations

import io
import re
from typing import Any

from factories import PDF
from portal_helpers import BASE, csrf_token, open_case, person, post_form
from sqlalchemy import select

from service.attachments.models import Upload
from service.cases.models import Case
from service.cases.services import fire_transition
from service.drafts.models import Draft
from service.extensions import db
from tests.conftest import actor_for


def test_another_residents_draft_case_and_file_are_not_found(
    app: Any, client: Any, make_user: Any, login: Any
) -> None:
    erika, max_ = make_user("Erika Mustermann"), make_user("Max Mustermann")
    login(erika)
    upload = {
        "landlord_confirmation_kind": "upload",
        "landlord_confirmation_file": (io.BytesIO(PDF), "bestaetigung.pdf"),
        "action": "save",
    }
    post_form(client, f"{BASE}/apply/landlord", upload)
    post_form(
        client, f"{BASE}/apply/people", {**person(0, "Mustermann", "Erika"), "action": "save"}
    )
    draft = db.session.scalar(select(Draft).where(Draft.owner_id == erika.id))
    stored = db.session.scalar(select(Upload).where(Upload.owner_id == erika.id))
    assert draft is not None and stored is not None
    case = open_case(erika)
    assert client.get(f"/uploads/{stored.id}").status_code == 200

    other = app.test_client()
    login(max_, on=other)
    token = csrf_token(other.get("/cases").get_data(as_text=True))
    assert other.get(f"/cases/{case.id}").status_code == 404
    assert other.get(f"/cases/{case.id}/confirmation").status_code == 404
    assert other.get(f"/cases/{case.id}/actions/withdraw").status_code == 404
    assert (
        other.post(f"/cases/{case.id}/actions/withdraw", data={"csrf_token": token}).status_code
        == 404
    )
    assert other.get(f"/uploads/{stored.id}").status_code == 404
    assert other.post(f"/drafts/{draft.id}/delete", data={"csrf_token": token}).status_code == 404
    assert case.reference not in other.get("/cases").get_data(as_text=True)
    # Max's own form pages start empty: Erika's draft is not his.
    assert 'value="Erika"' not in other.get(f"{BASE}/apply/people").get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Draft, draft.id) is not None
    assert db.session.get(Case, case.id).state == "submitted"  # type: ignore[union-attr]


def test_not_logged_in_is_sent_to_the_login(client: Any) -> None:
    for path in ("/cases", f"{BASE}/apply", f"{BASE}/apply/people", f"{BASE}/check"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_post_without_csrf_token_is_refused_with_a_clear_page(
    make_app: Any, make_user: Any, login: Any
) -> None:
    strict = make_app(WTF_CSRF_ENABLED=True)
    browser = strict.test_client()
    with strict.app_context():
        user = make_user()
        login(user, on=browser)
        response = browser.post(
            f"{BASE}/apply/people", data={**person(0, "Mustermann", "Erika"), "action": "save"}
        )
        assert response.status_code == 400
        html = response.get_data(as_text=True)
        assert "Das Formular ist abgelaufen" in html and 'lang="de"' in html
        assert db.session.scalar(select(Draft)) is None
        forged = browser.post(
            f"{BASE}/apply/people", data={"csrf_token": "forged", "action": "save"}
        )
        assert forged.status_code == 400


def test_reply_to_a_question_with_text_and_file_ignores_state_and_owner_in_the_body(
    app: Any, client: Any, make_user: Any, login: Any
) -> None:
    resident = make_user("Erika Mustermann")
    worker = make_user("Sabine Sachbearbeiterin", roles=["case_worker"])
    intruder = make_user("Max Mustermann")
    case = open_case(resident)
    fire_transition(
        case,
        "request_information",
        actor_for(worker),
        {"message": "Bitte senden Sie die Wohnungsgeberbestätigung."},
    )
    db.session.commit()

    login(resident)
    detail = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Bitte senden Sie die Wohnungsgeberbestätigung." in detail
    assert "Rückfrage offen" in detail and "Sabine" not in detail
    assert f"/cases/{case.id}/actions/provide_information" in detail

    path = f"/cases/{case.id}/actions/provide_information"
    html = client.get(path).get_data(as_text=True)
    assert "Bitte senden Sie die Wohnungsgeberbestätigung." in html
    forged = client.post(
        path,
        data={
            "csrf_token": csrf_token(html),
            "message": "Hier ist sie.",
            "files": (io.BytesIO(b"plain text"), "scan.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert forged.status_code == 200 and 'href="#f-files"' in forged.get_data(as_text=True)
    response = client.post(
        path,
        data={
            "csrf_token": csrf_token(html),
            "message": "Hier ist sie.",
            "files": (io.BytesIO(PDF), "bestaetigung.pdf"),
            "state": "approved",
            "applicant_id": str(intruder.id),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case is not None and case.state == "in_review" and case.applicant_id == resident.id
    files = db.session.scalars(select(Upload).where(Upload.case_id == case.id)).all()
    assert [f.original_name for f in files] == ["bestaetigung.pdf"]
    detail = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Hier ist sie." in detail and "Ihre Nachricht" in detail
    assert re.search(r"In Bearbeitung", detail)
    # Nothing more for the resident to answer now.
    assert client.get(path).status_code == 404
