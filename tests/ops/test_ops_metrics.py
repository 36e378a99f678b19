"""/metrics shows the outbox backlog, request counts and cases, only to allowed networks."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from factories import residence_registration_data
from flask import Flask

from service.cases.services import submit_case
from service.extensions import db
from tests.conftest import actor_for


def _value(body: str, name: str) -> float:
    match = re.search(rf"^{re.escape(name)} ([0-9.e+-]+)$", body, re.MULTILINE)
    assert match, f"{name} not in metrics"
    return float(match.group(1))


def test_metrics_expose_the_outbox_backlog_and_cases(
    app: Flask, make_user: Callable[..., Any]
) -> None:
    client = app.test_client()
    assert _value(client.get("/metrics").text, "amtsweg_outbox_backlog") == 0

    resident = make_user("Erika Mustermann")
    submit_case(
        "residence_registration", residence_registration_data(), resident.id, actor_for(resident)
    )
    db.session.commit()
    client.get("/healthz")

    response = client.get("/metrics")
    assert response.status_code == 200
    body = response.text
    # The submission queued a webhook event, a mail and the audit log's leaf, not yet run.
    assert _value(body, "amtsweg_outbox_backlog") == 3
    assert _value(body, "amtsweg_outbox_oldest_age_seconds") >= 0
    assert 'amtsweg_outbox_items{kind="email.send",status="pending"} 1.0' in body
    assert 'amtsweg_cases{service="residence_registration",state="submitted"} 1.0' in body
    assert re.search(
        r'amtsweg_http_requests_total\{endpoint="health.healthz",method="GET",status="200"\} [1-9]',
        body,
    )
    assert 'amtsweg_http_request_duration_seconds_bucket{endpoint="health.healthz"' in body
    assert "Mustermann" not in body


def test_metrics_are_not_found_from_outside_the_allowed_networks(app: Flask) -> None:
    client = app.test_client()
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 404
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200


def test_metrics_networks_are_configurable(make_app: Callable[..., Flask]) -> None:
    app = make_app(METRICS_ALLOWED_NETWORKS="10.0.0.0/8")
    client = app.test_client()
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 404


def test_every_request_is_counted_and_timed(app: Flask) -> None:
    from prometheus_client import REGISTRY

    def counted(status: str) -> float:
        labels = {"endpoint": "health.healthz", "method": "GET", "status": status}
        return REGISTRY.get_sample_value("amtsweg_http_requests_total", labels) or 0.0

    def timed() -> float:
        labels = {"endpoint": "health.healthz"}
        return (
            REGISTRY.get_sample_value("amtsweg_http_request_duration_seconds_count", labels) or 0.0
        )

    client = app.test_client()
    before, before_timed = counted("200"), timed()
    for _ in range(3):
        assert client.get("/healthz").status_code == 200
    assert counted("200") == before + 3
    assert timed() == before_timed + 3
    assert client.head("/healthz").status_code == 200
    assert counted("200") == before + 3  # HEAD is counted under its own method


def test_a_made_up_method_adds_no_series_of_its_own(app: Flask) -> None:
    """Labels stay bounded: a client's invented methods are all counted as "other"."""
    from prometheus_client import REGISTRY

    def counted(method: str) -> float:
        labels = {"endpoint": "unmatched", "method": method, "status": "405"}
        return REGISTRY.get_sample_value("amtsweg_http_requests_total", labels) or 0.0

    client = app.test_client()
    before = counted("other")
    for method in ("XMETHOD1", "XMETHOD2"):
        assert client.open("/healthz", method=method).status_code == 405
    assert counted("XMETHOD1") == counted("XMETHOD2") == 0
    assert counted("other") == before + 2
