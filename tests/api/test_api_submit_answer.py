"""The answer to a submission is serialized once: stored for replays and sent as it is.

It must be exactly what flask-smorest made of the case view before (CaseSchema's dump,
then Flask's JSON), and what a replay sends (the stored answer through the same dump).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from factories import residence_registration_data
from flask.testing import FlaskClient
from sqlalchemy import select

from service.api.models import IdempotencyRecord
from service.api.schemas import CaseSchema
from service.extensions import db
from service.rules.dates import local_today
from tests.api.api_support import auth, mint

READ_WRITE = ["cases:write", "cases:read"]


def _late_registration(api: FlaskClient, token: str, key: str) -> Any:
    """A registration with a flag (late), country answers and umlauts in its texts."""
    late = (local_today() - timedelta(days=20)).isoformat()
    body = {
        "service": "residence_registration",
        "applicant": {"subject": "resident-1", "name": "Jürgen Möller"},
        "data": residence_registration_data(move_in_date=late),
        "lang": "de",
    }
    return api.post("/api/v1/cases", json=body, headers={**auth(token), "Idempotency-Key": key})


def _answers(api: FlaskClient, submit: Any, kind: str) -> tuple[Any, Any]:
    """Submit twice with the same key: the first answer and the replay."""
    if kind == "registration":
        token = mint(READ_WRITE)
        return _late_registration(api, token, "a-1"), _late_registration(api, token, "a-1")
    token = mint(READ_WRITE if kind == "permit-read" else ["cases:write"])
    first = submit(token, key="p-1", subject="r-1", period="two_years")
    return first, submit(token, key="p-1", subject="r-1", period="two_years")


@pytest.mark.parametrize("kind", ["registration", "permit-read", "permit-write-only"])
def test_the_answer_is_the_documented_case_and_its_replay_the_same_bytes(
    api: FlaskClient, submit: Any, kind: str
) -> None:
    first, again = _answers(api, submit, kind)

    assert (first.status_code, again.status_code) == (201, 201), first.json
    assert first.mimetype == again.mimetype == "application/json"
    body = first.json
    assert CaseSchema().validate(body) == {}  # no field missing, none unknown
    assert CaseSchema().dump(body) == body  # what flask-smorest's dump would have sent
    assert again.get_data() == first.get_data()  # the replay goes through that dump
    assert first.headers["Location"] == again.headers["Location"] == body["links"]["self"]
    stored = db.session.scalars(select(IdempotencyRecord.response)).one()
    assert stored == body
    if kind == "registration":
        assert [f["key"] for f in body["flags"]] == ["late_registration"]
        assert body["country_names"]["persons"][0]["citizenship"]["code"] == "DE"
    if kind == "permit-read":
        assert [c["key"] for c in body["computed"]] == ["fee"]
    if kind == "permit-write-only":
        assert "data" not in body and "computed" not in body


def test_openapi_still_documents_the_201_as_a_case(api: FlaskClient) -> None:
    spec = api.get("/api/v1/openapi.json").json
    created = spec["paths"]["/api/v1/cases"]["post"]["responses"]["201"]
    assert created["content"]["application/json"]["schema"]["$ref"].endswith("/Case")
