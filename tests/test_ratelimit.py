"""Rate limits: over the limit is 429 with Retry-After, a problem under /api, a page elsewhere."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from tests.api.api_support import api_config, auth, mint

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
