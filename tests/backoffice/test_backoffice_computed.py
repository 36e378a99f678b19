"""A fee computed from the answers is the same in the portal, the back office and documents."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from backoffice_support import permit_data

from service.cases.services import service_for
from service.documents.models import Document
from service.documents.services import document_html
from service.drafts.models import Draft
from service.extensions import db
from service.rules.dates import local_today


def test_back_office_case_page_shows_the_fee(make_case: Any, staff: Any, client_for: Any) -> None:
    case = make_case("parking_permit", period="two_years")
    page = client_for(staff("permit_officer")).get(f"/backoffice/cases/{case.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Berechnete Werte" in html
    assert "<dt>Gebühr</dt><dd>60,00\xa0€</dd>" in html


def test_resident_sees_the_fee_on_the_case_page(
    make_case: Any, resident: Any, client_for: Any
) -> None:
    case = make_case("parking_permit")
    html = client_for(resident).get(f"/cases/{case.id}").get_data(as_text=True)
    assert "<dt>Gebühr</dt><dd>30,00\xa0€</dd>" in html


def test_check_your_answers_shows_the_fee_before_submitting(
    app: Any, resident: Any, client_for: Any
) -> None:
    db.session.add(
        Draft(
            owner_id=resident.id,
            service_key="parking_permit",
            workflow_version=app.extensions["amtsweg.definitions"].current_services[
                "parking_permit"
            ],
            form_version=app.extensions["amtsweg.definitions"].current_forms["parking_permit"],
            data=permit_data(period="two_years"),
            submit_token=secrets.token_urlsafe(16),
        )
    )
    db.session.commit()
    html = client_for(resident).get("/services/parking_permit/check").get_data(as_text=True)
    assert "Aus Ihren Angaben berechnet" in html
    assert "<dt>Gebühr</dt><dd>60,00\xa0€</dd>" in html


def test_the_permit_document_prints_the_fee(make_case: Any) -> None:
    case = make_case("parking_permit", period="two_years")
    assert service_for(case).documents[0].key == "parking_permit"
    document = Document(
        case_id=case.id, document="parking_permit", verification_code="ABCD-EFGH-IJKL"
    )
    html = document_html(case, document, datetime.now(UTC))
    assert '<th scope="row">Gebühr</th><td>60,00\xa0€</td>' in html


def test_case_page_shows_the_late_registration_flag_the_api_shows(
    make_case: Any, staff: Any, resident: Any, client_for: Any
) -> None:
    from datetime import timedelta

    case = make_case(move_in=local_today() - timedelta(days=20))
    officer = client_for(staff("registration_officer")).get(f"/backoffice/cases/{case.id}")
    html = officer.get_data(as_text=True)
    assert 'id="flags-heading"' in html
    assert "Anmeldung später als zwei Wochen nach dem Einzug" in html
    # The resident's page takes the same case view as a resident: no case workers' flags.
    mine = client_for(resident).get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Anmeldung später als zwei Wochen nach dem Einzug" not in mine
