"""Administrators see every webhook subscription and its delivery log, and send again."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from backoffice_support import csrf_token
from flask import Flask
from sqlalchemy import select

from service.extensions import db
from service.jobs.models import OutboxItem
from service.webhooks.models import Delivery, Subscription


def _subscription(client_id: str, url: str) -> Subscription:
    sub = Subscription(
        client_id=client_id,
        url=url,
        event_types=["case.submitted", "case.transitioned"],
        secret_encrypted="not-read-by-these-pages",
    )
    db.session.add(sub)
    db.session.flush()
    return sub


def _delivery(sub: Subscription, n: int, status: str, code: int | None = None) -> Delivery:
    delivery = Delivery(
        subscription_id=sub.id,
        message_id=f"msg_{sub.id}_{n}",
        event_key=f"event:{n}",
        event_type="case.submitted",
        payload={"type": "case.submitted", "data": {"reference": f"WA-2026-{n:06d}"}},
        status=status,
        attempts=10 if status == "dead" else 1,
        last_status_code=code,
    )
    db.session.add(delivery)
    db.session.flush()
    return delivery


def test_the_admin_sees_subscriptions_and_sends_a_dead_delivery_again(
    app: Flask, staff: Callable[..., Any], client_for: Any
) -> None:
    register = _subscription("client:register", "https://register.example/hooks")
    portal = _subscription("client:portal", "https://portal.example/events")
    _delivery(register, 1, "succeeded", 200)
    dead = _delivery(register, 2, "dead", 503)
    _delivery(portal, 3, "failed", 500)
    db.session.commit()
    admin = client_for(staff("admin"))

    overview = admin.get("/backoffice/webhooks").get_data(as_text=True)
    assert "https://register.example/hooks" in overview
    assert "https://portal.example/events" in overview
    assert "Aufgegeben" in overview  # the dead delivery is counted as given up

    log = admin.get(f"/backoffice/webhooks/{register.id}")
    html = log.get_data(as_text=True)
    assert log.status_code == 200
    assert "WA-2026-000002" in html and "HTTP 503" in html
    assert html.count("Erneut senden") == 1  # only the delivery that did not arrive

    token = csrf_token(admin, f"/backoffice/webhooks/{register.id}")
    url = f"/backoffice/webhooks/{register.id}/deliveries/{dead.id}/redeliver"
    assert admin.post(url, data={}).status_code == 400  # no CSRF token
    sent = admin.post(url, data={"csrf_token": token}, follow_redirects=True)
    assert "Die Zustellung wird erneut gesendet." in sent.get_data(as_text=True)
    db.session.expire_all()
    again = db.session.get(Delivery, dead.id)
    assert (again.status, again.attempts) == ("pending", 0)
    assert db.session.scalars(select(OutboxItem).where(OutboxItem.kind == "webhook.deliver")).all()

    # A delivery of another subscription is not reachable through this one.
    other = f"/backoffice/webhooks/{portal.id}/deliveries/{dead.id}/redeliver"
    assert admin.post(other, data={"csrf_token": token}).status_code == 404


def test_other_staff_do_not_see_the_webhook_pages(
    app: Flask, staff: Callable[..., Any], client_for: Any
) -> None:
    sub = _subscription("client:register", "https://register.example/hooks")
    db.session.commit()
    worker = client_for(staff("case_worker"))

    assert worker.get("/backoffice/webhooks").status_code == 404
    assert worker.get(f"/backoffice/webhooks/{sub.id}").status_code == 404
    assert "/backoffice/webhooks" not in worker.get("/backoffice/").get_data(as_text=True)
