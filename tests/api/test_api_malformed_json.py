"""Malformed JSON of any kind is 400 problem+json and changes nothing, never a 500."""

from __future__ import annotations

import json

import pytest
from flask.testing import FlaskClient

from service.cases.models import Case
from service.extensions import db
from tests.api.api_support import auth, mint, submission

#: The bodies are refused before any file is looked at: no upload needed.
NO_FILE = {"id": "none", "name": "x.pdf", "content_type": "application/pdf", "size": 1}

DEEP = b"[" * 50_000 + b"]" * 50_000

BODIES = {
    "nested 50,000 deep": (DEEP, "application/json"),
    "lone surrogate": (
        json.dumps(submission(vehicle_registration=NO_FILE) | {"lang": "\ud800"}).encode("ascii"),
        "application/json",
    ),
    "surrogate in a key": (b'{"\\udfff": 1}', "application/json"),
    "surrogate escape in capitals": (b'{"service": "\\uD800"}', "application/json"),
    "nested 33 deep": (b'{"service": ' + b"[" * 32 + b"]" * 32 + b"}", "application/json"),
    "invalid UTF-8": (b'{"service": "parking_permit\xff\xfe"}', "application/json"),
    "truncated": (b'{"service": ', "application/json"),
    "wrong content type": (
        json.dumps(submission(vehicle_registration=NO_FILE)).encode(),
        "text/plain",
    ),
    "form instead of JSON": (b"service=parking_permit", "application/x-www-form-urlencoded"),
}


@pytest.mark.parametrize("kind", list(BODIES))
def test_malformed_case_submission_is_400_problem_and_opens_no_case(
    api: FlaskClient, kind: str
) -> None:
    body, content_type = BODIES[kind]

    response = api.post(
        "/api/v1/cases",
        data=body,
        headers={**auth(mint()), "Idempotency-Key": f"k-{len(kind)}", "Content-Type": content_type},
    )

    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/problem+json"
    assert response.get_json(force=True)["type"].endswith("/malformed-body")
    assert db.session.query(Case).count() == 0


def test_malformed_transition_body_is_400_problem(api: FlaskClient, submit: object) -> None:
    case_id = submit().json["id"]  # type: ignore[operator]

    response = api.post(
        f"/api/v1/cases/{case_id}/transitions",
        data=DEEP,
        headers={**auth(mint(["cases:transition"], roles=["permit_officer"]))},
        content_type="application/json",
    )

    assert (response.status_code, response.mimetype) == (400, "application/problem+json")


def test_body_nested_exactly_32_deep_is_read_and_answered_by_the_schema(
    api: FlaskClient,
) -> None:
    body = b'{"service": ' + b"[" * 31 + b"]" * 31 + b"}"

    response = api.post(
        "/api/v1/cases",
        data=body,
        headers={**auth(mint()), "Idempotency-Key": "k-32"},
        content_type="application/json",
    )

    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/problem+json"
    assert db.session.query(Case).count() == 0
