"""Who sees which document: one function for the portal, the back office and the API."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import update

from service.cases.models import AuditEvent
from service.documents.constants import DocumentStatus, Viewer
from service.documents.models import Document
from service.documents.services import (
    DocumentNotFound,
    DocumentNotReady,
    prepare_document,
    readable_document,
    visible_documents,
    withdraw_document,
)
from service.extensions import db
from service.jobs.services import drain
from tests.api.api_support import api_config, auth, mint


def _documents_in_every_state(issued: Callable[..., Any]) -> tuple[Any, dict[str, Document]]:
    """Return a case with one document rendered, one pending, one failed, one withdrawn."""
    case, rendered = issued()
    seq = db.session.query(db.func.max(AuditEvent.seq)).filter_by(case_id=case.id).scalar()
    pending = prepare_document(case.id, rendered.document, seq + 1)
    failed = prepare_document(case.id, rendered.document, seq + 2)
    db.session.execute(
        update(Document).where(Document.id == failed.id).values(status=DocumentStatus.FAILED)
    )
    _other, withdrawn = issued()
    # A second issued document of the same case (moved over from another case), withdrawn.
    withdrawn.case_id, withdrawn.event_seq = case.id, seq + 3
    withdraw_document(withdrawn)
    db.session.commit()
    db.session.expire_all()
    docs = {"rendered": rendered, "pending": pending, "failed": failed, "withdrawn": withdrawn}
    return case, {k: db.session.get(Document, d.id) for k, d in docs.items()}


@pytest.mark.parametrize(
    ("viewer", "sees"),
    [
        (Viewer.RESIDENT, {"rendered"}),
        (Viewer.CLIENT, {"rendered"}),
        (Viewer.STAFF, {"rendered", "pending", "failed", "withdrawn"}),
    ],
)
def test_each_viewer_sees_exactly_the_documents_meant_for_them(
    issued: Callable[..., Any], viewer: Viewer, sees: set[str]
) -> None:
    case, docs = _documents_in_every_state(issued)
    by_id = {d.id: name for name, d in docs.items()}

    assert {by_id[d.id] for d in visible_documents(case, viewer)} == sees


@pytest.mark.parametrize(
    ("viewer", "state", "error"),
    [
        (Viewer.RESIDENT, "pending", DocumentNotFound),
        (Viewer.CLIENT, "pending", DocumentNotFound),
        (Viewer.CLIENT, "withdrawn", DocumentNotFound),
        (Viewer.STAFF, "pending", DocumentNotReady),
        (Viewer.STAFF, "failed", DocumentNotReady),
    ],
)
def test_a_document_that_is_not_ready_or_not_visible_cannot_be_read(
    issued: Callable[..., Any], viewer: Viewer, state: str, error: type[Exception]
) -> None:
    case, docs = _documents_in_every_state(issued)

    with pytest.raises(error):
        readable_document(case, docs[state].id, viewer)
    assert readable_document(case, docs["rendered"].id, viewer).id == docs["rendered"].id


def test_api_lists_only_issued_documents_and_a_pending_ones_content_is_404_not_500(
    make_app: Callable[..., Flask], seal_paths: tuple[Path, Path], issued: Any, app: Flask
) -> None:
    case, docs = _documents_in_every_state(issued)
    key, cert = seal_paths
    api_app = make_app(**api_config(), SEAL_KEY_PATH=str(key), SEAL_CERT_PATH=str(cert))
    client = api_app.test_client()
    url = f"/api/v1/cases/{case.reference}/documents"

    listed = client.get(url, headers=auth(mint(["cases:read"], roles=["registration_officer"])))
    pending = client.get(
        f"{url}/{docs['pending'].id}/content",
        headers=auth(mint(["cases:read"], roles=["registration_officer"])),
    )
    withdrawn = client.get(
        f"{url}/{docs['withdrawn'].id}/content",
        headers=auth(mint(["cases:read"], roles=["registration_officer"])),
    )
    issued_pdf = client.get(
        f"{url}/{docs['rendered'].id}/content",
        headers=auth(mint(["cases:read"], roles=["registration_officer"])),
    )

    assert listed.status_code == 200, listed.json
    assert [(d["id"], d["status"]) for d in listed.json["items"]] == [
        (str(docs["rendered"].id), "issued")
    ]
    assert (pending.status_code, pending.mimetype) == (404, "application/problem+json")
    assert (withdrawn.status_code, withdrawn.mimetype) == (404, "application/problem+json")
    assert issued_pdf.status_code == 200
    assert issued_pdf.data.startswith(b"%PDF")


def test_failed_render_logs_the_whole_exception_with_its_traceback(
    app: Flask,
    approved_case: Callable[..., Any],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    approved_case()
    app.config["DOCUMENT_TEMPLATES_DIR"] = str(tmp_path / "no-templates-here")

    with caplog.at_level(logging.ERROR, logger="service.documents.services"):
        drain()

    (record,) = [r for r in caplog.records if "failed to render" in r.getMessage()]
    assert record.exc_info is not None
    assert "Traceback (most recent call last)" in caplog.text
    assert "TemplateNotFound" in caplog.text
    assert "no-templates-here" in caplog.text or "letter" in caplog.text
