"""The "decided" e-mail says what was decided and why, in the case's language."""

from __future__ import annotations

import re
from typing import Any

from factories import CaseFactory
from sqlalchemy import func, select

from service.cases.models import AuditEvent, Case
from service.extensions import db
from service.mail.services import compose


def _decided_mail(case: Case) -> Any:
    last = db.session.scalar(select(func.max(AuditEvent.seq)).where(AuditEvent.case_id == case.id))
    mail = compose(case, "decided", int(last))
    assert mail is not None
    return mail


def test_the_rejection_mail_names_the_reason_and_promises_no_document(app: Any) -> None:
    case = CaseFactory(rejected=True)  # rejected by a case worker: "Adresse existiert nicht."

    mail = _decided_mail(case)

    for body in (mail.text, re.sub(r"<[^>]+>", "", mail.html)):
        assert "Ergebnis: " in body and "Abgelehnt" in body
        assert "Begründung: Adresse existiert nicht." in " ".join(body.split())
        assert "Ablehnungsbescheid" in body
        assert "sobald ein Dokument bereitsteht" not in body


def test_the_rejection_mail_in_english_names_the_reason_in_english(app: Any) -> None:
    case = CaseFactory(rejected=True)
    case.lang = "en"
    db.session.commit()

    mail = _decided_mail(case)

    assert "Result: Rejected" in mail.text
    assert "Reason: Adresse existiert nicht." in " ".join(mail.text.split())
    assert "rejection notice" in mail.text


def test_the_approval_mail_lists_no_reason(app: Any) -> None:
    case = CaseFactory(approved=True)

    mail = _decided_mail(case)

    assert "Begründung" not in mail.text
    assert "Angemeldet" in mail.text
