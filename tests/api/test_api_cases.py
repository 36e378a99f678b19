"""Integrators submit, read, list and move cases as themselves."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select, update

from service.api.models import IdempotencyRecord
from service.cases.models import AuditEvent, Case
from service.extensions import db, utcnow
from service.jobs.periodic import run_periodic
from tests.api.api_support import auth, client_upload, mint, submission

READ = ["cases:read"]


def test_submission_opens_a_case_and_names_the_client_in_the_audit_trail(
    api: FlaskClient, submit: Any
) -> None:
    response = submit(mint(["cases:write"]))

    assert response.status_code == 201
    body = response.json
    assert body["state"] == "submitted"
    assert body["reference"].startswith("BP-") or body["reference"]
    assert response.headers["Location"].endswith(f"/api/v1/cases/{body['id']}")
    assert "data" not in body  # cases:write alone does not read personal data back
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.case_id == body["id"])).one()
    assert (event.actor_id, event.actor_kind) == ("client:register-system", "client")
    case = db.session.get(Case, body["id"])
    assert case.submitted_by == "client:register-system"


def test_same_key_and_body_returns_the_first_response(api: FlaskClient, submit: Any) -> None:
    first = submit(key="order-42", subject="r-1")
    again = submit(key="order-42", subject="r-1")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json == first.json
    assert again.headers["Location"] == first.headers["Location"]
    assert db.session.query(Case).count() == 1


def test_an_api_case_keeps_no_hash_of_its_answers_its_key_record_has_the_requests(
    api: FlaskClient, submit: Any
) -> None:
    first = submit(key="order-41", subject="r-1")

    case = db.session.get(Case, first.json["id"])
    record = db.session.scalars(select(IdempotencyRecord)).one()
    assert case.request_hash is None
    assert len(record.request_hash) == 64
    assert submit(key="order-41", subject="r-1").json == first.json


def test_same_key_with_another_body_is_422(api: FlaskClient, submit: Any) -> None:
    submit(key="order-43", subject="r-1")
    other = submit(key="order-43", subject="r-1", licence_plate="D-XY 99")

    assert other.status_code == 422
    assert other.mimetype == "application/problem+json"
    assert db.session.query(Case).count() == 1


def test_a_used_key_wins_over_faults_in_the_new_body(api: FlaskClient, submit: Any) -> None:
    # The body is validated before the key is claimed; the key must still decide first.
    first = submit(key="order-44", subject="r-1")
    invalid = submit(key="order-44", subject="r-1", postal_code="4021")

    assert invalid.status_code == 422
    assert invalid.json["type"].endswith("/idempotency-conflict")
    assert "errors" not in invalid.json
    assert db.session.query(Case).count() == 1
    assert submit(key="order-44", subject="r-1").json == first.json


def test_keys_and_their_answers_are_deleted_after_24_hours(api: FlaskClient, submit: Any) -> None:
    """The stored answer can carry the case's data: it must not be kept for ever."""
    old = submit(key="order-45", subject="r-1", token=mint(["cases:write", "cases:read"]))
    assert "data" in old.json  # a reading client's answer holds personal data
    recent = submit(key="order-46", subject="r-1")
    db.session.execute(
        update(IdempotencyRecord)
        .where(IdempotencyRecord.key == "order-45")
        .values(created_at=utcnow() - timedelta(hours=25))
    )
    db.session.commit()

    assert run_periodic("idempotency") == 1

    keys = set(db.session.scalars(select(IdempotencyRecord.key)))
    assert keys == {"order-46"}
    assert submit(key="order-46", subject="r-1").json == recent.json  # still a replay
    # The key may be used afresh (with a new file: the first is part of the first case).
    again = submit(key="order-45", subject="r-1", vehicle_registration=client_upload())
    assert again.status_code == 201
    assert again.json["id"] != old.json["id"]
    assert db.session.query(Case).count() == 3


def test_missing_idempotency_key_is_400(api: FlaskClient) -> None:
    response = api.post("/api/v1/cases", json=submission(), headers=auth(mint()))

    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert db.session.query(Case).count() == 0


def test_invalid_data_is_422_with_field_paths(api: FlaskClient, submit: Any) -> None:
    response = submit(postal_code="4021", licence_plate="nonsense")

    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    paths = {e["path"] for e in response.json["errors"]}
    assert paths == {"postal_code", "licence_plate"}
    assert db.session.query(Case).count() == 0


def test_malformed_body_is_422_with_paths(api: FlaskClient) -> None:
    body = submission()
    del body["applicant"]["subject"]
    body["surprise"] = 1
    headers = {**auth(mint()), "Idempotency-Key": "k"}

    response = api.post("/api/v1/cases", json=body, headers=headers)

    assert response.status_code == 422
    assert {e["path"] for e in response.json["errors"]} == {"applicant.subject", "surprise"}


def test_error_messages_follow_accept_language(api: FlaskClient) -> None:
    german = api.get("/api/v1/cases/99", headers={**auth(mint(READ)), "Accept-Language": "de"})
    english = api.get("/api/v1/cases/99", headers={**auth(mint(READ)), "Accept-Language": "en"})

    assert german.status_code == english.status_code == 404
    assert english.json["detail"] == "Not found."
    assert german.json["detail"] != english.json["detail"]


def test_unknown_service_is_404(api: FlaskClient) -> None:
    body = {**submission(), "service": "no_such_service"}
    response = api.post(
        "/api/v1/cases", json=body, headers={**auth(mint()), "Idempotency-Key": "x"}
    )

    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_reading_a_case_shows_its_data_with_cases_read(api: FlaskClient, submit: Any) -> None:
    created = submit().json

    by_id = api.get(f"/api/v1/cases/{created['id']}", headers=auth(mint(READ)))
    by_reference = api.get(f"/api/v1/cases/{created['reference']}", headers=auth(mint(READ)))

    assert by_id.status_code == 200
    assert by_id.json["data"]["licence_plate"] == "D-AB 1234"
    assert by_reference.json["id"] == created["id"]


def test_other_clients_without_a_role_do_not_see_the_case(api: FlaskClient, submit: Any) -> None:
    created = submit().json
    stranger = auth(mint(READ, client_id="other-portal"))

    assert api.get(f"/api/v1/cases/{created['id']}", headers=stranger).status_code == 404
    assert api.get("/api/v1/cases", headers=stranger).json["items"] == []


def test_a_client_with_a_workflow_role_sees_the_services_cases(
    api: FlaskClient, submit: Any
) -> None:
    created = submit().json
    officer = auth(mint(READ, roles=["permit_officer"], client_id="permit-register"))

    assert api.get(f"/api/v1/cases/{created['id']}", headers=officer).status_code == 200


def _walk(api: FlaskClient, headers: dict[str, str], url: str, between: Any = None) -> list[int]:
    seen: list[int] = []
    while url:
        page = api.get(url.removeprefix("http://localhost"), headers=headers).json
        seen.extend(item["id"] for item in page["items"])
        url = page["next"]
        if between is not None:
            between()
            between = None
    return seen


def test_cursor_pagination_is_stable_under_inserts(api: FlaskClient, submit: Any) -> None:
    first = [submit().json["id"] for _ in range(5)]
    headers = auth(mint(READ))
    added: list[int] = []

    def insert_more() -> None:
        added.extend(submit().json["id"] for _ in range(2))

    seen = _walk(api, headers, "/api/v1/cases?limit=2", between=insert_more)

    assert seen == first + added  # nothing skipped, nothing twice, new ones at the end
    assert len(set(seen)) == len(seen)


def test_list_filters_by_service_state_and_time(api: FlaskClient, submit: Any) -> None:
    ids = [submit().json["id"] for _ in range(2)]
    headers = auth(mint(READ))

    assert _walk(api, headers, "/api/v1/cases?service=parking_permit&state=submitted") == ids
    assert _walk(api, headers, "/api/v1/cases?state=approved") == []
    assert _walk(api, headers, "/api/v1/cases?service=residence_registration") == []
    late = _walk(api, headers, "/api/v1/cases?updated_since=2999-01-01T00:00:00%2B00:00")
    assert late == []


def test_bad_cursor_is_422(api: FlaskClient) -> None:
    response = api.get("/api/v1/cases?cursor=bm9wZQ", headers=auth(mint(READ)))

    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert response.json["errors"] == [{"path": "cursor", "message": "Dieser Cursor ist ungültig."}]
    english = api.get(
        "/api/v1/cases?cursor=bm9wZQ", headers={**auth(mint(READ)), "Accept-Language": "en"}
    )
    assert english.status_code == 422 and english.json["detail"] == "The request is invalid."
    assert english.json["errors"] == [{"path": "cursor", "message": "This cursor is not valid."}]


def test_client_fires_transitions_with_its_roles(api: FlaskClient, submit: Any) -> None:
    created = submit().json
    case_id = created["id"]
    scopes = ["cases:transition", "cases:read"]
    officer = auth(mint(scopes, roles=["permit_officer"], client_id="permit-register"))

    started = api.post(
        f"/api/v1/cases/{case_id}/transitions",
        json={"transition": "start_review", "expected_version": created["version"]},
        headers=officer,
    )
    approved = api.post(
        f"/api/v1/cases/{case_id}/transitions", json={"transition": "approve"}, headers=officer
    )

    assert started.status_code == 200, started.json
    assert started.json["case"]["state"] == "in_review"
    assert approved.json == approved.json | {"completed": True}
    assert approved.json["case"]["state"] == "approved"
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(AuditEvent.seq)
    ).all()
    assert [(e.transition, e.actor_id) for e in events[1:]] == [
        ("start_review", "client:permit-register"),
        ("approve", "client:permit-register"),
    ]


def test_transition_refusals_are_problems(api: FlaskClient, submit: Any) -> None:
    case_id = submit().json["id"]
    url = f"/api/v1/cases/{case_id}/transitions"
    no_role = auth(mint(["cases:transition"]))  # the submitting client, without roles
    officer = auth(mint(["cases:transition"], roles=["permit_officer"]))

    wrong_role = api.post(url, json={"transition": "start_review"}, headers=no_role)
    wrong_state = api.post(url, json={"transition": "approve"}, headers=officer)
    stale = api.post(
        url, json={"transition": "start_review", "expected_version": 7}, headers=officer
    )
    missing_input = api.post(url, json={"transition": "reject"}, headers=officer)

    assert (wrong_role.status_code, wrong_role.json["reason"]) == (403, "wrong_role")
    assert (wrong_state.status_code, wrong_state.json["reason"]) == (409, "wrong_state")
    assert stale.status_code == 409
    assert missing_input.status_code == 422
    assert missing_input.json["errors"][0]["path"] == "inputs.reason"
    assert db.session.get(Case, case_id).state == "submitted"


def test_service_description_has_the_form_schema_and_transitions(api: FlaskClient) -> None:
    response = api.get("/api/v1/services/parking_permit", headers=auth(mint(READ)))

    assert response.status_code == 200
    body = response.json
    assert body["form_schema"]["properties"]["licence_plate"]["type"] == "string"
    assert {t["name"] for t in body["transitions"]} >= {"start_review", "approve", "reject"}
    assert "case.approved" in body["event_types"]
    assert api.get("/api/v1/services/nope", headers=auth(mint(READ))).status_code == 404


def test_documents_of_a_new_case_are_an_empty_list(api: FlaskClient, submit: Any) -> None:
    case_id = submit().json["id"]

    response = api.get(f"/api/v1/cases/{case_id}/documents", headers=auth(mint(READ)))
    missing = api.get(f"/api/v1/cases/{case_id}/documents/1/content", headers=auth(mint(READ)))

    assert response.status_code == 200
    assert response.json["items"] == []
    assert missing.status_code == 404


def test_case_view_says_what_the_resident_is_told_in_its_state(
    api: FlaskClient, submit: Any
) -> None:
    created = submit()
    assert created.json["state_title"] == {"de": "Eingegangen", "en": "Submitted"}
    assert created.json["state_text"]["de"].startswith("Wir haben Ihren Antrag erhalten.")
    case_id = created.json["id"]
    officer = auth(mint(["cases:transition"], roles=["permit_officer"]))
    rejected = api.post(
        f"/api/v1/cases/{case_id}/transitions",
        json={"transition": "reject", "inputs": {"reason": "Keine Hauptwohnung in der Zone."}},
        headers=officer,
    )
    assert rejected.status_code == 200, rejected.json

    view = api.get(f"/api/v1/cases/{case_id}", headers=auth(mint(READ))).json
    assert view["state_title"] == {"de": "Abgelehnt", "en": "Rejected"}
    assert view["state_text"]["en"].startswith("Your application was rejected.")
    assert "sobald" not in view["state_text"]["de"]  # no promise of a document


@pytest.mark.parametrize("key", ["", "k" * 201])
def test_an_empty_or_overlong_idempotency_key_is_422_naming_the_header_before_the_body(
    api: FlaskClient, key: str
) -> None:
    body = submission()
    del body["applicant"]["subject"]

    response = api.post(
        "/api/v1/cases", json=body, headers={**auth(mint()), "Idempotency-Key": key}
    )

    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert [e["path"] for e in response.json["errors"]] == ["Idempotency-Key"]
    assert db.session.query(Case).count() == 0


def test_an_idempotency_key_of_200_characters_is_taken(api: FlaskClient) -> None:
    headers, body = {**auth(mint()), "Idempotency-Key": "k" * 200}, submission()

    first = api.post("/api/v1/cases", json=body, headers=headers)
    again = api.post("/api/v1/cases", json=body, headers=headers)

    assert first.status_code == again.status_code == 201
    assert again.json["id"] == first.json["id"]
