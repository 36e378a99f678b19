"""WCAG 1.4.10 reflow: every page fits a 320 px wide window (and a 1,280 px one).

At 320 CSS px (a phone, or a 1,280 px window at 400 % zoom; 200 % zoom of the same window
is 640 px, between the two) nothing may scroll sideways: the document is exactly as wide
as the window. Tables turn into stacked lists, long words and addresses wrap. axe-core
checks each page at 320 px as well, because reflowed layouts can hide or overlap things.
One Chromium for the module, one browser context per width and area; the back office,
where the wide tables are, also at a 1,280 px window zoomed to 200 % (640 CSS px).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from browser_support import Checker, LiveServer, axe_source, browser, live_server, session_cookie
from factories import CaseFactory, UserFactory, person, residence_registration_data

__all__ = ["axe_source", "browser", "live_server"]

pytestmark = pytest.mark.browser

WIDTHS = [320, 1280]
#: A 1,280 px window at 200 % zoom lays pages out in 640 CSS px at two device pixels each.
ZOOMED = 640

#: The outermost elements that stick out of the window: what to fix when a page is too wide.
OVERFLOW_JS = """() => {
  const limit = window.innerWidth;
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    const right = el.getBoundingClientRect().right;
    const parent = el.parentElement.getBoundingClientRect().right;
    if (right > limit + 1 && parent <= limit + 1) {
      wide.push(`${el.tagName.toLowerCase()}.${el.className} (${Math.round(right)} px)`);
    }
  }
  return {width: document.documentElement.scrollWidth, window: limit, wide: wide.slice(0, 5)};
}"""

#: Stacked tables (`table.stack`, `.stack--wide`, `.stack--always`) whose rows and cells lack
#: their explicit ARIA role: Safari drops a table's semantics once CSS changes its display.
STACKED_ROLES_JS = """() => {
  const missing = [];
  for (const table of document.querySelectorAll('table[class*="stack"]')) {
    const want = [[table, 'table']];
    for (const group of table.querySelectorAll(':scope > thead, :scope > tbody')) {
      want.push([group, 'rowgroup']);
    }
    for (const row of table.querySelectorAll(':scope > thead > tr, :scope > tbody > tr')) {
      want.push([row, 'row']);
      for (const cell of row.children) {
        const header = cell.getAttribute('scope') === 'row' ? 'rowheader' : 'columnheader';
        want.push([cell, cell.tagName === 'TD' ? 'cell' : header]);
      }
    }
    for (const [el, role] of want) {
      if (el.getAttribute('role') !== role) {
        missing.push(`table.${table.className}: <${el.tagName.toLowerCase()}> without role="${role}"`);
      }
    }
  }
  return missing.slice(0, 3);
}"""

#: Three people with long names: the persons table made the case page 2,746 px wide.
PEOPLE = [
    person(family_name="Müller-Lüdenscheidt", first_names="Anna-Katharina Maria Theresia"),
    person(family_name="Schmitz", first_names="Jupp", doctorate="Prof. Dr."),
    person(family_name="Özdemir-Wolkenkuckucksheim", first_names="Ayşe", birth_place="İstanbul"),
]
LONG_URL = "https://register.example/hooks/amtsweg/v1/residence-registration/deliveries"


class Reflow:
    """Measure every page of a walk; axe-check it at 320 px."""

    def __init__(self, page: Any, axe: str, width: int) -> None:
        self.page, self.width = page, width
        self.checker = Checker(page, axe)
        self.too_wide: list[str] = []
        self.without_roles: list[str] = []

    def check(self, label: str, path: str | None = None, base: str = "", status: int = 200) -> None:
        """Visit `path` (or stay on the current page) and record what sticks out."""
        if path is not None:
            response = self.page.goto(base + path)
            assert response is not None and response.status == status, f"{label}: {path}"
            if status == 200 and not path.startswith("/login"):
                assert self.page.url == base + path, f"{label}: sent on to {self.page.url}"
        found = self.page.evaluate(OVERFLOW_JS)
        if found["width"] > found["window"]:
            self.too_wide.append(f"{label}: {found['width']} px {found['wide']}")
        if self.width == 320:
            self.checker.check(f"{label} at {self.width} px")
            self.without_roles.extend(f"{label}: {m}" for m in self.page.evaluate(STACKED_ROLES_JS))

    def assert_fits(self) -> None:
        assert self.too_wide == [], f"wider than {self.width} px:\n" + "\n".join(self.too_wide)
        assert self.checker.csp_violations == []
        assert self.without_roles == [], "stacked tables without ARIA roles:\n" + "\n".join(
            self.without_roles
        )


def _walk(browser: Any, server: LiveServer, axe: str, width: int) -> tuple[Any, Any, Reflow]:
    context = browser.new_context(
        locale="de-DE",
        viewport={"width": width, "height": 800},
        device_scale_factor=2 if width == ZOOMED else 1,
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    return context, page, Reflow(page, axe, width)


def continue_(page: Any) -> None:
    with page.expect_navigation():
        page.locator("button.button[value=continue]").click()


def _resident_data(server: LiveServer) -> dict[str, Any]:
    """Erika's draft with three people, a case waiting for her reply, an approved permit."""
    from sqlalchemy import select

    from service.auth.models import User
    from service.definitions.services import current_registry
    from service.documents.models import Document
    from service.extensions import db
    from service.portal import services as portal

    with server.app.app_context():
        erika = db.session.scalar(select(User).where(User.name == "Erika Mustermann"))
        assert erika is not None
        registry = current_registry()
        service = registry.service("residence_registration")
        draft = portal.start_draft(erika.id, service, registry.form(service.form_key))
        draft.data = residence_registration_data(persons=PEOPLE)
        db.session.commit()
        waiting = CaseFactory(applicant=erika, waiting=True)
        rejected = CaseFactory(applicant=erika, rejected=True)
        permit = CaseFactory(applicant=erika, service="parking_permit", approved=True)
        document = Document(
            case_id=permit.id,
            document="parking_permit",
            event_seq=1,
            status="rendered",
            sha256="0" * 64,
            verification_code="REFLOW2026ABCDEF",
            issued_at=permit.submitted_at,
        )
        db.session.add(document)
        db.session.commit()
        return {
            "waiting": waiting.id,
            "rejected": rejected.id,
            "permit": permit.id,
            "code": document.verification_code,
        }


def _form_pages(server: LiveServer) -> list[tuple[str, list[str]]]:
    """Return the page keys of every current service's form."""
    from service.definitions.services import current_registry

    with server.app.app_context():
        registry = current_registry()
        return [
            (s.key, [p.key for p in registry.form(s.form_key).pages]) for s in registry.current()
        ]


@pytest.mark.parametrize("width", WIDTHS)
def test_every_resident_page_fits_the_window(
    browser: Any, live_server: LiveServer, axe_source: str, tmp_path: Path, width: int
) -> None:
    context, page, reflow = _walk(browser, live_server, axe_source, width)
    base = live_server.url
    reflow.check("login: choose a person", "/login?next=/", base)
    with page.expect_navigation():
        page.locator("button[name=person][value=erika]").click()
    reflow.check("catalogue", "/", base)
    for service_key, pages in _form_pages(live_server):
        reflow.check(f"{service_key}: start page", f"/services/{service_key}", base)
        for key in pages:
            page.goto(f"{base}/services/{service_key}/apply/{key}")
            if not page.url.endswith(f"/apply/{key}"):
                continue  # hidden for the draft's answers
            reflow.check(f"{service_key}/{key}")
            continue_(page)
            if page.url.endswith(f"/apply/{key}"):
                reflow.check(f"{service_key}/{key} after continuing")
    data = _resident_data(live_server)
    reflow.check("check answers, three people", "/services/residence_registration/check", base)
    with page.expect_navigation():
        page.locator("form[action$='/submit'] button").click()
    reflow.check("confirmation")
    reflow.check("my applications", "/cases", base)
    reflow.check("application waiting for a reply", f"/cases/{data['waiting']}", base)
    reflow.check("reply", f"/cases/{data['waiting']}/actions/provide_information", base)
    not_a_pdf = tmp_path / "vertrag.pdf"
    not_a_pdf.write_text("not a PDF")
    page.set_input_files("#f-files", str(not_a_pdf))
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert page.locator("[data-error-summary]").is_visible()
    reflow.check("reply with a file that is no PDF")
    reflow.check("rejected application", f"/cases/{data['rejected']}", base)
    reflow.check("approved permit", f"/cases/{data['permit']}", base)
    with page.expect_navigation():
        page.locator("form[action*='/wallet/'] button").first.click()
    reflow.check("wallet offer")
    reflow.check("verify a document", f"/verify/{data['code']}", base)
    reflow.check("not found", "/no-such-page", base, status=404)
    reflow.check("back office refused", "/backoffice/", base, status=403)
    reflow.check("failed login", "/auth/callback?state=forged&code=x", base, status=400)
    reflow.check("log out", "/logout", base)
    reflow.assert_fits()
    context.close()


def _staff_data(server: LiveServer) -> dict[str, Any]:
    """Cases with three people, a sealed audit checkpoint, a webhook with a long URL, staff."""
    from service.audit import services as audit
    from service.extensions import db
    from service.jobs.services import drain
    from service.webhooks.models import Delivery, Subscription

    with server.app.app_context():
        data = residence_registration_data(persons=PEOPLE)
        case = CaseFactory(data=data)
        CaseFactory(data=data, waiting=True)
        CaseFactory(service="parking_permit", in_review=True)
        drain()
        assert audit.seal_checkpoint(force=True) is not None
        db.session.commit()
        officer = UserFactory(officer=True)
        verifier = UserFactory(name="Vera Prüferin", roles=["credential_verifier"])
        admin = UserFactory(admin=True, email="anna.administratorin@stadtverwaltung.example")
        subscription = Subscription(
            client_id="client:melderegister-nordrhein-westfalen",
            url=LONG_URL,
            event_types=["case.submitted", "case.approved", "case.rejected"],
            secret_encrypted="unused",
        )
        db.session.add(subscription)
        db.session.flush()
        db.session.add(
            Delivery(
                subscription_id=subscription.id,
                message_id="msg_reflow_1",
                event_key="event:1",
                event_type="case.submitted",
                payload={"data": {"reference": case.reference}},
                status="dead",
                attempts=10,
                last_status_code=503,
                last_error="ConnectionRefusedError: [Errno 111] Connection refused",
            )
        )
        db.session.commit()
        return {
            "case": case.id,
            "officer": officer.id,
            "verifier": verifier.id,
            "admin": admin.id,
            "subscription": subscription.id,
        }


@pytest.mark.parametrize("width", [*WIDTHS, ZOOMED])
def test_every_back_office_page_fits_the_window(
    browser: Any, live_server: LiveServer, axe_source: str, width: int
) -> None:
    data = _staff_data(live_server)
    context, page, reflow = _walk(browser, live_server, axe_source, width)
    base = f"{live_server.url}/backoffice"
    context.add_cookies([session_cookie(live_server, data["officer"])])
    reflow.check("inbox", "/", base)
    reflow.check("case with three people", f"/cases/{data['case']}", base)
    page.fill("#request_information-message", "   ")
    with page.expect_navigation():
        page.get_by_role("button", name="Rückfrage stellen").click()
    assert page.locator("[role=alert]").is_visible()
    reflow.check("case with an error")
    reflow.check("service overview", "/services/residence_registration", base)
    context.clear_cookies()
    context.add_cookies([session_cookie(live_server, data["verifier"])])
    reflow.check("check a credential", "/verify/", base)
    context.clear_cookies()
    context.add_cookies([session_cookie(live_server, data["admin"])])
    reflow.check("webhooks", "/webhooks", base)
    reflow.check("webhook log", f"/webhooks/{data['subscription']}", base)
    reflow.check("people", "/people", base)
    reflow.check("person with sessions", f"/people/{data['admin']}", base)
    reflow.check("audit log", "/audit", base)
    reflow.assert_fits()
    context.close()
