""" "Kopie Ihres Antrags (PDF)": the answers as sent, for the resident and the staff only."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from factories import CaseFactory, UserFactory

from service.cases.computed import form_of
from service.forms.services import summary
from tests.backoffice.backoffice_support import FreshContextClient
from tests.documents.conftest import pdf_text


def _client(app: Any, login: Any, user: Any) -> FreshContextClient:
    c = FreshContextClient(app, app.response_class, use_cookies=True)
    login(user, on=c)
    return c


def test_resident_downloads_a_pdf_copy_of_what_they_sent(app: Any, login: Any) -> None:
    resident = UserFactory(name="Erika Mustermann")
    case = CaseFactory(applicant=resident)
    client = _client(app, login, resident)

    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f'href="/cases/{case.id}/application.pdf"' in page
    assert "Kopie Ihres Antrags (PDF)" in page
    response = client.get(f"/cases/{case.id}/application.pdf")

    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    text = pdf_text(response.data)
    assert "Kopie Ihres Antrags" in text and case.reference in text
    sent = case.submitted_at.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo("Europe/Berlin"))
    assert sent.strftime("%d.%m.%Y, %H:%M") in text
    rows = [row for _page, rows in summary(form_of(case), case.data, "de") for row in rows]
    assert len(rows) > 20
    for label, answer in rows:  # every answer the check-answers page listed, as it listed it
        assert " ".join(label.split()) in text, label
        assert " ".join(answer.split()) in text, (label, answer)


def test_nobody_else_gets_the_copy(app: Any, login: Any) -> None:
    case = CaseFactory()
    stranger = _client(app, login, UserFactory(name="Max Fremd"))
    assert stranger.get(f"/cases/{case.id}/application.pdf").status_code == 404
    anonymous = FreshContextClient(app, app.response_class, use_cookies=True)
    assert anonymous.get(f"/cases/{case.id}/application.pdf").status_code in (302, 401)
    parking_officer = _client(app, login, UserFactory(name="P", roles=["permit_officer"]))
    assert parking_officer.get(f"/backoffice/cases/{case.id}/application.pdf").status_code in (
        403,
        404,
    )


def test_staff_open_the_copy_through_the_case(app: Any, login: Any) -> None:
    case = CaseFactory()
    officer = _client(app, login, UserFactory(name="Olga", roles=["registration_officer"]))

    page = officer.get(f"/backoffice/cases/{case.id}").get_data(as_text=True)
    assert f'href="/backoffice/cases/{case.id}/application.pdf"' in page
    response = officer.get(f"/backoffice/cases/{case.id}/application.pdf")

    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    assert case.reference in text and case.data["persons"][0]["family_name"] in text
    assert officer.get(f"/cases/{case.id}/application.pdf").status_code == 404
