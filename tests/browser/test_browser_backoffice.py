"""A case worker's day in a real browser: log in, filter, claim, open, ask, approve.

axe-core checks the inbox and the case page (also with a conflict message) for WCAG 2.1
A/AA violations.
"""

from __future__ import annotations

from typing import Any

import pytest
from browser_support import Checker, LiveServer, axe_source, browser, live_server, login_via_dev_idp
from factories import person, residence_registration_data

__all__ = ["axe_source", "browser", "live_server"]

pytestmark = pytest.mark.browser


def _submit_cases(server: LiveServer) -> list[str]:
    from service.auth.models import User
    from service.cases.models import Case
    from service.cases.services import submit_case
    from service.engine import Actor
    from service.extensions import db
    from service.transactions import ensure_definitions_synced

    with server.app.app_context():
        ensure_definitions_synced()
        resident = User(issuer="https://idp.test", subject="resident-1", name="Jupp Schmitz")
        db.session.add(resident)
        db.session.flush()
        actor = Actor(id=str(resident.id), kind="user", label=resident.name)
        references = []
        for family, first in (("Schmitz", "Jupp"), ("Özdemir", "Ayşe"), ("Becker", "Lena")):
            case = submit_case(
                "residence_registration",
                residence_registration_data(
                    persons=[person(family_name=family, first_names=first)]
                ),
                resident.id,
                actor,
            ).case
            references.append(case.reference)
        db.session.commit()
        assert db.session.query(Case).count() == 3
        return references


def _resident_replies(server: LiveServer, reference: str) -> None:
    from service.cases.models import Case
    from service.cases.services import fire_transition
    from service.engine import Actor
    from service.extensions import db

    with server.app.app_context():
        case = db.session.scalar(db.select(Case).where(Case.reference == reference))
        assert case is not None
        resident = Actor(id=str(case.applicant_id), kind="user", label="Jupp Schmitz")
        fire_transition(case, "provide_information", resident, {"message": "Ausweis anbei."})
        db.session.commit()


def _colleague_notes(server: LiveServer, reference: str) -> None:
    from service.auth.models import User
    from service.backoffice.services import add_note
    from service.cases.models import Case
    from service.extensions import db

    with server.app.app_context():
        case = db.session.scalar(db.select(Case).where(Case.reference == reference))
        colleague = User(
            issuer="https://idp.test", subject="colleague", name="Clara", roles=["case_worker"]
        )
        db.session.add(colleague)
        db.session.flush()
        assert case is not None
        add_note(case, colleague, "Vermieter angerufen.")
        db.session.commit()


def test_case_workers_day(browser: Any, live_server: LiveServer, axe_source: str) -> None:
    schmitz, oezdemir, _becker = _submit_cases(live_server)
    context = browser.new_context(locale="de-DE")
    page = context.new_page()
    page.set_default_timeout(15_000)
    checker = Checker(page, axe_source)
    base = live_server.url

    login_via_dev_idp(page, live_server, "olaf")
    page.goto(f"{base}/backoffice/")
    assert page.locator("h1").inner_text() == "Posteingang"
    checker.check("inbox")

    # Filter: search by name.
    page.fill("#q", "schmitz")
    with page.expect_navigation():
        page.get_by_role("button", name="Vorgänge anzeigen").click()
    assert page.locator("table.inbox tbody tr").count() == 1
    assert schmitz in page.locator("table.inbox").inner_text()
    assert oezdemir not in page.locator("table.inbox").inner_text()

    # Claim it with the bulk action.
    page.get_by_label(f"{schmitz} auswählen").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Mir zuweisen").click()
    assert "Olaf Meldebehörde" in page.locator("table.inbox tbody tr").first.inner_text()
    checker.check("inbox after claiming")

    # Open the case and ask the resident.
    with page.expect_navigation():
        page.get_by_role("link", name=schmitz).click()
    assert "Jupp" in page.locator("table.group-table").inner_text()
    checker.check("case page")

    # A colleague changes the case meanwhile: the first try is a conflict, not an overwrite.
    _colleague_notes(live_server, schmitz)
    page.fill("#request_information-message", "Bitte reichen Sie Ihren Ausweis nach.")
    with page.expect_navigation():
        page.get_by_role("button", name="Rückfrage stellen").click()
    assert "hat diesen Fall inzwischen geändert" in page.locator("[role=alert]").inner_text()
    assert "Eingegangen" in page.locator(".case-facts").inner_text()
    checker.check("case page with a conflict")
    page.fill("#request_information-message", "Bitte reichen Sie Ihren Ausweis nach.")
    with page.expect_navigation():
        page.get_by_role("button", name="Rückfrage stellen").click()
    assert "Rückfrage offen" in page.locator(".case-facts").inner_text()
    assert "Pausiert" in page.locator(".case-facts").inner_text()

    # The resident answers; the case is back in the inbox with a marker.
    _resident_replies(live_server, schmitz)
    page.goto(f"{base}/backoffice/?assignee=me")
    row = page.locator("table.inbox tbody tr").first
    assert schmitz in row.inner_text()
    assert "Antwort eingegangen" in row.inner_text()

    # Approve.
    with page.expect_navigation():
        row.get_by_role("link", name=schmitz).click()
    assert "Ausweis anbei." in page.locator("ol.timeline").inner_text()
    with page.expect_navigation():
        page.get_by_role("button", name="Anmeldung bestätigen").click()
    assert "Angemeldet" in page.locator(".case-facts").inner_text()
    checker.check("case page after approval")
    assert checker.csp_violations == []
    context.close()


def _failed_webhook(server: LiveServer) -> None:
    from service.extensions import db
    from service.webhooks.models import Delivery, Subscription

    with server.app.app_context():
        sub = Subscription(
            client_id="client:register",
            url="https://register.example/hooks",
            event_types=["case.submitted"],
            secret_encrypted="unused",
        )
        db.session.add(sub)
        db.session.flush()
        db.session.add(
            Delivery(
                subscription_id=sub.id,
                message_id="msg_browser_1",
                event_key="event:1",
                event_type="case.submitted",
                payload={"data": {"reference": "WA-2026-000042"}},
                status="dead",
                attempts=10,
                last_status_code=503,
            )
        )
        db.session.commit()


def test_the_admin_sends_a_dead_webhook_delivery_again(
    browser: Any, live_server: LiveServer, axe_source: str
) -> None:
    _failed_webhook(live_server)
    context = browser.new_context(locale="de-DE")
    page = context.new_page()
    page.set_default_timeout(15_000)
    checker = Checker(page, axe_source)

    login_via_dev_idp(page, live_server, "anna")
    page.goto(f"{live_server.url}/backoffice/")
    with page.expect_navigation():
        page.get_by_role("link", name="Webhooks").click()
    assert page.locator("h1").inner_text() == "Webhooks"
    checker.check("webhook subscriptions")

    with page.expect_navigation():
        page.get_by_role("link", name="https://register.example/hooks").click()
    assert "WA-2026-000042" in page.locator("table").inner_text()
    checker.check("delivery log")

    button = page.get_by_role("button", name="case.submitted vom")
    button.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Die Zustellung wird erneut gesendet." in page.locator("[role=status]").inner_text()
    checker.check("delivery log after sending again")
    assert checker.csp_violations == []
    context.close()
