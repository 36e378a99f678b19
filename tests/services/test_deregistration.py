"""Deregistration when moving abroad (BMG §17(2)), walked by a resident, staff and the API.

The service is data only (workflows/, forms/, templates/pdf/abmeldebestaetigung/).
"""

from __future__ import annotations

from typing import Any

import pytest
from factories import deregistration_data
from flask import Flask
from flask.testing import FlaskClient
from service_walk import (
    api_case,
    api_documents,
    api_fire,
    api_submit,
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

from service.auth import people
from service.cases.models import Case
from service.engine.roles import holds
from service.extensions import db
from service.jobs.services import drain

SERVICE = "deregistration"
FROZEN = "2026-03-02 09:00"

PAGES: list[tuple[str, dict[str, Any]]] = [
    (
        "people",
        {
            "persons-0-family_name": "Mustermann",
            "persons-0-first_names": "Erika Maria",
            "persons-0-doctorate": "Dr.",
            "persons-0-birth_date": "1984-08-12",
            "persons-1-family_name": "Mustermann",
            "persons-1-first_names": "Max",
            "persons-1-birth_date": "2015-05-01",
        },
    ),
    (
        "old_flat",
        {
            "street": "Königsallee",
            "house_number": "12a",
            "postal_code": "40212",
            "town": "Düsseldorf",
            "move_out_date": "2026-02-27",
        },
    ),
    (
        "abroad",
        {
            "new_flat_in_germany": "no",
            "new_country": "AT",
            "new_address": "Stephansplatz 1\nTop 4",
            "new_postal_code": "1010",
            "new_town": "Wien",
        },
    ),
    ("contact", {"email": "erika@example.org"}),
]


@pytest.mark.frozen(FROZEN)
def test_resident_deregisters_in_the_portal_and_gets_the_confirmation(
    app: Flask, make_user: Any, login: Any
) -> None:
    resident = make_user("Erika Mustermann")
    officer = make_user("Olaf Meldebehörde", roles=["deregistration:registration_officer"])
    portal = logged_in(app, login, resident)

    check = fill_pages(portal, SERVICE, PAGES)
    assert "Aus Ihren Angaben berechnet" in check
    assert shown("Abmeldung fällig bis", "13.03.2026") in check
    assert "Österreich" in check and "Wien" in check
    confirmation = submit_check_page(portal, SERVICE, check)
    case = db.session.scalar(select(Case).where(Case.service_key == SERVICE))
    assert case is not None and case.reference.startswith("AB-") and case.reference in confirmation
    assert [p["first_names"] for p in case.data["persons"]] == ["Erika Maria", "Max"]
    assert case.data["new_country"] == "AT"
    page = portal.get(f"/cases/{case.id}").get_data(as_text=True)
    assert shown("Abmeldung fällig bis", "13.03.2026") in page

    back_office = logged_in(app, login, officer)
    staff_page = back_office.get(f"/backoffice/cases/{case.id}").get_data(as_text=True)
    assert "Berechnete Werte" in staff_page
    assert shown("Abmeldung fällig bis", "13.03.2026") in staff_page
    assert fire(back_office, case.id, "start_review").status_code == 302
    assert fire(back_office, case.id, "approve").status_code == 302
    drain()

    page = portal.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Abgemeldet" in page and "Abmeldebestätigung" in page
    text = pdf_text(portal_document(portal, case.id))
    assert "Abmeldebestätigung" in text and case.reference in text
    assert "Erika Maria" in text and "Max" in text and "12.08.1984" in text
    assert "Königsallee 12a" in text and "27.02.2026" in text
    assert "1010 Wien" in text and "Österreich" in text and " AT " not in text


@pytest.mark.frozen(FROZEN)
def test_deregistration_through_the_api_ends_with_the_confirmation(api: FlaskClient) -> None:
    created = api_submit(api, SERVICE, deregistration_data(new_country="PT", new_town="Lisboa"))
    assert created.status_code == 201, created.json
    case_id = created.json["id"]

    view = api_case(api, case_id)
    due = computed_of(view)["due_by"]
    assert (due["type"], due["value"]) == ("date", "2026-03-13")
    assert due["label"] == {"de": "Abmeldung fällig bis", "en": "Deregistration due by"}
    assert view["flags"] == []

    for transition in ("start_review", "approve"):
        fired = api_fire(
            api, case_id, transition, ["deregistration:registration_officer"], "register-system"
        )
        assert fired.status_code == 200, fired.json
    assert api_case(api, case_id)["state"] == "approved"

    [(document, pdf)] = api_documents(api, case_id)
    assert document["status"] == "issued"
    text = pdf_text(pdf)
    assert "Abmeldebestätigung" in text and "Lisboa" in text and "Portugal" in text


@pytest.mark.frozen(FROZEN)
def test_a_move_within_germany_or_to_germany_is_refused_with_the_field_named(
    api: FlaskClient,
) -> None:
    within = api_submit(api, SERVICE, deregistration_data(new_flat_in_germany=True), key="k-1")
    to_germany = api_submit(api, SERVICE, deregistration_data(new_country="DE"), key="k-2")
    too_early = api_submit(api, SERVICE, deregistration_data(move_out_date="2026-03-10"), key="k-3")

    assert within.status_code == 422
    assert [e["path"] for e in within.json["errors"]] == ["new_flat_in_germany"]
    assert "Wegzug ins Ausland" in within.json["errors"][0]["message"]
    assert [e["path"] for e in to_germany.json["errors"]] == ["new_country"]
    assert [e["path"] for e in too_early.json["errors"]] == ["move_out_date"]
    assert "höchstens der 09.03.2026" in too_early.json["errors"][0]["message"]


@pytest.mark.frozen(FROZEN)
def test_a_late_deregistration_is_accepted_and_flagged(api: FlaskClient) -> None:
    created = api_submit(api, SERVICE, deregistration_data(move_out_date="2026-01-30"))
    assert created.status_code == 201, created.json
    flags = api_case(api, created.json["id"])["flags"]
    assert [f["key"] for f in flags] == ["late_deregistration"]


@pytest.mark.frozen(FROZEN)
def test_a_rejected_deregistration_names_its_reason_in_a_rejection_notice(
    app: Flask, make_user: Any, login: Any
) -> None:
    from factories import CaseFactory

    resident = make_user("Erika Mustermann")
    case = CaseFactory(service=SERVICE, applicant=resident)
    clerk = logged_in(app, login, make_user("Clara", roles=["deregistration:case_worker"]))
    reason = "Unter dieser Anschrift ist niemand gemeldet."
    assert fire(clerk, case.id, "reject", reason=reason).status_code == 302
    drain()

    portal = logged_in(app, login, resident)
    page = portal.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Abgelehnt" in page and reason in page
    text = pdf_text(portal_document(portal, case.id))
    assert "Ablehnungsbescheid" in text and reason in text and "Abmeldung ins Ausland" in text
    assert "Sachbearbeitung" in text


def test_the_demo_registration_officers_may_deregister(app: Flask) -> None:
    for slug in ("olaf", "petra"):
        officer = people.person(slug)
        assert officer is not None and holds(officer.roles, SERVICE, "registration_officer")
    clara = people.person("clara")
    assert clara is not None and holds(clara.roles, SERVICE, "case_worker")
    assert not holds(clara.roles, SERVICE, "registration_officer")
