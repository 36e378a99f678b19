"""Webhooks reach a real HTTP receiver signed, retried with the same id, and never lost."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from service.extensions import db, utcnow
from service.jobs import services as jobs
from service.jobs.models import OutboxItem
from service.webhooks import services as webhooks
from service.webhooks.constants import DELIVER, FAN_OUT, MAX_ATTEMPTS
from service.webhooks.models import Delivery, Subscription
from tests.api.api_support import Receiver, auth, mint

KINDS = [FAN_OUT, DELIVER]


def subscribe(
    api: FlaskClient, receiver: Receiver, types: list[str] | None = None
) -> dict[str, Any]:
    response = api.post(
        "/api/v1/webhooks",
        json={"url": receiver.url, "event_types": types or ["case.submitted"]},
        headers=auth(mint(["webhooks:manage"])),
    )
    assert response.status_code == 201, response.json
    return response.json


def run_due() -> int:
    return jobs.drain(kinds=KINDS)


def make_due() -> None:
    """Let the clock pass: every waiting delivery is due now."""
    db.session.execute(
        update(OutboxItem).where(OutboxItem.kind == DELIVER).values(available_at=utcnow())
    )
    db.session.commit()


def only_delivery() -> Delivery:
    db.session.expire_all()
    return db.session.scalars(select(Delivery)).one()


def test_delivery_is_signed_thin_and_verifiable(
    api: FlaskClient, receiver: Receiver, submit: Any
) -> None:
    sub = subscribe(api, receiver)
    case = submit().json

    run_due()

    [request] = receiver.requests
    payload = Webhook(sub["secret"]).verify(request.body, request.headers)
    assert payload["type"] == "case.submitted"
    assert payload["data"]["case_id"] == case["id"]
    assert payload["data"]["reference"] == case["reference"]
    assert payload["data"]["links"]["self"].endswith(f"/api/v1/cases/{case['id']}")
    assert request.headers["webhook-id"].startswith("msg_")
    assert request.headers["content-type"] == "application/json"
    assert b"Erika" not in request.body and b"D-AB" not in request.body  # no personal data
    assert only_delivery().status == "succeeded"


def test_receiver_down_then_up_gets_it_with_the_same_id(
    api: FlaskClient, receiver: Receiver, submit: Any
) -> None:
    subscribe(api, receiver)
    receiver.stop()
    submit()

    run_due()  # connection refused
    first = only_delivery()
    wait = (first.next_attempt_at - first.updated_at).total_seconds()
    receiver.start()  # same port, answering 500 once
    receiver.answers.append((500, {}))
    make_due()
    run_due()
    second = only_delivery()
    wait_two = (second.next_attempt_at - second.updated_at).total_seconds()
    make_due()
    run_due()

    assert 4 <= wait <= 6  # the schedule: 5 s after the first failure (with jitter)
    assert 240 <= wait_two <= 360  # then 5 minutes
    ids = [r.headers["webhook-id"] for r in receiver.requests]
    assert len(ids) == 2 and ids[0] == ids[1] == second.message_id
    delivery = only_delivery()
    assert (delivery.status, delivery.attempts) == ("succeeded", 3)


def test_worker_killed_after_the_receiver_answered_sends_again(
    api: FlaskClient, receiver: Receiver, submit: Any, api_app: Flask
) -> None:
    subscribe(api, receiver)
    submit()
    jobs.drain(kinds=[FAN_OUT])
    worker = "doomed-worker"
    [item_id] = jobs.claim(10, worker, [DELIVER])
    delivery = only_delivery()
    # The worker posts, the receiver answers 204 ... and the worker dies before recording it.
    outcome = webhooks.send(delivery, db.session.get(Subscription, delivery.subscription_id))
    db.session.rollback()
    assert outcome.ok and len(receiver.requests) == 1

    run_due()
    assert len(receiver.requests) == 1  # its lease still holds the item
    db.session.execute(
        update(OutboxItem)
        .where(OutboxItem.id == item_id)
        .values(lease_until=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()
    run_due()

    assert len(receiver.requests) == 2
    assert receiver.requests[0].headers["webhook-id"] == receiver.requests[1].headers["webhook-id"]
    assert only_delivery().status == "succeeded"


def test_rolled_back_change_sends_no_event(api: FlaskClient, receiver: Receiver) -> None:
    from factories import parking_permit_data

    from service.auth.models import User
    from service.cases.services import submit_case
    from service.engine import Actor

    subscribe(api, receiver)
    user = User(issuer="https://idp.test", subject="s-1", name="Erika")
    db.session.add(user)
    db.session.commit()
    submit_case("parking_permit", parking_permit_data(), user.id, Actor(id=str(user.id)))
    db.session.rollback()  # the request failed after the case was flushed

    run_due()

    assert receiver.requests == []
    assert db.session.scalars(select(Delivery)).all() == []


def test_410_disables_the_subscription(api: FlaskClient, receiver: Receiver, submit: Any) -> None:
    sub = subscribe(api, receiver)
    receiver.answers.append((410, {}))
    submit()
    run_due()
    submit()
    run_due()

    assert len(receiver.requests) == 1
    listed = api.get(f"/api/v1/webhooks/{sub['id']}", headers=auth(mint(["webhooks:manage"])))
    assert listed.json["disabled_reason"]
    assert only_delivery().status == "dead"


def test_retry_after_is_honoured(api: FlaskClient, receiver: Receiver, submit: Any) -> None:
    subscribe(api, receiver)
    receiver.answers.append((503, {"Retry-After": "120"}))
    submit()

    run_due()

    delivery = only_delivery()
    item = db.session.scalars(select(OutboxItem).where(OutboxItem.kind == DELIVER)).one()
    assert delivery.status == "failed"
    assert 119 <= (delivery.next_attempt_at - delivery.updated_at).total_seconds() <= 121
    assert item.available_at >= delivery.updated_at + timedelta(seconds=119)


def test_redirects_are_failures_not_followed(
    api: FlaskClient, receiver: Receiver, submit: Any
) -> None:
    subscribe(api, receiver)
    receiver.answers.append((307, {"Location": "http://10.0.0.1/steal"}))
    submit()

    run_due()

    assert len(receiver.requests) == 1
    assert only_delivery().status == "failed"
    assert only_delivery().last_status_code == 307


def test_dead_letter_after_the_last_attempt_then_redelivery(
    api: FlaskClient, receiver: Receiver, submit: Any
) -> None:
    sub = subscribe(api, receiver)
    receiver.answers.extend([(500, {})] * MAX_ATTEMPTS)
    submit()
    run_due()
    for _ in range(MAX_ATTEMPTS - 1):
        make_due()
        run_due()
    headers = auth(mint(["webhooks:manage"]))
    log = api.get(f"/api/v1/webhooks/{sub['id']}/deliveries", headers=headers).json["items"]

    assert [d["status"] for d in log] == ["dead"]
    assert [a["status_code"] for a in log[0]["attempt_log"]] == [500] * MAX_ATTEMPTS
    assert len(receiver.requests) == MAX_ATTEMPTS

    again = api.post(
        f"/api/v1/webhooks/{sub['id']}/deliveries/{log[0]['id']}/redeliver", headers=headers
    )
    run_due()

    assert again.status_code == 202
    assert len(receiver.requests) == MAX_ATTEMPTS + 1
    assert receiver.requests[-1].headers["webhook-id"] == log[0]["webhook_id"]
    assert only_delivery().status == "succeeded"


def test_redeliver_everything_since_a_time(
    api: FlaskClient, receiver: Receiver, submit: Any
) -> None:
    sub = subscribe(api, receiver)
    receiver.answers.extend([(500, {})] * 2)
    submit()
    submit()
    run_due()
    headers = auth(mint(["webhooks:manage"]))
    since = (utcnow() - timedelta(hours=1)).isoformat().replace("+00:00", "Z")

    response = api.post(f"/api/v1/webhooks/{sub['id']}/redeliver?since={since}", headers=headers)
    run_due()

    assert response.json == {"queued": 2}
    statuses = [d.status for d in db.session.scalars(select(Delivery))]
    assert statuses == ["succeeded", "succeeded"]


def test_rotated_secret_old_and_new_both_verify_for_24_hours(
    api: FlaskClient, receiver: Receiver, submit: Any
) -> None:
    sub = subscribe(api, receiver)
    headers = auth(mint(["webhooks:manage"]))
    rotated = api.post(f"/api/v1/webhooks/{sub['id']}/rotate-secret", headers=headers).json
    submit()
    run_due()
    db.session.execute(
        update(Subscription).values(previous_valid_until=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()
    submit()
    run_due()

    during, after = receiver.requests
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != sub["secret"]
    assert Webhook(sub["secret"]).verify(during.body, during.headers)
    assert Webhook(rotated["secret"]).verify(during.body, during.headers)
    assert Webhook(rotated["secret"]).verify(after.body, after.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(sub["secret"]).verify(after.body, after.headers)


def test_paused_subscription_gets_the_events_after_resume(
    api: FlaskClient, receiver: Receiver, submit: Any
) -> None:
    sub = subscribe(api, receiver)
    headers = auth(mint(["webhooks:manage"]))
    api.post(f"/api/v1/webhooks/{sub['id']}/pause", headers=headers)
    submit()
    run_due()
    assert receiver.requests == []

    resumed = api.post(f"/api/v1/webhooks/{sub['id']}/resume", headers=headers)
    run_due()

    assert resumed.json["paused"] is False
    assert len(receiver.requests) == 1


def test_only_subscribed_event_types_are_sent(
    api: FlaskClient, receiver: Receiver, submit: Any
) -> None:
    subscribe(api, receiver, ["case.approved"])
    case_id = submit().json["id"]
    officer = auth(mint(["cases:transition"], roles=["permit_officer"]))
    for name in ("start_review", "approve"):
        api.post(f"/api/v1/cases/{case_id}/transitions", json={"transition": name}, headers=officer)

    run_due()

    assert [r.json()["type"] for r in receiver.requests] == ["case.approved"]
    assert receiver.requests[0].json()["data"]["state"] == "approved"


def test_delivery_connects_to_the_checked_address_with_the_host_name(
    api: FlaskClient, api_app: Flask, receiver: Receiver, submit: Any, monkeypatch: Any
) -> None:
    """The name is resolved once and checked; the connection goes to that very address."""
    import socket

    from service.webhooks import ssrf

    real = socket.getaddrinfo
    asked: list[str] = []

    def resolver(host: str, *args: Any, **kwargs: Any) -> Any:
        asked.append(host)
        if host == "hooks.example.test":  # a name no real DNS knows
            return real("127.0.0.1", *args, **kwargs)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(ssrf.socket, "getaddrinfo", resolver)
    api_app.config["WEBHOOK_ALLOWED_HOSTS"] = "hooks.example.test"
    response = api.post(
        "/api/v1/webhooks",
        json={
            "url": f"http://hooks.example.test:{receiver.port}/in",
            "event_types": ["case.submitted"],
        },
        headers=auth(mint(["webhooks:manage"])),
    )
    submit()

    run_due()

    assert response.status_code == 201
    [request] = receiver.requests
    assert request.path == "/in"
    assert request.headers["host"] == f"hooks.example.test:{receiver.port}"
    # Resolved when subscribing and when checking at delivery; the connection itself
    # went to the checked address and never looked the name up again.
    assert asked.count("hooks.example.test") == 2


def test_finished_deliveries_leave_the_log_after_30_days(api_app: Flask) -> None:
    from service.jobs.periodic import run_periodic
    from service.webhooks.models import DeliveryAttempt

    sub = Subscription(
        client_id="client:register",
        url="https://register.example/hooks",
        event_types=["case.submitted"],
        secret_encrypted="unused",
    )
    db.session.add(sub)
    db.session.flush()
    old = utcnow() - timedelta(days=31)
    for n, (status, when) in enumerate(
        [("succeeded", old), ("dead", old), ("failed", old), ("succeeded", utcnow())]
    ):
        delivery = Delivery(
            subscription_id=sub.id,
            message_id=f"msg_prune_{n}",
            event_key=f"event:{n}",
            event_type="case.submitted",
            payload={},
            status=status,
            updated_at=when,
        )
        db.session.add(delivery)
        db.session.flush()
        db.session.add(DeliveryAttempt(delivery_id=delivery.id, status_code=200))
    db.session.commit()

    assert run_periodic("webhook_log") == 2

    left = {d.message_id: d.status for d in db.session.scalars(select(Delivery))}
    assert left == {"msg_prune_2": "failed", "msg_prune_3": "succeeded"}  # still retrying, new
    assert len(db.session.scalars(select(DeliveryAttempt)).all()) == 2
