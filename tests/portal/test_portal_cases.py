"""My applications: withdrawing, documents to download, saving a page for later."""

from __future__ import annotations

import io
import re
from typing import Any

from factories import PDF
from portal_helpers import BASE, asked_case, csrf_token, open_case, person, post_form, reply_page
from sqlalchemy import select

from service.attachments.models import Upload
from service.cases.models import Case
from service.cases.services import fire_transition
from service.extensions import db
from service.jobs.services import drain
from tests.conftest import actor_for


def test_resident_withdraws_an_application_after_confirming(
    client: Any, make_user: Any, login: Any
) -> None:
    resident = make_user()
    case = open_case(resident)
    login(resident)
    detail = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Anmeldung zurückziehen" in detail
    path = f"/cases/{case.id}/actions/withdraw"
    html = client.get(path).get_data(as_text=True)
    assert "nicht rückgängig" in html
    response = client.post(path, data={"csrf_token": csrf_token(html), "state": "approved"})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Case, case.id).state == "withdrawn"  # type: ignore[union-attr]
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Zurückgezogen" in page and "Anmeldung zurückziehen" not in page


def test_confirmation_of_registration_is_offered_for_download_when_ready(
    client: Any, make_user: Any, login: Any
) -> None:
    resident = make_user("Erika Mustermann")
    officer = make_user("Olaf Meldebehörde", roles=["registration_officer"])
    case = open_case(resident)
    login(resident)
    assert "Es gibt noch keine Dokumente" in client.get(f"/cases/{case.id}").get_data(as_text=True)
    fire_transition(case, "start_review", actor_for(officer))
    fire_transition(case, "approve", actor_for(officer))
    db.session.commit()
    drain()
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Meldebestätigung" in html and "Angemeldet" in html
    link = html.split(f'href="/cases/{case.id}/documents/', 1)[1].split('"', 1)[0]
    pdf = client.get(f"/cases/{case.id}/documents/{link}")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert "Olaf" not in html


def test_save_and_come_back_later_says_until_when(client: Any, make_user: Any, login: Any) -> None:
    login(make_user())
    response = post_form(
        client, f"{BASE}/apply/people", {**person(0, "Mustermann", "Erika"), "action": "save"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'role="status"' in html
    assert "Ihre Angaben sind gespeichert" in html and 'value="Erika"' in html
    assert "Noch nicht gesendet" in client.get("/cases").get_data(as_text=True)


def test_case_page_lists_the_answers_the_resident_sent(
    client: Any, make_user: Any, login: Any
) -> None:
    resident = make_user()
    case = open_case(resident)
    login(resident)

    html = client.get(f"/cases/{case.id}").get_data(as_text=True)

    assert "Ihre Angaben" in html
    answers = html.split("Ihre Angaben", 1)[1]
    assert case.data["street"] in answers
    assert case.data["persons"][0]["family_name"] in answers
    assert "Neue Wohnung" in answers  # grouped by the form's pages


def test_a_reply_too_long_shows_the_form_again_with_the_message_beside_the_field(
    client: Any, make_user: Any, login: Any
) -> None:
    resident = make_user("Erika Mustermann")
    worker = make_user("Sabine Sachbearbeiterin", roles=["case_worker"])
    case = asked_case(resident, worker)
    login(resident)
    path, token = reply_page(client, case)

    response = client.post(path, data={"csrf_token": token, "message": "x" * 2001})

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'href="#f-message"' in html and "höchstens 2000 Zeichen" in html
    assert 'aria-invalid="true"' in html and "x" * 2001 in html
    db.session.expire_all()
    assert db.session.get(Case, case.id).state == "waiting_for_resident"  # type: ignore[union-attr]


def test_a_reply_with_refused_files_names_each_beside_the_files_and_changes_nothing(
    client: Any, make_user: Any, login: Any
) -> None:
    resident = make_user("Erika Mustermann")
    worker = make_user("Sabine Sachbearbeiterin", roles=["case_worker"])
    case = asked_case(resident, worker)
    login(resident)
    path, token = reply_page(client, case)

    response = client.post(
        path,
        data={
            "csrf_token": token,
            "message": "Hier sind sie.",
            "files": [
                (io.BytesIO(b"plain text"), "scan.pdf"),
                (io.BytesIO(PDF), "bestaetigung.pdf"),
                (io.BytesIO(b""), "leer.pdf"),
            ],
        },
        content_type="multipart/form-data",
    )

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    [beside] = re.findall(r'<p class="field-message" id="f-files-error">(.*?)</p>', html, re.S)
    assert "Bitte laden Sie eine Datei vom Typ" in beside
    assert "„leer.pdf“ ist leer" in beside
    assert 'href="#f-files"' in html and "Hier sind sie." in html
    db.session.expire_all()
    assert db.session.get(Case, case.id).state == "waiting_for_resident"  # type: ignore[union-attr]
    assert db.session.scalars(select(Upload)).all() == []
