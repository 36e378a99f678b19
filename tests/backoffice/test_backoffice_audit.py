"""Administrators see the audit log's state: newest checkpoint, witness fetch, nightly verify."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import update

from service.audit import services as audit
from service.cases.models import AuditEvent, Case
from service.extensions import db
from service.jobs.periodic import run_periodic
from service.jobs.services import drain


def _seal() -> Any:
    drain()
    db.session.commit()
    sealed = audit.seal_checkpoint(force=True)
    db.session.commit()
    assert sealed is not None
    return sealed


@pytest.mark.frozen("2026-11-29T16:05:00Z")
def test_the_admin_sees_the_latest_checkpoint_the_witness_and_the_nightly_verify(
    app: Flask, make_case: Callable[..., Case], staff: Callable[..., Any], client_for: Any
) -> None:
    admin = client_for(staff("admin"))
    page = admin.get("/backoffice/audit")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Noch kein Prüfpunkt" in html  # nothing sealed yet
    assert "Noch nie abgerufen" in html
    assert "Noch nicht gelaufen" in html

    make_case()
    sealed = _seal()
    assert admin.get("/audit/checkpoints/latest").status_code == 200  # a witness fetches
    assert run_periodic("audit_verify") == 0  # the nightly job, as the worker runs it

    html = admin.get("/backoffice/audit").get_data(as_text=True)
    assert f"<dd>{sealed.tree_size}</dd>" in html
    assert sealed.root_hash in html
    assert "Signatur gültig" in html
    assert html.count("29.11.26, 17:05") == 3  # sealed, fetched, verified (Berlin time)
    assert "Keine Probleme gefunden" in html
    assert 'href="/backoffice/audit"' in html  # linked from the navigation

    # Someone changes an event; the next nightly run names the problem.
    db.session.execute(update(AuditEvent).values(actor_label="Jemand anderes"))
    db.session.commit()
    count = run_periodic("audit_verify")
    assert count > 0
    html = admin.get("/backoffice/audit").get_data(as_text=True)
    assert "<h1>Prüfprotokoll</h1>" in html
    assert ("1 Problem gefunden" if count == 1 else f"{count} Probleme gefunden") in html
    assert "was changed after it was written" in html

    with admin.session_transaction() as session:
        session["lang"] = "en"
    english = admin.get("/backoffice/audit").get_data(as_text=True)
    assert "<h1>Audit log</h1>" in english
    assert ("1 problem found" if count == 1 else f"{count} problems found") in english
    assert "11/29/26, 5:05" in english  # the same times, in English


def test_other_staff_do_not_see_the_audit_page(
    app: Flask, staff: Callable[..., Any], client_for: Any
) -> None:
    worker = client_for(staff("case_worker"))

    assert worker.get("/backoffice/audit").status_code == 404
    assert "/backoffice/audit" not in worker.get("/backoffice/").get_data(as_text=True)
