"""The back office serves a file only through the case it belongs to."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from factories import PDF
from flask import Flask
from flask.testing import FlaskClient

from service.cases.models import Case
from service.extensions import db
from tests.api.api_support import submission
from tests.conftest import add_upload


def _client_token(client: FlaskClient) -> str:
    from service.auth.services import register_api_client

    client_id, secret = register_api_client("Parkraum-Register", ["cases:write"])
    db.session.commit()
    response = client.post(
        "/dev-idp/token",
        data={"grant_type": "client_credentials", "scope": "cases:write"},
        auth=(client_id, secret),
    )
    return str(response.json["access_token"])


def test_a_file_an_integrator_uploaded_is_served_through_its_case(
    app: Flask, client: FlaskClient, staff: Callable[..., Any], client_for: Any
) -> None:
    headers = {"Authorization": f"Bearer {_client_token(client)}"}
    uploaded = client.post(
        "/api/v1/uploads",
        data={
            "service": "parking_permit",
            "field": "vehicle_registration",
            "file": (io.BytesIO(PDF), "schein.pdf"),
        },
        headers=headers,
        content_type="multipart/form-data",
    ).json
    body = submission(vehicle_registration=uploaded)
    case = client.post("/api/v1/cases", json=body, headers={**headers, "Idempotency-Key": "1"}).json

    officer = client_for(staff("permit_officer"))
    page = officer.get(f"/backoffice/cases/{case['id']}").get_data(as_text=True)
    served = officer.get(f"/backoffice/cases/{case['id']}/files/{uploaded['id']}")

    assert f"/backoffice/cases/{case['id']}/files/{uploaded['id']}" in page
    assert served.status_code == 200
    assert served.data == PDF


def test_a_case_naming_a_strangers_upload_does_not_serve_it(
    staff: Callable[..., Any],
    make_case: Callable[..., Case],
    client_for: Any,
    make_user: Callable[..., Any],
) -> None:
    """A case written before uploads were checked may name a stranger's file: not served."""
    stranger = make_user("Max Mustermann")
    theirs = add_upload(stranger, PDF, "mietvertrag.pdf", "d" * 32)
    case = make_case("parking_permit")
    case.data = {**case.data, "vehicle_registration": theirs.as_answer()}
    db.session.commit()

    officer = client_for(staff("permit_officer"))
    response = officer.get(f"/backoffice/cases/{case.id}/files/{theirs.id}")

    assert response.status_code == 404
