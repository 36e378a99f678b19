"""A refused answer carries the message its form's definition gives for the limit."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask.testing import FlaskClient

from service.rules.dates import local_today
from tests.api.api_support import mint


def test_api_refusal_carries_the_limits_message(api: FlaskClient, submit: Any) -> None:
    late = (local_today() + timedelta(days=200)).isoformat()
    response = submit(mint(), start_date=late)
    assert response.status_code == 422
    messages = [e["message"] for e in response.json["errors"] if e["path"] == "start_date"]
    assert len(messages) == 1 and "at most three months in advance" in messages[0]
