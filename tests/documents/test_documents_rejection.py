"""A rejection issues a sealed rejection notice (Ablehnungsbescheid) that states the reason."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask

from service.cases.services import fire_transition, submit_case
from service.documents.services import document_bytes, document_title, documents_for_case
from service.extensions import db
from service.jobs.services import drain
from tests.conftest import actor_for
from tests.documents.conftest import parking_data, pdf_text, registration_data

CASES = {
    "residence_registration": ("registration_officer", registration_data, "Wohnsitzanmeldung"),
    "parking_permit": ("permit_officer", parking_data, "Bewohnerparkausweis"),
}


@pytest.mark.parametrize("service", sorted(CASES))
def test_a_rejection_issues_a_notice_with_the_reason_role_and_date(
    app: Flask, make_user: Callable[..., Any], service: str
) -> None:
    role, data, service_title = CASES[service]
    resident = make_user("Erika Mustermann")
    officer = make_user("Olga Officer", roles=[role])
    case = submit_case(service, data(), resident.id, actor_for(resident)).case
    reason = "Die angegebene Anschrift <liegt> nicht in Düsseldorf."
    fire_transition(case, "reject", actor_for(officer), {"reason": reason})
    db.session.commit()
    drain()

    (document,) = documents_for_case(case)
    assert document.document == "rejection_notice"
    assert document_title(document) == "Ablehnungsbescheid"
    text = pdf_text(document_bytes(document))
    assert "Ablehnungsbescheid" in text
    assert f"Ihr Antrag „{service_title}“" in text
    assert "wird abgelehnt" in text
    assert f"Begründung {reason}" in text
    assert f"Aktenzeichen {case.reference}" in text
    assert "Rechtsbehelfsbelehrung" in text
    # The competent court of city.yaml, with its address, for the legal remedy.
    court = "Klage beim Verwaltungsgericht Düsseldorf, Bastionstraße 39, 40213 Düsseldorf"
    assert court in text
    assert f"{datetime.now(ZoneInfo('Europe/Berlin')):%d.%m.%Y} Im Auftrag" in text
    role_title = {"registration_officer": "Meldebehörde", "permit_officer": "Bewohnerparken"}
    assert f"Im Auftrag Olga Officer {role_title[role]}" in text


def test_an_approval_issues_no_rejection_notice(issued: Callable[..., Any]) -> None:
    case, _document = issued("parking_permit")
    assert [d.document for d in documents_for_case(case)] == ["parking_permit"]
