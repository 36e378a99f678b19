"""Browser test infrastructure: the app on a real loopback server, headless Chromium, axe-core.

Import the fixtures into a test module (`from browser_support import ...`). Chromium is
Debian's `chromium` package and axe-core comes from `npm ci --prefix tests/browser`;
both are installed by .ci/run. Locally, a missing one skips the browser tests with the
reason, unless CI is set: then they fail, so CI never passes without running them.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

HERE = Path(__file__).resolve().parent
CHROMIUM = Path(os.environ.get("AMTSWEG_CHROMIUM", "/usr/bin/chromium"))
AXE_JS = HERE / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: The rules of WCAG 2.1 levels A and AA.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}: CI must run the browser tests")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def axe_source() -> str:
    """Return the axe-core script (tests/browser/node_modules)."""
    if not AXE_JS.is_file():
        _missing("axe-core is not installed (run `npm ci --prefix tests/browser`)")
    return AXE_JS.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Start one headless Chromium per test module.

    Not per session: while Playwright runs, its event loop belongs to this thread, and
    code that calls `asyncio.run()` (pyHanko's sealing) fails until Playwright stops.
    """
    if not CHROMIUM.exists():
        _missing(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the Python package playwright is not installed")
    playwright = sync_playwright().start()
    try:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()
    finally:
        playwright.stop()


@dataclass
class LiveServer:
    """The app served by werkzeug on a loopback port, in a background thread."""

    app: Flask
    url: str
    server: BaseWSGIServer
    thread: threading.Thread = field(repr=False)


@pytest.fixture
def live_server(make_app: Callable[..., Flask]) -> Iterator[LiveServer]:
    """Serve a fresh app (own database, outbox drained by hand) on 127.0.0.1."""
    app = make_app()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    # The login (and the development provider's issuer) build URLs from BASE_URL.
    app.config["BASE_URL"] = url
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(app, url, server, thread)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


class Checker:
    """Run axe-core on pages and collect Content-Security-Policy violations."""

    def __init__(self, page: Any, axe: str) -> None:
        self.page, self.axe = page, axe
        self.checked: list[str] = []
        self.csp_violations: list[str] = []
        page.on("console", self._console)

    def _console(self, message: Any) -> None:
        if "Content Security Policy" in message.text:
            self.csp_violations.append(message.text)

    def check(self, label: str) -> None:
        """Assert that the current page has no WCAG 2.1 A/AA violation axe can find."""
        # Evaluated through the DevTools protocol, so our CSP (no inline script) stays on.
        if not self.page.evaluate("typeof window.axe !== 'undefined'"):
            self.page.evaluate(self.axe)
        violations = self.page.evaluate(
            """async (tags) => {
                const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
                return result.violations.map(v => ({
                    id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))}));
            }""",
            AXE_TAGS,
        )
        self.checked.append(label)
        assert violations == [], f"axe found violations on {label} ({self.page.url}): {violations}"


def login_via_dev_idp(page: Any, server: LiveServer, slug: str) -> None:
    """Log in through the real /login and the development identity provider's picker."""
    page.goto(f"{server.url}/login?next=/")
    page.locator(f"button[name=person][value={slug}]").click()
    page.wait_for_url(f"{server.url}/")


def session_cookie(server: LiveServer, user_id: int) -> dict[str, Any]:
    """Return a cookie of a stored session of `user_id` (when no provider is at hand)."""
    from service.auth import sessions

    app = server.app
    with app.app_context():
        value = sessions.issue(app, {"user_id": user_id, "auth_time": time.time()})
    return {"name": app.config["SESSION_COOKIE_NAME"], "value": value, "url": server.url}
