"""Sessions in Redis (AMTSWEG_SESSION_REDIS_URL): the same promises as in the database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from auth_helpers import add_probe_pages
from flask import Flask
from flask.testing import FlaskClient

from service.auth import sessions
from service.auth.accounts import end_session, end_sessions, sessions_of
from service.extensions import db
from tests.conftest import REDIS_URL, running

pytestmark = pytest.mark.redis


@pytest.fixture
def redis_app(make_app: Callable[..., Flask]) -> Iterator[Flask]:
    """An app that keeps its sessions in the test Redis (emptied first)."""
    import redis

    redis.Redis.from_url(str(REDIS_URL)).flushdb()
    with running(make_app(SESSION_REDIS_URL=REDIS_URL)) as app:
        add_probe_pages(app)
        yield app


def _logged_in(app: Flask, user: Any) -> FlaskClient:
    client = app.test_client()
    with client.session_transaction() as session:
        session["user_id"] = user.id
    return client


def test_sessions_live_in_redis_and_end_there(redis_app: Flask, make_user: Any) -> None:
    store = sessions.store(redis_app)
    assert isinstance(store, sessions.RedisStore)
    erika = make_user("Erika Mustermann")
    laptop, phone = _logged_in(redis_app, erika), _logged_in(redis_app, erika)
    assert laptop.get("/probe/me").text == "hello Erika Mustermann"
    assert phone.get("/probe/me").status_code == 200
    with redis_app.test_request_context("/"):
        listed = sessions_of(erika)
        assert len(listed) == 2
        assert end_session(erika, listed[0].key_hash)
        assert not end_session(make_user("Max Mustermann"), listed[1].key_hash)
    assert sorted([laptop.get("/probe/me").status_code, phone.get("/probe/me").status_code]) == [
        200,
        302,
    ]
    with redis_app.test_request_context("/"):
        assert end_sessions(erika) == 1
    assert laptop.get("/probe/me").status_code == 302
    assert phone.get("/probe/me").status_code == 302
    assert not store.redis.keys("amtsweg:*session*")  # nothing left behind


def test_a_session_in_redis_expires_when_idle(redis_app: Flask, make_user: Any) -> None:
    store = sessions.store(redis_app)
    assert isinstance(store, sessions.RedisStore)
    client = _logged_in(redis_app, make_user("Erika Mustermann"))
    [key] = store.redis.keys("amtsweg:session:*")
    ttl = store.redis.ttl(key)
    assert 0 < ttl <= redis_app.config["SESSION_IDLE_MINUTES"] * 60
    store.redis.delete(key)  # what Redis does when the time-out has passed
    assert client.get("/probe/me").status_code == 302
    db.session.rollback()
