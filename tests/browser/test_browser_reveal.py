"""Questions that appear as you answer, in a real browser: with the page script they appear
at once, without a reload and without an error (axe-core checks that state); with
JavaScript off they appear on the same page after "continue", also without an error."""

from __future__ import annotations

from typing import Any

import pytest
from browser_support import Checker, LiveServer, axe_source, browser, live_server, login_via_dev_idp

__all__ = ["axe_source", "browser", "live_server"]

pytestmark = pytest.mark.browser

BASE = "/services/residence_registration"
ADDRESS = ("previous_street", "previous_house_number", "previous_postal_code", "previous_town")


def open_previous_flat(browser: Any, server: LiveServer, *, script: bool) -> Any:
    context = browser.new_context(locale="de-DE", java_script_enabled=script)
    page = context.new_page()
    page.set_default_timeout(15_000)
    login_via_dev_idp(page, server, "erika")
    page.goto(f"{server.url}{BASE}")
    with page.expect_navigation():
        page.get_by_role("link", name="Jetzt starten").click()
    page.goto(f"{server.url}{BASE}/apply/previous_flat")
    return page


def test_previous_address_appears_as_soon_as_no_is_chosen(
    browser: Any, live_server: LiveServer, axe_source: str
) -> None:
    page = open_previous_flat(browser, live_server, script=True)
    checker = Checker(page, axe_source)
    assert not any(page.locator(f"#f-{key}").is_visible() for key in ADDRESS)
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))

    page.get_by_label("Nein").check()

    for key in ADDRESS:
        page.locator(f"#f-{key}").wait_for(state="visible")
    assert navigations == []
    assert page.locator("[data-error-summary]").count() == 0
    assert page.locator(".field--error").count() == 0
    checker.check("previous flat, revealed")

    page.get_by_label("Ja").check()
    page.locator("#f-previous_street").wait_for(state="hidden")
    assert page.locator("#f-previous_country").is_visible()
    assert checker.csp_violations == []


def test_without_script_the_address_appears_after_continue_without_errors(
    browser: Any, live_server: LiveServer
) -> None:
    page = open_previous_flat(browser, live_server, script=False)
    assert not page.locator("#f-previous_street").is_visible()

    page.get_by_label("Nein").check()
    with page.expect_navigation():
        page.locator("button.button[value=continue]").click()

    assert page.url.endswith("/apply/previous_flat")
    assert all(page.locator(f"#f-{key}").is_visible() for key in ADDRESS)
    assert page.locator("[data-error-summary]").count() == 0
    assert all(page.locator(f"#f-{key}").input_value() == "" for key in ADDRESS)
