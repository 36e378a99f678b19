"""Roles belong to a service: a registration officer is no parking officer unless given both."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from backoffice_support import csrf_token

from service.cases.models import Case
from service.cases.services import fire_transition
from service.engine import Actor, TransitionNotAllowed
from service.engine.constants import Reason
from service.extensions import db

REGISTRATION_OFFICER = [
    "residence_registration:registration_officer",
    "residence_registration:case_worker",
]
PARKING_OFFICER = ["parking_permit:permit_officer", "parking_permit:case_worker"]


def _fire(client: Any, case: Case, transition: str) -> tuple[int, str]:
    token = csrf_token(client, "/backoffice/")
    response = client.post(
        f"/backoffice/cases/{case.id}/transitions/{transition}",
        data={"csrf_token": token, "version": str(case.version)},
    )
    db.session.expire_all()
    return response.status_code, db.session.get(Case, case.id).state


def test_a_registration_officer_cannot_see_or_act_on_a_parking_case(
    make_user: Callable[..., Any], make_case: Callable[..., Case], client_for: Any
) -> None:
    registration, parking = make_case(), make_case("parking_permit")
    officer = make_user("Olaf Meldebehörde", roles=REGISTRATION_OFFICER)
    client = client_for(officer)

    inbox = client.get("/backoffice/").get_data(as_text=True)
    assert registration.reference in inbox
    assert parking.reference not in inbox
    assert client.get(f"/backoffice/cases/{parking.id}").status_code == 403
    assert client.get("/backoffice/services/parking_permit").status_code == 403
    assert _fire(client, parking, "start_review") == (403, "submitted")
    assert _fire(client, registration, "start_review") == (302, "in_review")


def test_the_engine_refuses_a_role_held_in_another_service(
    make_user: Callable[..., Any], make_case: Callable[..., Case]
) -> None:
    parking = make_case("parking_permit")
    officer = make_user("Olaf Meldebehörde", roles=REGISTRATION_OFFICER)
    with pytest.raises(TransitionNotAllowed) as refused:
        fire_transition(parking, "start_review", Actor(**officer.as_actor_fields()))
    assert refused.value.reason == Reason.WRONG_ROLE


def test_someone_holding_roles_in_both_services_acts_on_both(
    make_user: Callable[..., Any], make_case: Callable[..., Case], client_for: Any
) -> None:
    registration, parking = make_case(), make_case("parking_permit")
    both = make_user("Petra Zweitprüferin", roles=REGISTRATION_OFFICER + PARKING_OFFICER)
    client = client_for(both)
    inbox = client.get("/backoffice/").get_data(as_text=True)
    assert registration.reference in inbox and parking.reference in inbox
    assert _fire(client, parking, "start_review") == (302, "in_review")
    assert _fire(client, parking, "approve") == (302, "approved")
    assert _fire(client, registration, "start_review") == (302, "in_review")
    assert _fire(client, registration, "approve") == (302, "approved")


def test_a_role_name_shared_by_two_workflows_counts_only_where_it_was_given(
    make_user: Callable[..., Any], make_case: Callable[..., Case], client_for: Any
) -> None:
    """`case_worker` exists in both workflows; given for parking, it opens no registration."""
    registration, parking = make_case(), make_case("parking_permit")
    worker = make_user("Clara Sachbearbeiterin", roles=["parking_permit:case_worker"])
    client = client_for(worker)
    assert client.get(f"/backoffice/cases/{registration.id}").status_code == 403
    assert _fire(client, registration, "start_review") == (403, "submitted")
    assert _fire(client, parking, "start_review") == (302, "in_review")


def test_four_eyes_second_approver_needs_the_role_in_that_service(
    make_user: Callable[..., Any], make_case: Callable[..., Case], client_for: Any
) -> None:
    """The fee waiver needs two parking officers; a registration officer is not one."""
    parking = make_case("parking_permit", waiver=True)
    first = make_user("Olaf Bewohnerparken", roles=PARKING_OFFICER)
    setup = Actor(**first.as_actor_fields())
    fire_transition(parking, "start_review", setup)
    fire_transition(parking, "propose_waiver", setup, {"reason": "Härtefall"})
    db.session.commit()
    outsider = make_user("Olaf Meldebehörde", roles=REGISTRATION_OFFICER)
    assert _fire(client_for(outsider), parking, "approve_waiver")[1] == "waiver_proposed"
    second = make_user("Petra Bewohnerparken", roles=PARKING_OFFICER)
    assert _fire(client_for(second), parking, "approve_waiver") == (302, "approved")


def test_cases_are_assigned_only_to_colleagues_with_a_role_in_that_service(
    make_user: Callable[..., Any], make_case: Callable[..., Case], client_for: Any
) -> None:
    case = make_case()
    worker = make_user("Anna Albers", roles=["residence_registration:case_worker"])
    colleague = make_user("Bernd Brandt", roles=REGISTRATION_OFFICER)
    parking = make_user("Petra Park", roles=["parking_permit:case_worker"])
    client = client_for(worker)
    page = client.get(f"/backoffice/cases/{case.id}").get_data(as_text=True)
    assert "Bernd Brandt" in page
    assert "Petra Park" not in page
    token = csrf_token(client, "/backoffice/")
    for who in (parking, colleague):
        client.post(
            "/backoffice/assign",
            data={
                "csrf_token": token,
                "case_id": [str(case.id)],
                "action": "assign",
                "assignee": str(who.id),
            },
        )
    db.session.expire_all()
    assert db.session.get(Case, case.id).assignee_id == colleague.id
