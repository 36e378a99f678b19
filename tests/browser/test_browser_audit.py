"""An administrator opens the audit log page from the back office navigation (axe-checked)."""

from __future__ import annotations

from typing import Any

import pytest
from browser_support import Checker, LiveServer, axe_source, browser, live_server, login_via_dev_idp
from factories import CaseFactory

__all__ = ["axe_source", "browser", "live_server"]

pytestmark = pytest.mark.browser


def _sealed_and_verified(server: LiveServer) -> int:
    from service.audit import services as audit
    from service.extensions import db
    from service.jobs.periodic import run_periodic
    from service.jobs.services import drain
    from service.transactions import ensure_definitions_synced

    with server.app.app_context():
        ensure_definitions_synced()
        CaseFactory()
        drain()
        db.session.commit()
        sealed = audit.seal_checkpoint(force=True)
        db.session.commit()
        assert sealed is not None
        assert run_periodic("audit_verify") == 0
        return sealed.tree_size


def test_the_admin_sees_the_audit_log_page(
    browser: Any, live_server: LiveServer, axe_source: str
) -> None:
    size = _sealed_and_verified(live_server)
    context = browser.new_context(locale="de-DE")
    page = context.new_page()
    page.set_default_timeout(15_000)
    checker = Checker(page, axe_source)

    login_via_dev_idp(page, live_server, "anna")
    page.goto(f"{live_server.url}/backoffice/")
    with page.expect_navigation():
        page.get_by_role("link", name="Prüfprotokoll").click()
    assert page.locator("h1").inner_text() == "Prüfprotokoll"
    facts = page.locator("dl.summary-list").first.inner_text()
    assert str(size) in facts and "Signatur gültig" in facts
    assert "Keine Probleme gefunden" in page.locator("main").inner_text()
    checker.check("audit log page")
    assert checker.csp_violations == []
    context.close()
