"""Anonymisation blanks personal data in the trail and keeps the log verifiable."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from audit_support import seal, settle
from flask.testing import FlaskClient
from sqlalchemy import select

from service.audit.services import document_in_log
from service.cases.models import AuditEvent
from service.extensions import db
from service.privacy.services import anonymise_case


def test_anonymising_keeps_verify_green_and_the_documents_proof_valid(
    app: Any, client: FlaskClient, tmp_path: Path, issued: Callable[..., Any]
) -> None:
    case, document = issued()
    witness = tmp_path / "witness.json"
    witness.write_text(json.dumps(seal()), encoding="utf-8")
    before = document_in_log(document.id, document.sha256)
    assert before.verified

    anonymise_case(case)
    db.session.commit()
    sealed_after = seal()

    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.case_id == case.id).order_by(AuditEvent.seq)
    ).all()
    assert events[0].actor_label == ""  # the resident's name on the submission is gone
    assert events[0].salt is None  # nobody can test a guessed name against the digest
    assert "Olga Officer" in {e.actor_label for e in events}  # who decided for the city
    assert events[-1].action == "anonymised"
    result = app.test_cli_runner().invoke(args=["audit", "verify", "--checkpoint", str(witness)])
    assert result.exit_code == 0, result.output

    after = document_in_log(document.id, document.sha256)
    assert after.verified and after.checkpoint_size == sealed_after["tree_size"]
    page = client.get(f"/verify/{document.verification_code}").get_data(as_text=True)
    assert f"Eintrag {after.leaf_index} im öffentlichen Prüfprotokoll" in page
    assert "Inklusionsnachweis" in page


def test_the_verify_page_says_in_english_when_a_document_awaits_its_checkpoint(
    client: FlaskClient, issued: Callable[..., Any]
) -> None:
    _case, document = issued()
    settle()
    page = client.get(
        f"/verify/{document.verification_code}", headers={"Accept-Language": "en"}
    ).get_data(as_text=True)
    assert "will be covered by the next sealed checkpoint" in page
