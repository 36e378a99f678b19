"""E-mails name a country, never print its code: a `country` input of a decision reads
"Österreich" / "Austria", and e-mail templates have `country_name(code)` as documents do."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from factories import CaseFactory, UserFactory, actor_of
from flask import Flask
from sqlalchemy import func, select

from service.cases.models import AuditEvent, Case
from service.cases.services import fire_transition
from service.extensions import db
from service.mail.services import compose
from tests.conftest import running
from tests.definitions.test_definitions_inputs import definitions_with

REVOKE = """\
    inputs:
      - name: reason
        label: {de: Grund des Widerrufs, en: Reason for the revocation}
        type: textarea
      - name: destination
        label: {de: Wegzug nach, en: Moved to}
        type: country
    notify: decided
"""
LINE = "{% if decision %}Neuer Staat: {{ country_name(decision.inputs.destination) }}{% endif %}"


@pytest.fixture
def app(make_app: Callable[..., Flask], tmp_path: Path) -> Iterator[Flask]:
    root = definitions_with(tmp_path, REVOKE)
    body = root / "templates" / "email" / "decided" / "body.txt"
    body.write_text(body.read_text() + "\n" + LINE + "\n")
    with running(make_app(DEFINITIONS_ROOT=str(root))) as application:
        yield application


def _revoked_mail(lang: str) -> str:
    case = CaseFactory(service="parking_permit", approved=True)
    case.lang = lang
    fire_transition(
        case,
        "revoke",
        actor_of(UserFactory(officer=True)),
        {"reason": "Umzug", "destination": "AT"},
    )
    db.session.commit()
    seq = db.session.scalar(select(func.max(AuditEvent.seq)).where(AuditEvent.case_id == case.id))
    assert seq is not None
    mail = compose(db.session.get(Case, case.id), "decided", seq)
    assert mail is not None
    return " ".join(mail.text.split())


def test_a_country_input_reads_as_its_german_name(app: Flask) -> None:
    text = _revoked_mail("de")
    assert "Wegzug nach: Österreich" in text
    assert "Neuer Staat: Österreich" in text
    assert " AT" not in text


def test_a_country_input_reads_as_its_english_name(app: Flask) -> None:
    text = _revoked_mail("en")
    assert "Moved to: Austria" in text
    assert "Neuer Staat: Austria" in text
