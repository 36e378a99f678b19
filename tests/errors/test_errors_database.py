"""A locked or unreachable database is 503 with Retry-After, and /readyz says so."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask

from service import create_app
from service.cases.models import Case
from service.extensions import db
from tests.api.api_support import api_config, auth, mint, submission
from tests.conftest import base_config

#: The test's database waits 1 s for the write lock instead of 5 s.
QUICK = {"SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"timeout": 1}}}


@contextmanager
def held_by_another_writer(app: Flask) -> Iterator[None]:
    """Hold SQLite's write lock from another connection, as a long batch job would."""
    with app.app_context():
        path = db.engine.url.database
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_locked_database_is_503_with_retry_after_and_not_ready(tmp_path: Path) -> None:
    # SQLite's own write lock, whichever database the rest of the suite runs on.
    config = base_config(tmp_path) | api_config() | QUICK
    config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'locked.db'}"
    app = create_app(config)
    with app.app_context():
        db.create_all()
    client = app.test_client()
    assert client.get("/readyz").status_code == 200
    with app.app_context():
        body = submission()  # stores the client's upload the answer names
        db.session.commit()

    with held_by_another_writer(app):
        ready = client.get("/readyz")
        submitted = client.post(
            "/api/v1/cases",
            json=body,
            headers={**auth(mint()), "Idempotency-Key": "locked-1", "Accept-Language": "en"},
        )

    assert ready.status_code == 503
    assert ready.json["checks"]["database"] == "locked"
    assert submitted.status_code == 503, submitted.get_data(as_text=True)[:300]
    assert submitted.mimetype == "application/problem+json"
    assert int(submitted.headers["Retry-After"]) > 0
    assert "try again" in submitted.get_json(force=True)["detail"]
    assert client.get("/readyz").status_code == 200
    with app.app_context():
        assert db.session.query(Case).count() == 0
        db.engine.dispose()


def test_unreachable_database_is_503_on_pages_and_api_and_not_ready(tmp_path: Path) -> None:
    # A PostgreSQL server that is not there: nothing listens on port 1.
    config = base_config(tmp_path) | api_config()
    config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://amtsweg@127.0.0.1:1/amtsweg"
    app = create_app(config)
    client = app.test_client()

    ready = client.get("/readyz")
    page = client.get("/")
    api = client.get("/api/v1/cases", headers=auth(mint(["cases:read"])))

    assert (ready.status_code, ready.json["checks"]["database"]) == (503, "unreachable")
    assert page.status_code == 503
    assert "versuchen Sie es in einigen Sekunden noch einmal" in page.get_data(as_text=True)
    assert page.headers["Retry-After"]
    assert (api.status_code, api.mimetype) == (503, "application/problem+json")
    assert api.headers["Retry-After"]
    with app.app_context():
        db.engine.dispose()
