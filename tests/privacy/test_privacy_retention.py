"""Closed cases lose their personal data when the workflow's retention period ends."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Flask
from privacy_data import CLOSED_AT  # type: ignore[import-not-found]
from sqlalchemy import select

from service.cases.models import AuditEvent, Case, CaseNote
from service.cases.services import verify_audit_chain
from service.extensions import db
from service.privacy.services import run_retention, set_legal_hold
from service.storage.services import get_storage
from tests.conftest import actor_for

AFTER_RETENTION = CLOSED_AT + timedelta(days=2 * 366)


def _files(case: Case) -> tuple[list[Any], list[Any]]:
    from service.attachments.models import Upload
    from service.documents.models import Document

    uploads = list(db.session.scalars(select(Upload).where(Upload.case_id == case.id)))
    documents = list(db.session.scalars(select(Document).where(Document.case_id == case.id)))
    return uploads, documents


def test_closed_case_past_retention_is_anonymised_and_its_files_are_gone(
    app: Flask, closed_case: Callable[..., Case]
) -> None:
    case = closed_case()
    uploads, documents = _files(case)
    stored = [uploads[0].storage_key, documents[0].storage_key]
    storage = get_storage()
    assert all(storage.exists(key) for key in stored)

    entries = run_retention(AFTER_RETENTION)
    db.session.commit()

    assert [e.reference for e in entries] == [case.reference]
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case is not None and case.anonymised_at is not None
    assert case.applicant_name == ""
    # Non-personal answers stay for statistics; everything personal is gone.
    assert case.data["residence_kind"] == "sole"
    assert case.data["arriving_from_abroad"] is False
    assert case.data["landlord_confirmation_kind"] == "upload"
    assert case.data["persons"] == [{}]
    text = repr(case.data)
    for secret in (
        "Mustermann",
        "1984-08-12",
        "Marktplatz",
        "L01X00T47",
        "erika@",
        "wohnungsgeber",
    ):
        assert secret not in text
    assert not any(storage.exists(key) for key in stored)
    uploads, documents = _files(case)
    assert uploads == []
    assert documents[0].withdrawn_at is not None and documents[0].storage_key is None
    assert db.session.query(CaseNote).filter_by(case_id=case.id).count() == 0
    # The audit trail still verifies, and says what happened last.
    assert verify_audit_chain(case.id) == []
    last = db.session.scalars(
        select(AuditEvent).where(AuditEvent.case_id == case.id).order_by(AuditEvent.seq.desc())
    ).first()
    assert last is not None and last.action == "anonymised" and last.actor_id == "system:retention"
    # A second run finds nothing left to do.
    assert run_retention(AFTER_RETENTION + timedelta(days=1)) == []


def test_case_within_retention_is_kept(app: Flask, closed_case: Callable[..., Case]) -> None:
    case = closed_case()
    assert run_retention(CLOSED_AT + timedelta(days=365)) == []
    assert case.anonymised_at is None and case.applicant_name


def test_legal_hold_keeps_the_case_until_it_is_lifted(
    app: Flask, closed_case: Callable[..., Case], officer: Any
) -> None:
    case = closed_case()
    set_legal_hold(case, True, actor_for(officer))
    db.session.commit()

    assert run_retention(AFTER_RETENTION) == []
    db.session.commit()
    assert case.anonymised_at is None
    assert case.data["persons"][0]["family_name"] == "Mustermann1"
    assert verify_audit_chain(case.id) == []

    set_legal_hold(case, False, actor_for(officer))
    assert [e.case_id for e in run_retention(AFTER_RETENTION)] == [case.id]
    db.session.commit()
    actions = list(
        db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.case_id == case.id).order_by(AuditEvent.seq)
        )
    )
    assert actions[-3:] == ["legal_hold", "legal_hold", "anonymised"]
    from service.backoffice.timeline import timeline

    newest = timeline(case, "de")[:3]
    assert [(t.title.de, t.inputs) for t in newest[1:]] == [
        ("Aufbewahrungssperre aufgehoben", []),
        ("Aufbewahrungssperre gesetzt", []),
    ]
    assert newest[0].title.de == "Personenbezogene Daten gelöscht"
    assert {label for label, _value in newest[0].inputs} == {
        "Gelöschte Felder",
        "Gelöschte Dateien",
        "Zurückgezogene Dokumente",
    }


def test_dry_run_lists_what_would_go_and_changes_nothing(
    app: Flask, closed_case: Callable[..., Case]
) -> None:
    case = closed_case()
    uploads, _documents = _files(case)
    before = (dict(case.data), case.applicant_name, case.audit_head)

    entries = run_retention(AFTER_RETENTION, dry_run=True)
    db.session.commit()

    assert [e.reference for e in entries] == [case.reference]
    assert "persons.family_name" in entries[0].fields
    assert "residence_kind" not in entries[0].fields
    assert entries[0].files == 1 and entries[0].documents == 1 and entries[0].notes == 1
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case is not None
    assert (case.data, case.applicant_name, case.audit_head) == before
    assert case.anonymised_at is None
    assert get_storage().exists(uploads[0].storage_key)


def test_retention_command_dry_run_prints_the_reference(
    app: Flask, closed_case: Callable[..., Case]
) -> None:
    case = closed_case()
    # The command uses the real clock: move the closing date far enough back.
    case.closed_at = CLOSED_AT - timedelta(days=3 * 366)
    db.session.commit()

    runner = app.test_cli_runner()
    result = runner.invoke(args=["retention", "run", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert f"would anonymise {case.reference}" in result.output
    db.session.expire_all()
    assert db.session.get(Case, case.id).anonymised_at is None  # type: ignore[union-attr]

    result = runner.invoke(args=["retention", "run"])
    assert result.exit_code == 0, result.output
    assert f"anonymised {case.reference}" in result.output
    db.session.expire_all()
    assert db.session.get(Case, case.id).anonymised_at is not None  # type: ignore[union-attr]
