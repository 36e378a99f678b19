"""Public API of documents: render, seal and store confirmations; find, serve, verify them.

A transition that issues a document queues a "document.render" outbox item in its own
transaction; the worker renders it after commit (`_handle_render`), so an approval never
waits for WeasyPrint and never loses its document. Rendering the same item twice yields
one stored document. The functions here only flush; the worker, request or CLI command
commits.
"""

from __future__ import annotations

import base64
import logging
import re
import secrets
from datetime import datetime
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select, update

from service.cases.computed import computed_of
from service.cases.constants import CASE_DOCUMENT_READY, Effect
from service.cases.decisions import decision_at
from service.cases.models import AuditEvent, Case
from service.cases.services import service_for
from service.definitions.services import current_city, current_registry
from service.definitions.types import DocumentDefinition, ServiceDefinition
from service.documents import copies, rendering, seal
from service.documents.constants import CODE_BYTES, DocumentStatus, Viewer
from service.documents.models import Document
from service.errors import AppError, Text
from service.extensions import db, insert_unless_exists, utcnow
from service.jobs import services as jobs
from service.storage.services import get_storage, sha256

log = logging.getLogger(__name__)

seal_cli = AppGroup("seal", help="Manage the key that seals issued documents.")


class DocumentNotFound(AppError):
    """The viewer may not see this document (or it does not exist)."""

    status = 404
    kind = "document-not-found"
    message = Text(de="Dieses Dokument gibt es nicht.", en="There is no such document.")
    page_back = False


class DocumentNotReady(AppError):
    """The document is still being produced (or producing it failed): ask again later."""

    status = 409
    kind = "document-not-ready"
    message = Text(
        de="Dieses Dokument wird noch erstellt. Bitte versuchen Sie es später noch einmal.",
        en="This document is still being produced. Please try again later.",
    )
    page_back = False


class DocumentUnavailable(LookupError):
    """The case or its document definition is gone; rendering cannot succeed later."""


# ------------------------------------------------------------------ lookups


def new_verification_code() -> str:
    """Return a random, URL-safe, unguessable code (24 base32 characters, 120 bits)."""
    return base64.b32encode(secrets.token_bytes(CODE_BYTES)).decode().rstrip("=")


def normalise_code(code: str) -> str:
    """Return the code as stored: upper case, without spaces or hyphens someone typed."""
    return re.sub(r"[\s-]", "", code).upper()


def document_definition(service: ServiceDefinition, key: str) -> DocumentDefinition:
    """Return the workflow's definition of document `key` or raise DocumentUnavailable."""
    for definition in service.documents:
        if definition.key == key:
            return definition
    raise DocumentUnavailable(f"{service.key} v{service.version} defines no document {key!r}")


def document_title(document: Document, lang: str = "de") -> str:
    """Return the document's title from the workflow version its case is pinned to."""
    case = db.session.get(Case, document.case_id)
    if case is None:
        return document.document
    try:
        return document_definition(service_for(case), document.document).title.get(lang)
    except DocumentUnavailable:
        return document.document


def visible_documents(case: Case, viewer: Viewer) -> list[Document]:
    """Return the documents of `case` that `viewer` may see, oldest first.

    The one rule for every face: a resident (portal) and an integrator (API) see issued
    documents that were not withdrawn; staff (back office) see every document with its
    status, pending, failed and withdrawn ones too. Whether the viewer may see the case
    at all is the caller's check.
    """
    query = select(Document).where(Document.case_id == case.id).order_by(Document.id)
    if viewer is not Viewer.STAFF:
        query = query.where(
            Document.status == DocumentStatus.RENDERED, Document.withdrawn_at.is_(None)
        )
    return list(db.session.scalars(query))


def readable_document(case: Case, document_id: int | str, viewer: Viewer) -> Document:
    """Return the document whose content `viewer` may download, or raise a typed error.

    `DocumentNotFound` (404) when the viewer may not see it, `DocumentNotReady` (409) when
    staff ask for one that is still rendering or failed.
    """
    wanted = str(document_id)
    for document in visible_documents(case, viewer):
        if str(document.id) == wanted:
            if document.storage_key is None or document.status != DocumentStatus.RENDERED:
                raise DocumentNotReady(f"document {document.id} is {document.status}")
            return document
    raise DocumentNotFound(f"document {wanted} of case {case.id} is not visible to {viewer}")


def documents_for_case(case: Case) -> list[Document]:
    """Return the case's documents its applicant may download (issued, not withdrawn)."""
    return visible_documents(case, Viewer.RESIDENT)


def document_by_code(code: str) -> Document | None:
    """Return the issued document with this verification code, or None."""
    code = normalise_code(code)
    if not code or len(code) > 64:
        return None
    document = db.session.scalar(select(Document).where(Document.verification_code == code))
    if document is None or document.status != DocumentStatus.RENDERED:
        return None
    return document


def document_bytes(document: Document) -> bytes:
    """Return the stored PDF of an issued document (staff download it through the back office)."""
    if document.storage_key is None:
        raise LookupError("the document has not been rendered")
    return get_storage().get(document.storage_key)


def matches(document: Document, data: bytes) -> bool:
    """Return True when `data` is byte for byte the PDF that was issued."""
    return document.sha256 is not None and secrets.compare_digest(sha256(data), document.sha256)


def download_name(document: Document) -> str:
    """Return a safe file name for the download: reference and document key."""
    case = db.session.get(Case, document.case_id)
    reference = case.reference if case is not None else str(document.case_id)
    return re.sub(r"[^A-Za-z0-9._-]", "_", f"{reference}-{document.document}") + ".pdf"


def outbox_key(document: Document) -> str:
    """Return the outbox key of the item that renders the document (see cases._queue_effects)."""
    return f"document:{document.case_id}:{document.document}:{document.event_seq}"


# ------------------------------------------------------------------ back-office actions


def retry_document(document_id: int) -> bool:
    """Queue a failed render again now; return False when there is nothing to retry."""
    from service.jobs.models import OutboxItem

    document = db.session.get(Document, document_id)
    if document is None or document.status == DocumentStatus.RENDERED:
        return False
    item_id = db.session.scalar(select(OutboxItem.id).where(OutboxItem.key == outbox_key(document)))
    if item_id is None:
        return False
    return jobs.retry_item(item_id)


def withdraw_document(document: Document, at: datetime | None = None) -> None:
    """Withdraw an issued document: the verification page says so, residents no longer see it."""
    if document.withdrawn_at is None:
        document.withdrawn_at = at or utcnow()
        db.session.flush()


# ------------------------------------------------------------------ rendering


def templates_root() -> Path:
    """Return the folder holding `<template>/document.html` for every document."""
    configured = current_app.config.get("DOCUMENT_TEMPLATES_DIR")
    if configured:
        return Path(configured)
    return Path(current_app.config["DEFINITIONS_ROOT"]) / "templates" / "pdf"


def application_copy(case: Case, lang: str) -> tuple[str, bytes]:
    """Return the file name and PDF of the case's answers as sent (see `documents.copies`)."""
    return copies.application_copy(case, lang, templates_root())


def verify_url(code: str) -> str:
    """Return the public URL of the verification page of `code`."""
    return f"{current_app.config['BASE_URL'].rstrip('/')}/verify/{code}"


def prepare_document(case_id: int, key: str, event_seq: int) -> Document:
    """Return the document row for this render, created with its verification code if new."""
    query = select(Document).where(
        Document.case_id == case_id, Document.document == key, Document.event_seq == event_seq
    )
    existing = db.session.scalar(query)
    if existing is not None:
        return existing
    document = Document(
        case_id=case_id,
        document=key,
        event_seq=event_seq,
        status=DocumentStatus.PENDING,
        verification_code=new_verification_code(),
    )
    if not insert_unless_exists(document):
        # Another worker created the row first: use theirs, and their verification code.
        found = db.session.scalar(query)
        if found is None:
            raise RuntimeError("the document could be neither created nor found")
        return found
    return document


def document_html(case: Case, document: Document, issued_at: datetime) -> str:
    """Return the HTML of `document` as it goes into the PDF (also a preview for staff)."""
    service = service_for(case)
    definition = document_definition(service, document.document)
    form = current_registry().form(service.form_key, case.form_version)
    context = rendering.build_context(
        data=case.data,
        reference=case.reference,
        service_title=service.title.get("de"),
        document_title=definition.title.get("de"),
        submitted_at=case.submitted_at,
        issued_at=issued_at,
        verification_code=document.verification_code,
        verify_url=verify_url(document.verification_code),
        form=form,
        computed={c.key: c for c in computed_of(case, "de")},
        city=current_city(),
        department=definition.department,
        decision=decision_at(case, document.event_seq, "de"),
    )
    # The texts stored with the case's workflow version (document, layout, style sheets);
    # a configured template folder (DOCUMENT_TEMPLATES_DIR) is rendered as it is.
    stored = None if current_app.config.get("DOCUMENT_TEMPLATES_DIR") else current_registry()
    version = (case.service_key, case.workflow_version)
    source = stored.document_template(*version, document.document) if stored else None
    files = stored.pdf_files(*version) if stored else None
    return rendering.render_html(templates_root(), definition.template, context, source, files)


def render_pdf(case: Case, document: Document, issued_at: datetime) -> bytes:
    """Render and seal the PDF of `document` (no database writes)."""
    pdf = rendering.html_to_pdf(templates_root(), document_html(case, document, issued_at))
    config = current_app.config
    return seal.seal_pdf(
        pdf,
        config["SEAL_KEY_PATH"],
        config["SEAL_CERT_PATH"],
        reason=f"{document_title(document)} {case.reference}",
        location=current_city().name.de,
    )


def issue_document(document: Document) -> bool:
    """Render, seal and store `document` and announce it; return False if already issued."""
    case = db.session.get(Case, document.case_id)
    if case is None or case.anonymised_at is not None:
        raise DocumentUnavailable("the case no longer exists or was anonymised")
    if document.status == DocumentStatus.RENDERED:
        return False
    issued_at = utcnow()
    pdf = render_pdf(case, document, issued_at)
    storage = get_storage()
    storage_key = storage.put(pdf, suffix=".pdf")
    # Conditional, so that two workers racing on one item never both issue it.
    result = db.session.execute(
        update(Document)
        .where(Document.id == document.id, Document.status != DocumentStatus.RENDERED)
        .values(
            status=DocumentStatus.RENDERED,
            storage_key=storage_key,
            sha256=sha256(pdf),
            size=len(pdf),
            issued_at=issued_at,
            last_error=None,
        )
        .execution_options(synchronize_session="fetch")
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        storage.delete(storage_key)
        return False
    _announce(case, document)
    # The document's hash becomes a leaf of the public audit log (service.audit).
    jobs.enqueue(
        Effect.AUDIT_LEAF,
        {"document_id": document.id},
        key=f"audit-leaf:document:{document.id}",
        case_id=case.id,
    )
    db.session.flush()
    return True


def _announce(case: Case, document: Document) -> None:
    """Queue the "case.document_ready" webhook event in the same transaction (none for a
    case of a draft workflow version, as `cases.events.queue_effects` explains)."""
    if service_for(case).draft:
        return
    transition = db.session.scalar(
        select(AuditEvent.transition).where(
            AuditEvent.case_id == case.id, AuditEvent.seq == document.event_seq
        )
    )
    jobs.enqueue(
        Effect.WEBHOOK_EVENT,
        {
            "type": CASE_DOCUMENT_READY,
            "case_id": case.id,
            "reference": case.reference,
            "service": case.service_key,
            "state": case.state,
            "transition": transition,
            "at": utcnow().isoformat(),
            "document": document.document,
            "document_id": document.id,
        },
        key=f"event:{case.id}:doc:{document.id}:{CASE_DOCUMENT_READY}",
        case_id=case.id,
    )


def _mark_failed(document_id: int, error: str) -> None:
    db.session.execute(
        update(Document)
        .where(Document.id == document_id, Document.status != DocumentStatus.RENDERED)
        .values(status=DocumentStatus.FAILED, last_error=error[:2000])
    )


@jobs.register(Effect.RENDER_DOCUMENT)
def _handle_render(payload: dict[str, Any]) -> None:
    """Outbox handler: render one document; on failure record it and let the outbox retry."""
    case_id, key = int(payload["case_id"]), str(payload["document"])
    event_seq = int(payload["event_seq"])
    if db.session.get(Case, case_id) is None:
        raise jobs.GiveUp("the case no longer exists")
    document = prepare_document(case_id, key, event_seq)
    document_id = document.id
    # Commit the row first: its verification code must survive a failed render.
    db.session.commit()
    try:
        issue_document(document)
    except Exception as exc:
        db.session.rollback()
        _mark_failed(document_id, f"{type(exc).__name__}: {exc}")
        db.session.commit()
        # The whole exception with its traceback: a class name alone left a failure unexplained.
        log.error("document %s failed to render", document_id, exc_info=exc)
        if isinstance(exc, DocumentUnavailable):
            raise jobs.GiveUp(str(exc)) from exc
        raise


# ------------------------------------------------------------------ app wiring


@seal_cli.command("generate")
@click.option("--force", is_flag=True, help="Replace an existing development key.")
def seal_generate(force: bool) -> None:
    """Generate the development seal key and self-signed certificate."""
    if current_app.config.get("AMTSWEG_ENV") == "production":
        raise click.ClickException("production seals with the configured key; none is generated")
    key_path = Path(current_app.config["SEAL_KEY_PATH"])
    cert_path = Path(current_app.config["SEAL_CERT_PATH"])
    organisation = current_city().seal_organisation
    if seal.generate_dev_seal(key_path, cert_path, force=force, organisation=organisation):
        click.echo(f"wrote {key_path} and {cert_path}")
    else:
        click.echo(f"{key_path} and {cert_path} exist (use --force to replace them)")
