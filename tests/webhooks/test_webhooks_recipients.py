"""Who receives an event: the subscriptions that existed when it happened, and not disabled."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from service.extensions import db
from service.jobs import services as jobs
from service.webhooks.constants import DELIVER, FAN_OUT
from service.webhooks.models import Delivery
from tests.api.api_support import Receiver, auth, mint

MANAGE = ["webhooks:manage"]


def subscribe(api: FlaskClient, url: str) -> dict[str, Any]:
    response = api.post(
        "/api/v1/webhooks",
        json={"url": url, "event_types": ["case.submitted"]},
        headers=auth(mint(MANAGE)),
    )
    assert response.status_code == 201, response.json
    return dict(response.json)


def test_a_subscription_created_after_an_event_does_not_receive_it(
    api: FlaskClient, receiver: Receiver, submit: Any
) -> None:
    early = subscribe(api, receiver.url + "/early")
    before = submit().json  # its event waits in the outbox, not yet fanned out
    late = subscribe(api, receiver.url + "/late")
    after = submit().json

    jobs.drain(kinds=[FAN_OUT, DELIVER])

    got = sorted((r.path, r.json()["data"]["case_id"]) for r in receiver.requests)
    assert got == sorted(
        [
            ("/hooks/early", before["id"]),
            ("/hooks/early", after["id"]),
            ("/hooks/late", after["id"]),
        ]
    )
    late_deliveries = db.session.scalars(
        select(Delivery).where(Delivery.subscription_id == late["id"])
    ).all()
    assert len(late_deliveries) == 1
    assert early["id"] != late["id"]


def test_a_disabled_subscription_says_so(api: FlaskClient, receiver: Receiver, submit: Any) -> None:
    sub = subscribe(api, receiver.url)
    fresh = api.get(f"/api/v1/webhooks/{sub['id']}", headers=auth(mint(MANAGE))).json
    receiver.answers.append((410, {}))  # the receiver says it is gone for good
    submit()
    jobs.drain(kinds=[FAN_OUT, DELIVER])

    shown = api.get(f"/api/v1/webhooks/{sub['id']}", headers=auth(mint(MANAGE))).json
    listed = api.get("/api/v1/webhooks", headers=auth(mint(MANAGE))).json

    assert fresh["disabled"] is False
    assert shown["disabled"] is True
    assert [s["disabled"] for s in listed["items"]] == [True]
    resumed = api.post(f"/api/v1/webhooks/{sub['id']}/resume", headers=auth(mint(MANAGE)))
    assert resumed.json["disabled"] is False
