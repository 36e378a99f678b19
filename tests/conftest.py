"""Shared fixtures: an app with a fresh database per test, users, actors and cases.

SQLite (a file in the test's temporary folder) by default; PostgreSQL when
`AMTSWEG_TEST_DATABASE_URL` is set (tables created once, emptied after each test).
With `CI` set, a test that needs a service which is not configured fails instead of
being skipped.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import freezegun
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from service import create_app
from service.engine import Actor
from service.extensions import db

# pytest's own clock stays real while a test's time is frozen, so `--durations` reports
# real seconds.
freezegun.configure(extend_ignore_list=["_pytest.timing"])


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    """Run a test marked `@pytest.mark.frozen("2026-03-02 09:00")` at that fixed time.

    The freeze covers the test and its fixtures (which may compute dates), nothing else.
    """
    marker = item.get_closest_marker("frozen")
    if marker is None:
        return (yield)
    with freezegun.freeze_time(*marker.args, **marker.kwargs):
        return (yield)


ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("AMTSWEG_TEST_DATABASE_URL")
if PG_URL:
    # The driver's C extension checks datetime's size when first imported; inside a test
    # with frozen time that check fails, so it is imported here, before any freeze.
    import psycopg  # noqa: F401
REDIS_URL = os.environ.get("AMTSWEG_TEST_REDIS_URL")


@pytest.fixture(autouse=True)
def _require_services(request: pytest.FixtureRequest) -> None:
    """Skip a service test locally when its service is not configured; fail it in CI."""
    for marker, url, name in (
        ("postgres", PG_URL, "AMTSWEG_TEST_DATABASE_URL"),
        ("redis", REDIS_URL, "AMTSWEG_TEST_REDIS_URL"),
    ):
        if request.node.get_closest_marker(marker) and not url:
            if os.environ.get("CI"):
                pytest.fail(f"{name} is not set: CI must run this test against the real service")
            pytest.skip(f"needs {name}")


def base_config(tmp_path: Path) -> dict[str, Any]:
    """Return the settings every test app uses."""
    return {
        "TESTING": True,
        # Limits are checked by tests/test_ratelimit.py with small values; off elsewhere.
        "RATELIMIT_ENABLED": False,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": PG_URL or f"sqlite:///{tmp_path / 'test.db'}",
        "INSTANCE_DIR": str(tmp_path / "instance"),
        "STORAGE_URL": f"file://{tmp_path / 'files'}",
        "DEFINITIONS_ROOT": str(ROOT),
        "JOBS_MODE": "manual",
        "BASE_URL": "http://localhost",
        "SERVER_NAME": None,
        "AUDIT_KEY": "test-key:" + "t" * 40,
    }


#: A secret key that passes production's check (long and random enough).
PRODUCTION_SECRET_KEY = "kq3Vb8_Zr2xT0mWc9LpYhN5sD7fGj4AeU1oKi6RtQwE"


def production_settings(tmp_path: Path) -> dict[str, Any]:
    """Return settings with which a production app starts (each test breaks one of them)."""
    from service.documents.seal import generate_dev_seal

    key, cert = tmp_path / "seal" / "key.pem", tmp_path / "seal" / "cert.pem"
    generate_dev_seal(key, cert)
    return {
        "AMTSWEG_ENV": "production",
        "SECRET_KEY": PRODUCTION_SECRET_KEY,
        "DEV_IDP": False,
        "OIDC_ISSUER": "https://idp.example.org",
        "OIDC_CLIENT_SECRET": "issued-by-the-city-provider-for-amtsweg",
        "SEAL_KEY_PATH": str(key),
        "SEAL_CERT_PATH": str(cert),
        "UPLOAD_SCAN": "off",
        # Limits are off in tests (base_config); the storage must still be a shared one.
        "RATELIMIT_STORAGE_URL": REDIS_URL or "redis://127.0.0.1:6379/15",
    }


_pg_tables_created = False


@pytest.fixture(scope="session")
def _sqlite_schema(tmp_path_factory: pytest.TempPathFactory) -> Path | None:
    """An SQLite file with every table and nothing else, made once per run.

    Each test's fresh database starts as a copy of it: creating the tables took about
    0.1-0.2 s per test (mostly waiting for the disk), copying the file under 1 ms.
    """
    if PG_URL:
        return None
    folder = tmp_path_factory.mktemp("schema")
    schema_app = create_app(base_config(folder))
    with schema_app.app_context():
        db.create_all()
        db.session.remove()
        db.engine.dispose()  # the last connection's close folds the log into the file
    path = folder / "test.db"
    assert not path.with_name("test.db-wal").exists()
    return path


def _prepare_database(app: Flask, sqlite_schema: Path | None = None) -> None:
    global _pg_tables_created
    with app.app_context():
        if PG_URL:
            if not _pg_tables_created:
                db.drop_all()
                db.create_all()
                _pg_tables_created = True
            return
        url = db.engine.url
        file = (url.database or "") if url.get_backend_name() == "sqlite" else ""
        on_disk = file not in ("", ":memory:") and not file.startswith("file:")
        if sqlite_schema is not None and on_disk and not Path(file).exists():
            shutil.copyfile(sqlite_schema, file)
        # Creates whatever the copy lacks (nothing, unless a test added a table).
        db.create_all()


def _empty_database(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        if PG_URL:
            _empty_postgres()
        db.engine.dispose()


_pg_empty_script = ""


def _empty_postgres() -> None:
    """Delete every row and restart every sequence, in one round trip.

    TRUNCATE replaces every table's files and took 0.3-1.9 s per test; DELETE of the few
    rows a test writes takes milliseconds.
    """
    global _pg_empty_script
    if not _pg_empty_script:
        sequences = db.session.execute(
            text("SELECT sequence_name FROM information_schema.sequences")
        ).scalars()
        _pg_empty_script = ";".join(
            [f'DELETE FROM "{t.name}"' for t in reversed(db.metadata.sorted_tables)]
            + [f'ALTER SEQUENCE "{name}" RESTART' for name in sequences]
        )
        db.session.commit()
    raw = db.engine.raw_connection()
    try:
        with raw.cursor() as cursor:
            cursor.execute(_pg_empty_script)
        raw.commit()
    finally:
        raw.close()


@pytest.fixture
def make_app(tmp_path: Path, _sqlite_schema: Path | None) -> Iterator[Callable[..., Flask]]:
    """Build apps with extra settings; each gets the same fresh database."""
    apps: list[Flask] = []

    def factory(**overrides: Any) -> Flask:
        config = base_config(tmp_path)
        config.update(overrides)
        app = create_app(config)
        _prepare_database(app, _sqlite_schema)
        apps.append(app)
        return app

    yield factory
    for built in apps:
        runner = built.extensions.get("amtsweg.jobs_runner")
        if runner is not None and hasattr(runner, "stop"):
            runner.stop()
    if apps:
        _empty_database(apps[0])
    for built in apps[1:]:
        with built.app_context():
            db.engine.dispose()


@contextmanager
def running(application: Flask) -> Iterator[Flask]:
    """Enter the app's context with its definitions stored; drop the session on leaving."""
    with application.app_context():
        from service.transactions import ensure_definitions_synced

        ensure_definitions_synced()
        yield application
        db.session.remove()


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Iterator[Flask]:
    """The app inside an application context, definitions stored."""
    with running(make_app()) as application:
        yield application


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client of the app."""
    return app.test_client()


@pytest.fixture
def make_user(app: Flask) -> Callable[..., Any]:
    """Create users: `make_user("Erika Mustermann", roles=[...])` (a UserFactory)."""
    from factories import UserFactory

    def factory(name: str = "Erika Mustermann", roles: list[str] | None = None, **kw: Any) -> Any:
        return UserFactory(name=name, roles=roles or [], **kw)

    return factory


def actor_for(user: Any) -> Actor:
    """Return the engine actor of a user."""
    return Actor(**user.as_actor_fields())


def add_upload(owner: Any, content: bytes, name: str, upload_id: str, **kw: Any) -> Any:
    """Store a PDF as `owner`'s upload and flush its row; `kw` sets further columns."""
    from service.attachments.models import Upload
    from service.storage.services import get_storage, sha256

    upload = Upload(
        id=upload_id,
        owner_id=owner.id,
        storage_key=get_storage().put(content, ".pdf"),
        original_name=name,
        content_type="application/pdf",
        size=len(content),
        sha256=sha256(content),
        **kw,
    )
    db.session.add(upload)
    db.session.flush()
    return upload


@pytest.fixture
def login(client: FlaskClient) -> Callable[..., None]:
    """Log a user in on a test client by setting the session the way the login does."""
    import time

    def do(user: Any, on: FlaskClient | None = None) -> None:
        with (on or client).session_transaction() as session:
            session["user_id"] = user.id
            session["auth_time"] = time.time()
            session["last_seen"] = time.time()

    return do
