"""Who may open which back-office page and fire which transition: the role matrix."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from backoffice_support import csrf_token

from service.cases.models import Case
from service.cases.services import fire_transition
from service.engine import Actor
from service.extensions import db

SETUP = Actor(
    id="setup",
    kind="user",
    roles=frozenset({"case_worker", "registration_officer", "permit_officer"}),
    label="Setup",
)
ALL_ROLES = ["resident", "case_worker", "registration_officer", "permit_officer", "admin"]

PAGES = {
    # page: roles that may open it (everyone else gets 403)
    "inbox": {"case_worker", "registration_officer", "permit_officer", "admin"},
    "registration_case": {"case_worker", "registration_officer", "admin"},
    "permit_case": {"case_worker", "permit_officer", "admin"},
    "registration_dashboard": {"case_worker", "registration_officer", "admin"},
    "permit_dashboard": {"case_worker", "permit_officer", "admin"},
}


@pytest.mark.parametrize("role", ALL_ROLES)
def test_page_is_open_only_to_roles_of_its_service(
    role: str, staff: Callable[..., Any], make_case: Callable[..., Case], client_for: Any
) -> None:
    registration = make_case()
    permit = make_case("parking_permit")
    urls = {
        "inbox": "/backoffice/",
        "registration_case": f"/backoffice/cases/{registration.id}",
        "permit_case": f"/backoffice/cases/{permit.id}",
        "registration_dashboard": "/backoffice/services/residence_registration",
        "permit_dashboard": "/backoffice/services/parking_permit",
    }
    client = client_for(staff(role))
    outcome = {page: client.get(url).status_code for page, url in urls.items()}
    assert outcome == {page: 200 if role in PAGES[page] else 403 for page in urls}


def test_visitor_who_is_not_logged_in_is_sent_to_the_login(client: Any) -> None:
    response = client.get("/backoffice/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_inbox_lists_only_cases_of_the_officers_services(
    staff: Callable[..., Any], make_case: Callable[..., Case], client_for: Any
) -> None:
    registration = make_case()
    permit = make_case("parking_permit")
    page = client_for(staff("permit_officer")).get("/backoffice/").get_data(as_text=True)
    assert permit.reference in page
    assert registration.reference not in page


# transition, its service, the state it starts from, inputs, roles allowed to fire it
TRANSITIONS = [
    ("residence_registration", "start_review", [], {}, {"case_worker", "registration_officer"}),
    (
        "residence_registration",
        "request_information",
        [],
        {"message": "Bitte Ausweis nachreichen."},
        {"case_worker", "registration_officer"},
    ),
    ("residence_registration", "approve", ["start_review"], {}, {"registration_officer"}),
    (
        "residence_registration",
        "reject",
        [],
        {"reason": "Keine Wohnung."},
        {"case_worker", "registration_officer"},
    ),
    ("residence_registration", "withdraw", [], {}, set()),
    ("parking_permit", "start_review", [], {}, {"case_worker", "permit_officer"}),
    ("parking_permit", "approve", ["start_review"], {}, {"permit_officer"}),
    (
        "parking_permit",
        "reject",
        ["start_review"],
        {"reason": "Nicht in der Zone."},
        {"case_worker", "permit_officer"},
    ),
]


@pytest.mark.parametrize("role", ALL_ROLES)
def test_transition_is_fired_only_by_roles_the_workflow_names(
    role: str, staff: Callable[..., Any], make_case: Callable[..., Case], client_for: Any
) -> None:
    client = client_for(staff(role))
    token = csrf_token(client, "/backoffice/" if role != "resident" else "/")
    outcome, expected = {}, {}
    for service, transition, before, inputs, allowed in TRANSITIONS:
        case = make_case(service)
        for name in before:
            fire_transition(case, name, SETUP)
        db.session.commit()
        state_before = case.state
        form = {"csrf_token": token, "version": str(case.version)}
        form.update({f"{transition}-{k}": v for k, v in inputs.items()})
        response = client.post(f"/backoffice/cases/{case.id}/transitions/{transition}", data=form)
        db.session.expire_all()
        moved = db.session.get(Case, case.id).state != state_before
        outcome[(service, transition)] = (response.status_code, moved)
        expected[(service, transition)] = (302, True) if role in allowed else (403, False)
    assert outcome == expected


def test_refused_transition_says_why_in_the_page(
    staff: Callable[..., Any], make_case: Callable[..., Case], client_for: Any
) -> None:
    case = make_case()
    fire_transition(case, "start_review", SETUP)
    db.session.commit()
    page = client_for(staff("case_worker")).get(f"/backoffice/cases/{case.id}")
    html = page.get_data(as_text=True)
    assert (
        "Nur jemand mit der Rolle „Meldebehörde“ darf „Anmeldung bestätigen“ ausführen. "
        "Ihre Rollen in diesem Verfahren: „Sachbearbeitung“."
    ) in html
    assert 'type="submit" disabled' in html
