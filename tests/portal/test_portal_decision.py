"""The resident's case page says what happened in words from the definition, and why."""

from __future__ import annotations

from typing import Any

from factories import CaseFactory

from service.auth.models import User
from service.extensions import db

PROMISE = "sobald ein Dokument bereitsteht"


def test_a_rejected_case_names_the_reason_and_promises_no_document(client: Any, login: Any) -> None:
    case = CaseFactory(rejected=True)
    login(db.session.get(User, case.applicant_id))

    page = " ".join(client.get(f"/cases/{case.id}").get_data(as_text=True).split())

    assert "Ihr Antrag wurde abgelehnt." in page
    assert "Begründung" in page and "Adresse existiert nicht." in page
    assert PROMISE not in page


def test_a_withdrawn_case_says_so_and_promises_no_document(client: Any, login: Any) -> None:
    case = CaseFactory(withdrawn=True)
    login(db.session.get(User, case.applicant_id))

    page = " ".join(client.get(f"/cases/{case.id}").get_data(as_text=True).split())

    assert "Sie haben Ihre Anmeldung zurückgezogen." in page
    assert PROMISE not in page
    assert "Begründung" not in page


def test_a_submitted_case_says_what_happens_next(client: Any, login: Any) -> None:
    case = CaseFactory()
    login(db.session.get(User, case.applicant_id))

    page = " ".join(client.get(f"/cases/{case.id}").get_data(as_text=True).split())

    assert "Wir prüfen Ihre Anmeldung" in page


def test_the_case_page_in_english_uses_the_english_text(client: Any, login: Any) -> None:
    case = CaseFactory(service="parking_permit", rejected=True)
    login(db.session.get(User, case.applicant_id))

    page = " ".join(
        client.get(f"/cases/{case.id}", headers={"Accept-Language": "en"})
        .get_data(as_text=True)
        .split()
    )

    assert "Your application was rejected." in page
    assert "Reason" in page and "Keine Zone." in page
