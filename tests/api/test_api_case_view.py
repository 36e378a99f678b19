"""One case view: the API, the back office and the portal take flags and computed values
from `cases.case_view.case_view(case, viewer, lang)`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from factories import CaseFactory, residence_registration_data
from flask.testing import FlaskClient

from service.cases.case_view import case_view
from service.cases.constants import CaseViewer
from service.cases.models import Case
from service.extensions import db
from service.rules.dates import local_today
from tests.api.api_support import auth, mint

LATE = (local_today() - timedelta(days=20)).isoformat()


def _late_registration(api: FlaskClient, token: str) -> Any:
    body = {
        "service": "residence_registration",
        "applicant": {"subject": "resident-1", "name": "Erika Mustermann"},
        "data": residence_registration_data(move_in_date=LATE),
        "lang": "de",
    }
    headers = {**auth(token), "Idempotency-Key": "late-1"}
    return api.post("/api/v1/cases", json=body, headers=headers)


def test_api_case_view_has_the_late_registration_flag(api: FlaskClient) -> None:
    token = mint(["cases:write", "cases:read"])
    created = _late_registration(api, token)
    assert created.status_code == 201, created.json
    body = api.get(f"/api/v1/cases/{created.json['id']}", headers=auth(token)).json

    assert [f["key"] for f in body["flags"]] == ["late_registration"]
    message = body["flags"][0]["message"]
    assert message["de"].startswith("Anmeldung später als zwei Wochen nach dem Einzug")
    assert message["en"].startswith("Registration later than two weeks after moving in")
    assert body["computed"] == []


def test_api_back_office_and_portal_read_the_same_case_view(api: FlaskClient) -> None:
    token = mint(["cases:write", "cases:read"])
    created = _late_registration(api, token)
    case = db.session.get(Case, created.json["id"])
    assert case is not None
    body = api.get(f"/api/v1/cases/{case.id}", headers=auth(token)).json

    for_client = case_view(case, CaseViewer.CLIENT, "de")
    assert {"computed": body["computed"], "flags": body["flags"]} == for_client.as_json()
    for_staff = case_view(case, CaseViewer.STAFF, "de")
    assert for_staff.flags == for_client.flags and for_staff.computed == for_client.computed
    # A resident sees what the case computes, not the case workers' markers.
    assert case_view(case, CaseViewer.RESIDENT, "de").flags == []


def test_openapi_documents_the_flags_message_in_both_languages(api: FlaskClient) -> None:
    schemas = api.get("/api/v1/openapi.json").json["components"]["schemas"]
    flag = schemas["Flag"]["properties"]
    assert set(flag) == {"key", "message"}
    message = flag["message"]
    if "$ref" in message:
        message = schemas[message["$ref"].rsplit("/", 1)[-1]]
    assert set(message["properties"]) == {"de", "en"}


def test_the_case_view_lists_the_transitions_in_the_back_office_order(api: FlaskClient) -> None:
    case = CaseFactory(service="parking_permit", in_review=True)
    officer = auth(mint(["cases:read"], roles=["permit_officer"]))
    body = api.get(f"/api/v1/cases/{case.id}", headers=officer).json
    assert [t["name"] for t in body["transitions"]] == [
        "approve",
        "approve_without_waiver",
        "propose_waiver",
        "request_information",
        "reject",
    ]


def test_the_service_description_lists_transitions_in_the_order_a_case_offers_them(
    api: FlaskClient,
) -> None:
    case = CaseFactory(service="parking_permit", in_review=True)
    officer = auth(mint(["cases:read"], roles=["permit_officer"]))
    described = api.get("/api/v1/services/parking_permit", headers=officer).json["transitions"]
    offered = api.get(f"/api/v1/cases/{case.id}", headers=officer).json["transitions"]

    names = [t["name"] for t in described]
    assert names.index("approve") < names.index("request_information") < names.index("reject")
    in_review = [
        t["name"] for t in described if "in_review" in t["from"] and "permit_officer" in t["roles"]
    ]
    assert in_review == [t["name"] for t in offered]


def test_a_case_without_computed_values_or_flags_reads_as_the_one_case_view(
    api: FlaskClient,
) -> None:
    """`client_view` answers such a case without building a view: the same JSON."""
    from service.cases.case_view import client_view

    token = mint(["cases:write", "cases:read"])
    body = {
        "service": "residence_registration",
        "applicant": {"subject": "resident-2", "name": "Erika Mustermann"},
        "data": residence_registration_data(),
        "lang": "de",
    }
    created = api.post("/api/v1/cases", json=body, headers={**auth(token), "Idempotency-Key": "k"})
    assert created.status_code == 201, created.json
    case = db.session.get(Case, created.json["id"])
    assert case is not None and not case.flags

    view = client_view(case)

    assert view == case_view(case, CaseViewer.CLIENT, "en").as_json() | {
        "country_names": view["country_names"]
    }
    assert view["computed"] == view["flags"] == [] and view["country_names"]
    late = _late_registration(api, token).json
    assert [f["key"] for f in client_view(db.session.get(Case, late["id"]))["flags"]] == [
        "late_registration"
    ]
