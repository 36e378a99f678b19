"""Document templates see the decision that issued them: transition, inputs, role, person, time."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import select

from service.cases.models import AuditEvent
from service.cases.services import fire_transition, submit_case
from service.documents.services import document_bytes, document_html, documents_for_case
from service.engine import Actor
from service.extensions import db
from service.jobs.services import drain
from tests.conftest import actor_for, running
from tests.documents.conftest import parking_data, pdf_text

SHIPPED = Path(__file__).resolve().parents[2] / "templates" / "pdf"

PRINTS_THE_DECISION = """{% extends "_layout.html" %}
{% block content %}
<p>Entscheidung: {{ decision.transition.title }} ({{ decision.transition.key }})</p>
<p>Grund: {{ decision.inputs.reason }}</p>
<p>Rolle: {{ decision.role_title }}</p>
<p>Von: {{ decision.by }}</p>
<p>Am: {{ decision.at|day_time }}</p>
<p>Tag: {{ decision.at|date_de }}</p>
{% endblock %}
"""


@pytest.fixture
def app(
    make_app: Callable[..., Flask], seal_paths: tuple[Path, Path], tmp_path: Path
) -> Iterator[Flask]:
    """The app with the shipped document templates, the permit's replaced by one printing
    every part of `decision`."""
    root = tmp_path / "pdf"
    shutil.copytree(SHIPPED, root)
    (root / "parking_permit" / "document.html").write_text(PRINTS_THE_DECISION, encoding="utf-8")
    key, cert = seal_paths
    settings = {"SEAL_KEY_PATH": str(key), "SEAL_CERT_PATH": str(cert)}
    with running(make_app(DOCUMENT_TEMPLATES_DIR=str(root), **settings)) as application:
        yield application


def test_the_permit_prints_the_decision_role_title_person_and_time(
    app: Flask, make_user: Callable[..., Any]
) -> None:
    resident = make_user("Erika Mustermann")
    officer = make_user("Olga Officer", roles=["permit_officer"])
    data = parking_data(
        fee_waiver_requested=True,
        fee_waiver_reason="Ich beziehe Bürgergeld.",
    )
    case = submit_case("parking_permit", data, resident.id, actor_for(resident)).case
    fire_transition(case, "start_review", actor_for(officer))
    fire_transition(
        case, "approve_without_waiver", actor_for(officer), {"reason": "Kein Nachweis."}
    )
    db.session.commit()
    drain()

    (document,) = documents_for_case(case)
    text = pdf_text(document_bytes(document))

    assert "Entscheidung: Genehmigen, Befreiung ablehnen (approve_without_waiver)" in text
    assert "Grund: Kein Nachweis." in text
    assert "Rolle: Bewohnerparken" in text
    assert "Von: Olga Officer" in text
    # The time of the decision in Düsseldorf, "27.11.2026, 14:05 Uhr".
    fired = db.session.scalars(select(AuditEvent.at).where(AuditEvent.case_id == case.id)).all()
    local = fired[-1].astimezone(ZoneInfo("Europe/Berlin"))
    assert f"Am: {local:%d.%m.%Y}, {local:%H:%M} Uhr" in text
    assert f"Tag: {local:%d.%m.%Y}" in text


def test_the_role_is_the_one_held_when_deciding_not_the_grants_of_today(
    app: Flask, make_user: Callable[..., Any]
) -> None:
    """A reissued notice names the role the officer decided in, even after their grants
    changed (the role is recorded with the decision, not looked up when rendering)."""
    resident = make_user("Erika Mustermann")
    officer = make_user("Olga Officer", roles=["parking_permit:case_worker"])
    case = submit_case("parking_permit", parking_data(), resident.id, actor_for(resident)).case
    fire_transition(case, "reject", actor_for(officer), {"reason": "Kein Wohnsitz."})
    db.session.commit()
    drain()
    (document,) = documents_for_case(case)
    signed = "Im Auftrag<br>Olga Officer<br>Sachbearbeitung</p>"
    assert signed in document_html(case, document, document.issued_at)

    officer.roles = ["parking_permit:permit_officer"]
    db.session.commit()

    reissued = document_html(case, document, document.issued_at)
    assert signed in reissued


def test_an_api_client_with_roles_only_in_its_token_gets_the_role_title(
    app: Flask, make_user: Callable[..., Any]
) -> None:
    """A client whose roles come from its token (no stored roles) decides in the role that
    allowed the transition, and the notice names it."""
    resident = make_user("Erika Mustermann")
    case = submit_case("parking_permit", parking_data(), resident.id, actor_for(resident)).case
    robot = Actor(id="client:fachverfahren", kind="client", roles=frozenset({"case_worker"}))
    fire_transition(case, "reject", robot, {"reason": "Kein Wohnsitz."})
    db.session.commit()
    drain()

    (document,) = documents_for_case(case)
    assert "Im Auftrag Sachbearbeitung" in pdf_text(document_bytes(document))
