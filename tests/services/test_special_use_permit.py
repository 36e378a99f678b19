"""A no-parking zone for a removal van (Sondernutzung), walked by a resident, two traffic
officers and the API: cross-field date rules, a site sketch, the fee computed from days
and metres, four eyes, conditions printed on the permit, a rejection notice with reason.

The service is data only (workflows/, forms/, templates/pdf/sondernutzungserlaubnis/).
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from factories import PDF, special_use_permit_data
from flask import Flask
from flask.testing import FlaskClient
from service_walk import (
    api_case,
    api_documents,
    api_fire,
    api_submit,
    client_upload,
    computed_of,
    fill_pages,
    fire,
    logged_in,
    pdf_text,
    portal_document,
    shown,
    submit_check_page,
)
from sqlalchemy import select

from service.cases.models import Case
from service.extensions import db
from service.jobs.services import drain

SERVICE = "special_use_permit"
FROZEN = "2026-03-02 09:00"
TRAFFIC = ["special_use_permit:traffic_officer"]


def pages() -> list[tuple[str, dict[str, Any]]]:
    return [
        (
            "applicant",
            {
                "first_name": "Erika",
                "family_name": "Mustermann",
                "company": "Rhein-Umzüge GmbH",
                "email": "erika@example.org",
                "phone": "0211 1234567",
            },
        ),
        (
            "site",
            {
                "street": "Kaiserstraße",
                "house_number": "5",
                "postal_code": "40479",
                "town": "Düsseldorf",
                "length_m": "15",
                "site_sketch": (io.BytesIO(PDF), "Lageskizze.pdf"),
            },
        ),
        ("dates", {"start_date": "2026-03-12", "end_date": "2026-03-13"}),
    ]


@pytest.mark.frozen(FROZEN)
def test_two_officers_approve_and_the_permit_carries_fee_and_conditions(
    app: Flask, make_user: Any, login: Any
) -> None:
    resident = make_user("Erika Mustermann")
    tom = make_user("Tom Verkehrsbehörde", roles=TRAFFIC)
    ute = make_user("Ute Verkehrsbehörde", roles=TRAFFIC)
    portal = logged_in(app, login, resident)

    check = fill_pages(portal, SERVICE, pages())
    assert shown("Tage", "2") in check
    assert shown("Gebühr", "60,00\xa0€") in check  # 2 days x 15 m x 2,00 €
    assert "Lageskizze.pdf" in check
    submit_check_page(portal, SERVICE, check)
    case = db.session.scalar(select(Case).where(Case.service_key == SERVICE))
    assert case is not None and case.reference.startswith("SN-")
    assert case.data["site_sketch"]["name"] == "Lageskizze.pdf"
    assert shown("Gebühr", "60,00\xa0€") in portal.get(f"/cases/{case.id}").get_data(as_text=True)

    first, second = logged_in(app, login, tom), logged_in(app, login, ute)
    assert shown("Gebühr", "60,00\xa0€") in first.get(f"/backoffice/cases/{case.id}").get_data(
        as_text=True
    )
    assert fire(first, case.id, "start_review").status_code == 302
    assert fire(first, case.id, "propose_approval", note="Ort geprüft.").status_code == 302
    # Four eyes: whoever proposed cannot approve.
    fire(first, case.id, "approve", conditions="Gehweg freihalten.")
    db.session.expire_all()
    assert db.session.get(Case, case.id).state == "proposed"  # type: ignore[union-attr]
    conditions = "Gehweg 1,50 m freihalten.\nBaumscheiben nicht befahren."
    assert fire(second, case.id, "approve", conditions=conditions).status_code == 302
    db.session.expire_all()
    assert db.session.get(Case, case.id).state == "approved"  # type: ignore[union-attr]
    drain()

    page = portal.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Genehmigt" in page and "Sondernutzungserlaubnis" in page
    text = pdf_text(portal_document(portal, case.id))
    assert "Sondernutzungserlaubnis" in text and case.reference in text
    assert "Kaiserstraße 5, 40479 Düsseldorf" in text
    assert "vom 12.03.2026 bis 13.03.2026" in text and "15 m" in text
    assert "60,00 €" in text
    assert "Gehweg 1,50 m freihalten. Baumscheiben nicht befahren." in text
    assert "Ute Verkehrsbehörde Straßenverkehrsbehörde" in text and "Tom" not in text


@pytest.mark.frozen(FROZEN)
def test_special_use_through_the_api_and_the_rejection_notice_with_its_reason(
    api: FlaskClient,
) -> None:
    sketch = client_upload(SERVICE, "site_sketch", "skizze.pdf")
    data = special_use_permit_data(
        site_sketch=sketch, length_m=12.5, start_date="2026-03-09", end_date="2026-03-11"
    )
    created = api_submit(api, SERVICE, data)
    assert created.status_code == 201, created.json
    case_id = created.json["id"]
    computed = computed_of(api_case(api, case_id))
    assert computed["days"]["value"] == 3
    assert (computed["fee"]["value"], computed["fee"]["currency"]) == (7500, "EUR")

    fired = api_fire(
        api, case_id, "reject", TRAFFIC, "traffic-register", reason="Baustelle vor dem Haus."
    )
    assert fired.status_code == 200, fired.json
    assert api_case(api, case_id)["state"] == "rejected"
    [(document, pdf)] = api_documents(api, case_id)
    assert document["status"] == "issued"
    text = pdf_text(pdf)
    assert "Ablehnungsbescheid" in text and "Baustelle vor dem Haus." in text
    assert "Haltverbotszone für den Umzug" in text and "Sondernutzungen" in text


@pytest.mark.frozen(FROZEN)
def test_dates_are_checked_against_each_other_and_the_lead_time(api: FlaskClient) -> None:
    sketch = client_upload(SERVICE, "site_sketch", "skizze.pdf")

    def submit(key: str, **dates: str) -> Any:
        return api_submit(api, SERVICE, special_use_permit_data(site_sketch=sketch, **dates), key)

    backwards = submit("k-1", start_date="2026-03-12", end_date="2026-03-11")
    too_long = submit("k-2", start_date="2026-03-12", end_date="2026-03-17")
    too_soon = submit("k-3", start_date="2026-03-05", end_date="2026-03-05")

    assert [e["path"] for e in backwards.json["errors"]] == ["end_date"]
    assert "nicht vor dem ersten" in backwards.json["errors"][0]["message"]
    assert [e["path"] for e in too_long.json["errors"]] == ["end_date"]
    assert "höchstens fünf Tage" in too_long.json["errors"][0]["message"]
    assert [e["path"] for e in too_soon.json["errors"]] == ["start_date"]
    assert "frühestens der 09.03.2026" in too_soon.json["errors"][0]["message"]
