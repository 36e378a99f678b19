"""Rendering from the outbox: after commit, idempotent, retried on failure, announced."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select, update

from service.documents.constants import DocumentStatus, Viewer
from service.documents.models import Document
from service.documents.services import (
    document_bytes,
    documents_for_case,
    retry_document,
    visible_documents,
)
from service.extensions import db
from service.jobs.constants import JobStatus
from service.jobs.models import OutboxItem
from service.jobs.services import drain


def _render_items() -> list[OutboxItem]:
    return list(db.session.scalars(select(OutboxItem).where(OutboxItem.kind == "document.render")))


def _ready_events() -> list[OutboxItem]:
    items = db.session.scalars(select(OutboxItem).where(OutboxItem.kind == "webhook.event"))
    return [i for i in items if i.payload["type"] == "case.document_ready"]


def test_approval_queues_the_document_and_the_worker_renders_it(
    approved_case: Callable[..., Any],
) -> None:
    case = approved_case()
    assert documents_for_case(case) == []  # the approval did not wait for the PDF

    drain()

    (document,) = documents_for_case(case)
    assert document.document == "meldebestaetigung"
    assert document.status == DocumentStatus.RENDERED
    assert document_bytes(document).startswith(b"%PDF-")
    assert document.size == len(document_bytes(document))
    (event,) = _ready_events()
    assert event.payload["reference"] == case.reference
    assert event.payload["document"] == "meldebestaetigung"
    assert event.payload["transition"] == "approve"


def test_rendering_the_same_item_twice_yields_one_document(
    approved_case: Callable[..., Any], tmp_path: Path
) -> None:
    case = approved_case()
    drain()
    (first,) = documents_for_case(case)
    code, digest = first.verification_code, first.sha256

    # A worker that crashed after rendering leaves the item to run again.
    db.session.execute(update(OutboxItem).values(status=JobStatus.PENDING))
    db.session.commit()
    drain()

    (again,) = visible_documents(case, Viewer.STAFF)
    assert (again.id, again.verification_code, again.sha256) == (first.id, code, digest)
    assert len(list((tmp_path / "files").rglob("*.pdf"))) == 1
    assert len(_ready_events()) == 1


def test_failed_render_shows_failed_and_is_retried(
    app: Flask, approved_case: Callable[..., Any], tmp_path: Path
) -> None:
    case = approved_case()
    app.config["DOCUMENT_TEMPLATES_DIR"] = str(tmp_path / "no-templates-here")
    drain()

    (document,) = visible_documents(case, Viewer.STAFF)
    assert document.status == DocumentStatus.FAILED
    assert "TemplateNotFound" in (document.last_error or "")
    assert documents_for_case(case) == []
    (item,) = _render_items()
    assert item.status == JobStatus.PENDING  # retried later, with backoff
    assert item.attempts == 1
    code = document.verification_code

    app.config.pop("DOCUMENT_TEMPLATES_DIR")
    assert retry_document(document.id)
    db.session.commit()
    drain()

    db.session.expire_all()
    (document,) = documents_for_case(case)
    assert document.status == DocumentStatus.RENDERED
    assert document.last_error is None
    assert document.verification_code == code  # the retry prints the same code


def test_retry_of_a_rendered_document_does_nothing(issued: Callable[..., Any]) -> None:
    _case, document = issued()

    assert not retry_document(document.id)
    assert (
        db.session.scalar(select(Document.status).where(Document.id == document.id)) == "rendered"
    )
