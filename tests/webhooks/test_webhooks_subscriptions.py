"""Clients manage their own subscriptions; internal targets are refused (SSRF)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from service.extensions import db
from service.jobs import services as jobs
from service.webhooks.constants import DELIVER, FAN_OUT
from service.webhooks.models import Delivery
from tests.api.api_support import Receiver, api_config, auth, mint

MANAGE = ["webhooks:manage"]


def test_secret_is_shown_once_and_subscriptions_are_private(
    api: FlaskClient, receiver: Receiver
) -> None:
    mine = auth(mint(MANAGE, client_id="a"))
    theirs = auth(mint(MANAGE, client_id="b"))
    created = api.post(
        "/api/v1/webhooks",
        json={"url": receiver.url, "event_types": ["case.submitted", "case.approved"]},
        headers=mine,
    )
    sub_id = created.json["id"]

    listed = api.get("/api/v1/webhooks", headers=mine).json["items"]
    one = api.get(f"/api/v1/webhooks/{sub_id}", headers=mine)

    assert created.status_code == 201
    assert created.json["secret"].startswith("whsec_")
    assert [s["id"] for s in listed] == [sub_id]
    assert "secret" not in listed[0] and "secret" not in one.json
    assert api.get("/api/v1/webhooks", headers=theirs).json["items"] == []
    assert api.get(f"/api/v1/webhooks/{sub_id}", headers=theirs).status_code == 404
    assert api.delete(f"/api/v1/webhooks/{sub_id}", headers=theirs).status_code == 404
    assert api.post(f"/api/v1/webhooks/{sub_id}/pause", headers=theirs).status_code == 404
    assert api.delete(f"/api/v1/webhooks/{sub_id}", headers=mine).status_code == 204
    assert api.get(f"/api/v1/webhooks/{sub_id}", headers=mine).status_code == 404


def test_managing_webhooks_needs_the_scope(api: FlaskClient, receiver: Receiver) -> None:
    body = {"url": receiver.url, "event_types": ["case.submitted"]}

    assert api.post("/api/v1/webhooks", json=body).status_code == 401
    response = api.post("/api/v1/webhooks", json=body, headers=auth(mint(["cases:read"])))
    assert response.status_code == 403


def test_unknown_event_type_is_422(api: FlaskClient, receiver: Receiver) -> None:
    response = api.post(
        "/api/v1/webhooks",
        json={"url": receiver.url, "event_types": ["case.exploded"]},
        headers=auth(mint(MANAGE)),
    )

    assert response.status_code == 422
    assert response.json["errors"][0]["path"].startswith("event_types")


REFUSED = [
    "http://127.0.0.1:8080/hook",
    "http://10.0.0.1/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]/hook",
    "http://localhost/hook",
    "http://100.64.0.1/hook",
    "http://[fd00:ec2::254]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://0.0.0.0/hook",
]


def test_internal_targets_are_refused_at_subscription(make_app: Callable[..., Flask]) -> None:
    app = make_app(**api_config(WEBHOOK_ALLOWED_HOSTS=""))
    client = app.test_client()
    headers = auth(mint(MANAGE))

    answers = {
        url: client.post(
            "/api/v1/webhooks",
            json={"url": url, "event_types": ["case.submitted"]},
            headers=headers,
        )
        for url in REFUSED
    }

    assert {url: r.status_code for url, r in answers.items()} == dict.fromkeys(REFUSED, 422)
    for response in answers.values():
        assert response.json["errors"][0]["path"] == "url"


@pytest.mark.parametrize("url", ["ftp://example.org/x", "http://user:pw@example.org/x"])
def test_odd_urls_are_refused(api: FlaskClient, url: str) -> None:
    response = api.post(
        "/api/v1/webhooks",
        json={"url": url, "event_types": ["case.submitted"]},
        headers=auth(mint(MANAGE)),
    )

    assert response.status_code == 422


def test_https_is_required_outside_development() -> None:
    from service.webhooks.ssrf import UnsafeTarget, check_url

    with pytest.raises(UnsafeTarget):
        check_url("http://93.184.215.14/hook", {"AMTSWEG_ENV": "production"})
    assert check_url("https://93.184.215.14/hook", {"AMTSWEG_ENV": "production"}).port == 443


def test_target_is_checked_again_at_delivery(
    api: FlaskClient, api_app: Flask, receiver: Receiver, submit: Any
) -> None:
    api.post(
        "/api/v1/webhooks",
        json={"url": receiver.url, "event_types": ["case.submitted"]},
        headers=auth(mint(MANAGE)),
    )
    api_app.config["WEBHOOK_ALLOWED_HOSTS"] = ""  # the allow-list no longer names it
    submit()

    jobs.drain(kinds=[FAN_OUT, DELIVER])

    assert receiver.requests == []
    delivery = db.session.scalars(select(Delivery)).one()
    assert delivery.status == "failed"
    assert "refused" in (delivery.last_error or "")


def test_openapi_lists_the_event_types(api: FlaskClient) -> None:
    spec = api.get("/api/v1/openapi.json").json

    assert spec["components"]["schemas"]["WebhookEventType"]["enum"] == [
        "case.submitted",
        "case.transitioned",
        "case.approved",
        "case.rejected",
        "case.document_ready",
        "audit.checkpoint",
    ]
    flow = spec["components"]["securitySchemes"]["oauth2"]["flows"]["clientCredentials"]
    assert set(flow["scopes"]) == {
        "cases:read",
        "cases:write",
        "cases:transition",
        "credentials:verify",
        "webhooks:manage",
    }
    assert spec["paths"]["/api/v1/webhooks"]["post"]["security"] == [
        {"oauth2": ["webhooks:manage"]}
    ]


def test_docs_page_is_served_without_a_cdn(api: FlaskClient) -> None:
    page = api.get("/api/docs")
    script = api.get("/api/docs/init.js")
    bundle = api.get("/api/docs/assets/swagger-ui-bundle.js")
    bundle_size = len(bundle.data)
    bundle.close()

    assert page.status_code == 200 and b"/api/docs/assets/swagger-ui-bundle.js" in page.data
    assert b"http" not in page.data  # nothing from elsewhere
    assert b"/api/v1/openapi.json" in script.data
    assert bundle.status_code == 200 and bundle_size > 100_000
