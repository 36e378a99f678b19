"""Fixtures of the API tests: an app trusting the test issuer, a client, tokens."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from service.extensions import db
from tests.api.api_support import Receiver, api_config


@pytest.fixture
def api_app(make_app: Callable[..., Flask]) -> Iterator[Flask]:
    """The app inside an application context, trusting the test token issuer."""
    application = make_app(**api_config())
    with application.app_context():
        from service.transactions import ensure_definitions_synced

        ensure_definitions_synced()
        yield application
        db.session.remove()


@pytest.fixture
def api(api_app: Flask) -> FlaskClient:
    """A test client of the API app."""
    return api_app.test_client()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A real HTTP webhook receiver on a free loopback port."""
    r = Receiver()
    r.start()
    yield r
    r.stop()


@pytest.fixture
def submit(api: FlaskClient) -> Callable[..., Any]:
    """Submit a parking permit case through the API and return the response."""
    from tests.api.api_support import auth, mint, submission

    counter = iter(range(1, 100_000))

    def do(token: str | None = None, key: str | None = None, **body: Any) -> Any:
        n = next(counter)
        payload = submission(subject=body.pop("subject", f"resident-{n}"), **body)
        headers = {**auth(token or mint()), "Idempotency-Key": key or f"key-{n}"}
        return api.post("/api/v1/cases", json=payload, headers=headers)

    return do
