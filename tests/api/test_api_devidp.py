"""End to end with the development identity provider's client-credentials grant."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from service.cases.models import AuditEvent
from service.extensions import db
from tests.api.api_support import submission


def _token(client: FlaskClient, client_id: str, secret: str, scope: str) -> str:
    response = client.post(
        "/dev-idp/token",
        data={"grant_type": "client_credentials", "scope": scope},
        auth=(client_id, secret),
    )
    assert response.status_code == 200, response.data
    return str(response.json["access_token"])


def test_a_registered_client_submits_and_acts_with_its_roles(
    app: Flask, client: FlaskClient
) -> None:
    from service.auth.services import register_api_client

    client_id, secret = register_api_client(
        "Parkraum-Register", ["cases:write", "cases:transition"], ["permit_officer"]
    )
    db.session.commit()
    token = _token(client, client_id, secret, "cases:write cases:transition")
    headers = {"Authorization": f"Bearer {token}"}

    created = client.post(
        "/api/v1/cases",
        json=submission(client_id=client_id),
        headers={**headers, "Idempotency-Key": "1"},
    )
    moved = client.post(
        f"/api/v1/cases/{created.json['id']}/transitions",
        json={"transition": "start_review"},
        headers=headers,
    )

    assert created.status_code == 201, created.json
    assert moved.status_code == 200, moved.json
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.case_id == created.json["id"])
    ).all()
    assert [e.actor_id for e in events] == [f"client:{client_id}", f"client:{client_id}"]
    assert {e.actor_label for e in events} == {"Parkraum-Register"}


def test_a_client_without_roles_gets_in_but_may_not_decide(app: Flask, client: FlaskClient) -> None:
    from service.auth.services import register_api_client

    client_id, secret = register_api_client("Portal", ["cases:read"], [])
    db.session.commit()
    token = _token(client, client_id, secret, "cases:read")

    listed = client.get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"})

    assert listed.status_code == 200
    assert listed.json == {"items": [], "next": None}
