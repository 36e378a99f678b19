"""Helpers for authentication tests: a served app, a browser that follows redirects."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import requests
from flask import Flask
from pages import csrf_token


@dataclass
class LiveApp:
    """An app served over HTTP on 127.0.0.1 with its base URL."""

    app: Flask
    base: str

    def url(self, path: str) -> str:
        return urljoin(self.base + "/", path.lstrip("/"))


def add_probe_pages(app: Flask) -> None:
    """Add pages guarded by each decorator, so tests can see what a visitor gets."""
    from service.auth.services import current_user, login_required, roles_required, staff_required

    @login_required
    def me() -> str:
        user = current_user()
        assert user is not None
        return f"hello {user.name}"

    @staff_required
    def staff() -> str:
        return "staff area"

    @roles_required("registration_officer")
    def registration() -> str:
        return "registration office"

    app.add_url_rule("/probe/me", "probe_me", me)
    app.add_url_rule("/probe/staff", "probe_staff", staff)
    app.add_url_rule("/probe/registration", "probe_registration", registration)


def follow(browser: requests.Session, response: requests.Response) -> requests.Response:
    """Follow one redirect the way a browser would."""
    assert response.status_code in (302, 303), (response.status_code, response.text[:500])
    return browser.get(urljoin(response.url, response.headers["Location"]), allow_redirects=False)


def login_at_devidp(
    live: LiveApp, person: str = "erika", next_path: str | None = None, browser: Any = None
) -> tuple[requests.Session, requests.Response]:
    """Log in through /login, the provider's picker and /auth/callback; return the last answer."""
    browser = browser or requests.Session()
    query = f"?next={next_path}" if next_path else ""
    start = browser.get(live.url("/login" + query), allow_redirects=False)
    picker = follow(browser, start)
    assert picker.status_code == 200, picker.text[:500]
    chosen = browser.post(
        picker.url,
        data={"csrf_token": csrf_token(picker.text), "person": person},
        allow_redirects=False,
    )
    callback = follow(browser, chosen)
    return browser, callback
