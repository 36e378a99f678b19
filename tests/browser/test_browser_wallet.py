"""Wallet pages in headless Chromium: the resident's "In Wallet speichern" and the
verifier's "Nachweis prüfen" pass axe-core (WCAG 2.1 A/AA) and work with the keyboard."""

from __future__ import annotations

import re
from typing import Any

import pytest
from browser_support import Checker, LiveServer, axe_source, browser, live_server, session_cookie
from factories import parking_permit_data

from service.rules.dates import local_today

__all__ = ["axe_source", "browser", "live_server"]

pytestmark = pytest.mark.browser


def _approved_permit(server: LiveServer) -> tuple[int, int, int]:
    """Return (case id, resident id, verifier id) of an approved parking permit."""
    from service.auth.models import User
    from service.cases.services import fire_transition, submit_case
    from service.engine import Actor
    from service.extensions import db
    from service.transactions import ensure_definitions_synced

    with server.app.app_context():
        ensure_definitions_synced()
        resident = User(issuer="https://idp.test", subject="max", name="Max Mustermann")
        officer = User(
            issuer="https://idp.test", subject="olaf", name="Olaf", roles=["permit_officer"]
        )
        verifier = User(
            issuer="https://idp.test", subject="vera", name="Vera", roles=["credential_verifier"]
        )
        db.session.add_all([resident, officer, verifier])
        db.session.flush()
        data = parking_permit_data(start_date=local_today().isoformat())
        case = submit_case(
            "parking_permit", data, resident.id, Actor(**resident.as_actor_fields())
        ).case
        fire_transition(case, "start_review", Actor(**officer.as_actor_fields()))
        fire_transition(case, "approve", Actor(**officer.as_actor_fields()))
        db.session.commit()
        return case.id, resident.id, verifier.id


def test_resident_saves_the_permit_to_the_wallet_with_the_keyboard(
    browser: Any, live_server: LiveServer, axe_source: str
) -> None:
    case_id, resident_id, _verifier_id = _approved_permit(live_server)
    context = browser.new_context(locale="de-DE")
    context.add_cookies([session_cookie(live_server, resident_id)])
    page = context.new_page()
    page.set_default_timeout(15_000)
    checker = Checker(page, axe_source)
    page.goto(f"{live_server.url}/cases/{case_id}")
    assert page.locator("h1").inner_text().startswith("Antrag"), page.content()[:3000]
    checker.check("case page with the wallet button")
    button = page.get_by_role("button", name=re.compile("^In Wallet speichern"))
    button.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("h1").inner_text() == "In Wallet speichern: Bewohnerparkausweis"
    checker.check("wallet offer page")
    assert page.get_by_role("img", name="QR-Code des Angebots für Ihre Wallet-App").is_visible()
    link = page.get_by_role("link", name="In der Wallet-App auf diesem Gerät öffnen")
    assert (link.get_attribute("href") or "").startswith("openid-credential-offer://")
    assert len(page.locator("#wallet-pin").inner_text()) == 6
    assert checker.csp_violations == []
    context.close()


def test_verifier_requests_a_parking_permit_with_the_keyboard(
    browser: Any, live_server: LiveServer, axe_source: str
) -> None:
    _case_id, _resident_id, verifier_id = _approved_permit(live_server)
    context = browser.new_context(locale="de-DE")
    context.add_cookies([session_cookie(live_server, verifier_id)])
    page = context.new_page()
    page.set_default_timeout(15_000)
    checker = Checker(page, axe_source)
    page.goto(f"{live_server.url}/backoffice/verify/")
    assert page.locator("h1").inner_text() == "Nachweis prüfen"
    # Our markup sets no inline style; axe's own run on these pages has the browser block
    # one (reported as a CSP message), so the policy is checked before axe runs.
    assert checker.csp_violations == []
    checker.check("verifier start page")
    zone = page.get_by_role("checkbox", name="Bewohnerparkzone")
    assert zone.is_checked()
    # Nothing chosen: the page says which group needs a choice.
    zone.focus()
    page.keyboard.press("Space")
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("^Nachweis anfordern.*Bewohnerpark")).click()
    assert "Wählen Sie mindestens eine Angabe" in page.locator("main").inner_text()
    checker.check("verifier start page with an error")
    page.get_by_role("checkbox", name="Bewohnerparkzone").check()
    button = page.get_by_role("button", name=re.compile("^Nachweis anfordern.*Bewohnerpark"))
    button.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_role("img", name="QR-Code der Anfrage für die Wallet-App").is_visible()
    checker.check("presentation request page")
    context.close()
