"""Rate limits: over the limit is 429 with Retry-After, a problem under /api, a page elsewhere."""

from __future__ import annotations

import io
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from factories import PDF
from flask import Flask
from flask.testing import FlaskClient
from pages import csrf_token
from sqlalchemy import func, select

from service.attachments.models import Upload
from service.cases.models import Case
from service.extensions import db
from tests.api.api_support import api_config, auth, mint
from tests.conftest import REDIS_URL, running

BASE = "/services/residence_registration"

SMALL = {
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_VERIFY": "2/minute",
    "RATELIMIT_LOGIN": "2/minute",
    "RATELIMIT_API": "3/minute",
}


@pytest.fixture
def limited(make_app: Callable[..., Flask]) -> Flask:
    return make_app(**api_config(), **SMALL)


def test_verify_page_is_limited_per_address_with_a_page_in_the_persons_language(
    limited: Flask,
) -> None:
    client = limited.test_client()
    first = [client.get("/verify/ABCD") for _ in range(2)]

    german = client.get("/verify/ABCD")
    english = client.get("/verify/ABCD", headers={"Accept-Language": "en"})
    elsewhere = client.get("/verify/ABCD", environ_base={"REMOTE_ADDR": "192.0.2.7"})

    assert all(r.status_code != 429 for r in first)
    assert german.status_code == english.status_code == 429
    assert int(german.headers["Retry-After"]) >= 1
    assert german.mimetype == "text/html"
    assert "Zu viele Anfragen" in german.get_data(as_text=True)
    assert "Too many requests" in english.get_data(as_text=True)
    assert elsewhere.status_code != 429  # another address has its own count


def test_verify_upload_is_limited_per_address(make_app: Callable[..., Flask]) -> None:
    client = make_app(**SMALL, WTF_CSRF_ENABLED=False).test_client()
    answers = [client.post("/verify/ABCD", data={}).status_code for _ in range(3)]

    assert answers == [404, 404, 429]  # an unknown code: 404, until the limit is reached


def test_login_start_is_limited(limited: Flask) -> None:
    client = limited.test_client()
    answers = [client.get("/login").status_code for _ in range(3)]

    assert answers[:2] != [429, 429]
    assert answers[2] == 429


def test_api_calls_are_limited_per_client_with_a_problem(limited: Flask) -> None:
    client = limited.test_client()
    token = auth(mint(["cases:read"]))
    other = auth(mint(["cases:read"], client_id="other-system"))

    answers = [client.get("/api/v1/services", headers=token) for _ in range(4)]
    others = client.get("/api/v1/services", headers=other)

    assert [r.status_code for r in answers[:3]] == [200, 200, 200]
    over = answers[3]
    assert over.status_code == 429
    assert over.mimetype == "application/problem+json"
    assert over.get_json(force=True)["type"].endswith("/rate-limited")
    assert int(over.headers["Retry-After"]) >= 1
    assert others.status_code == 200


def test_the_token_endpoint_is_limited_per_address_with_a_problem(
    make_app: Callable[..., Flask],
) -> None:
    client = make_app(**SMALL, RATELIMIT_TOKEN="2/minute").test_client()
    form = {"grant_type": "client_credentials", "scope": "cases:read"}

    def ask(**kw: Any) -> Any:
        return client.post("/dev-idp/token", data=form, auth=("guess", "wrong"), **kw)

    first = [ask() for _ in range(2)]
    over = ask(headers={"Accept-Language": "en"})
    elsewhere = ask(environ_base={"REMOTE_ADDR": "192.0.2.7"})

    assert [r.status_code for r in first] == [401, 401]  # wrong secret, until the limit
    assert over.status_code == 429
    assert over.mimetype == "application/problem+json"
    problem = over.get_json(force=True)
    assert problem["type"].endswith("/rate-limited") and problem["status"] == 429
    assert problem["detail"].startswith("Too many requests")
    assert int(over.headers["Retry-After"]) >= 1
    assert elsewhere.status_code == 401  # another address has its own count


@pytest.fixture
def portal(make_app: Callable[..., Flask]) -> Iterator[Flask]:
    """The portal with small submission and upload limits, definitions stored."""
    limits = {**SMALL, "RATELIMIT_SUBMIT": "2/minute", "RATELIMIT_UPLOAD": "3/minute"}
    with running(make_app(**limits)) as app:
        yield app


def _resident(app: Flask, name: str) -> FlaskClient:
    from factories import UserFactory

    user = UserFactory(name=name)
    client = app.test_client()
    with client.session_transaction() as session:
        session["user_id"] = user.id
        session["auth_time"] = session["last_seen"] = time.time()
    return client


def _post(client: FlaskClient, path: str, data: dict[str, Any], **kw: Any) -> Any:
    html = client.get(path, **kw).get_data(as_text=True)
    body = {"csrf_token": csrf_token(html), **data}
    return client.post(path, data=body, content_type="multipart/form-data", **kw)


def test_portal_uploads_are_limited_per_person_with_a_page(portal: Flask) -> None:
    erika = _resident(portal, "Erika Mustermann")
    max_ = _resident(portal, "Max Mustermann")
    landlord = f"{BASE}/apply/landlord"

    def upload(client: FlaskClient, **kw: Any) -> Any:
        data = {
            "landlord_confirmation_kind": "upload",
            "landlord_confirmation_file": (io.BytesIO(PDF), "bestaetigung.pdf"),
            "action": "save",
        }
        return _post(client, landlord, data, **kw)

    first = [upload(erika) for _ in range(3)]
    german = upload(erika)
    english = upload(erika, headers={"Accept-Language": "en"})
    # The same person from another address is still the same person ...
    moved = upload(erika, environ_base={"REMOTE_ADDR": "192.0.2.7"})
    # ... and another person behind the same address has a count of her own.
    other = upload(max_)

    assert [r.status_code for r in first] == [200, 200, 200]  # "saved", until the limit
    assert german.status_code == english.status_code == moved.status_code == 429
    assert german.mimetype == "text/html"
    assert "Zu viele Anfragen" in german.get_data(as_text=True)
    assert "Too many requests" in english.get_data(as_text=True)
    assert int(german.headers["Retry-After"]) >= 1
    assert erika.get(landlord).status_code == 200  # reading the page is not limited
    assert other.status_code == 200
    stored = db.session.scalars(select(Upload.owner_id)).all()
    assert len(stored) == 4  # Erika's three and Max's one; nothing of the refused posts


def test_portal_submissions_are_limited_per_person_with_a_page(portal: Flask) -> None:
    erika = _resident(portal, "Erika Mustermann")
    max_ = _resident(portal, "Max Mustermann")
    token = csrf_token(erika.get("/cases").get_data(as_text=True))

    def submit(client: FlaskClient, csrf: str) -> Any:
        # Nothing answered yet: the portal sends the resident back to the form.
        return client.post(f"{BASE}/submit", data={"csrf_token": csrf, "submit_token": "x"})

    first = [submit(erika, token) for _ in range(2)]
    over = submit(erika, token)
    other = submit(max_, csrf_token(max_.get("/cases").get_data(as_text=True)))

    assert all(r.status_code not in (429, 500) for r in first)
    assert over.status_code == 429
    assert over.mimetype == "text/html"
    assert "Zu viele Anfragen" in over.get_data(as_text=True)
    assert int(over.headers["Retry-After"]) >= 1
    assert other.status_code not in (429, 500)
    assert db.session.scalar(select(func.count()).select_from(Case)) == 0


@pytest.mark.redis
def test_limits_counted_in_redis_are_shared_by_every_web_process(
    make_app: Callable[..., Flask],
) -> None:
    # Two apps stand for two gunicorn workers behind one load balancer.
    shared = {
        **SMALL,
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
    }
    one, two = make_app(**shared).test_client(), make_app(**shared).test_client()

    answers = [c.get("/verify/ABCD").status_code for c in (one, two, one)]

    assert answers[:2] == [404, 404]  # an unknown code, until the limit is reached
    assert answers[2] == 429  # the second process's request counted for the first


def test_limits_fall_back_to_memory_when_redis_is_unreachable(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(**{**SMALL, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:9/0"})
    client = app.test_client()

    answers = [client.get("/verify/ABCD").status_code for _ in range(3)]

    # Pages are still served and still limited, counted in this process until Redis is back.
    assert answers == [404, 404, 429]
