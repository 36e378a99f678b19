"""Webhooks over HTTPS: delivered to the vetted address, with the certificate checked.

The sender connects to the address the SSRF check resolved (so DNS cannot be switched
between check and connection) yet checks the certificate against the host name: a real
TLS receiver on loopback with a certificate from a test CA (trustme) shows both.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook

from service.extensions import db
from service.jobs import services as jobs
from service.webhooks.constants import DELIVER, FAN_OUT
from service.webhooks.models import Delivery, DeliveryAttempt
from tests.api.api_support import Receiver, api_config, auth, mint, submission
from tests.conftest import running

CITY_CA = trustme.CA()


@pytest.fixture
def ca_bundle(tmp_path: Path) -> str:
    path = tmp_path / "city-ca.pem"
    CITY_CA.cert_pem.write_to_path(str(path))
    return str(path)


def _tls_receiver(ca: trustme.CA, name: str) -> Receiver:
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(name).configure_cert(server_context)
    receiver = Receiver(tls=server_context)
    receiver.start()
    return receiver


@pytest.fixture
def https_app(make_app: Callable[..., Flask], ca_bundle: str) -> Iterator[Flask]:
    config = api_config(WEBHOOK_ALLOWED_HOSTS="localhost", WEBHOOK_CA_BUNDLE=ca_bundle)
    with running(make_app(**config)) as application:
        yield application


def _deliver_one(client: FlaskClient, url: str) -> dict[str, Any]:
    sub = client.post(
        "/api/v1/webhooks",
        json={"url": url, "event_types": ["case.submitted"]},
        headers=auth(mint(["webhooks:manage"])),
    )
    assert sub.status_code == 201, sub.json
    submitted = client.post(
        "/api/v1/cases",
        json=submission(subject="tls-1"),
        headers={**auth(mint()), "Idempotency-Key": f"tls-{url}"},
    )
    assert submitted.status_code == 201, submitted.json
    jobs.drain(kinds=[FAN_OUT, DELIVER])
    db.session.expire_all()
    return dict(sub.json)


def test_a_receiver_with_a_valid_certificate_gets_the_signed_event(https_app: Flask) -> None:
    receiver = _tls_receiver(CITY_CA, "localhost")
    try:
        sub = _deliver_one(https_app.test_client(), receiver.url)
    finally:
        receiver.stop()

    [request] = receiver.requests
    payload = Webhook(sub["secret"]).verify(request.body, request.headers)
    assert payload["type"] == "case.submitted"
    assert request.headers["host"] == f"localhost:{receiver.port}"
    assert db.session.scalars(select(Delivery.status)).one() == "succeeded"


def test_a_certificate_for_another_name_is_refused(https_app: Flask) -> None:
    receiver = _tls_receiver(CITY_CA, "other.example")
    try:
        _deliver_one(https_app.test_client(), receiver.url)
    finally:
        receiver.stop()

    assert receiver.requests == []  # nothing was sent to the impostor
    delivery = db.session.scalars(select(Delivery)).one()
    attempt = db.session.scalars(select(DeliveryAttempt)).one()
    assert (delivery.status, attempt.status_code) == ("failed", None)
    assert "SSL" in (attempt.error or "")


def test_a_certificate_from_an_unknown_ca_is_refused(https_app: Flask) -> None:
    receiver = _tls_receiver(trustme.CA(), "localhost")  # not in the city's bundle
    try:
        _deliver_one(https_app.test_client(), receiver.url)
    finally:
        receiver.stop()

    assert receiver.requests == []
    assert db.session.scalars(select(Delivery.status)).one() == "failed"
