"""The PDF layout, a document's style sheet and the e-mail templates are versioned with
the workflow too: an open case keeps what its version said after a file changed for the
next version, and a changed file whose workflow version was not raised is refused."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from service.cases import services as cases
from service.cases.models import AuditEvent
from service.definitions.services import load_definitions, sync_versions
from service.extensions import db
from service.mail.services import compose
from service.transactions import ensure_definitions_synced
from tests.documents.test_documents_versions import (
    copy_definitions,
    permit_html,
    submit,
)

MAIL = "templates/email/submitted/body.txt"
MAIL_OLD, MAIL_NEW = "ist bei uns eingegangen.", "ist eingegangen (neuer Text)."
LAYOUT = "templates/pdf/_layout.html"
STYLE = "templates/pdf/parking_permit/style.css"


@pytest.fixture
def submitted(make_app: Callable[..., Flask], tmp_path: Path) -> tuple[Path, int]:
    """Copy the shipped definitions and submit one parking permit under their versions.

    Returns the copy's root (to change files in) and the case's id.
    """
    root = copy_definitions(tmp_path / "defs")
    with make_app(DEFINITIONS_ROOT=str(root)).app_context():
        ensure_definitions_synced()
        case_id = submit().id
        db.session.remove()
    return root, case_id


def edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text()
    assert old in text, f"{rel} no longer holds {old!r}"
    path.write_text(text.replace(old, new, 1))


def raise_versions(root: Path) -> None:
    """Raise the version of every workflow: they all render with the changed file."""
    for path in (root / "workflows").glob("*.yaml"):
        text = path.read_text()
        old = int(re.search(r"^version: (\d+)$", text, flags=re.M).group(1))  # type: ignore[union-attr]
        path.write_text(text.replace(f"version: {old}", f"version: {old + 1}", 1))


def submitted_mail(case: Any) -> str:
    seq = db.session.scalar(select(func.min(AuditEvent.seq)).where(AuditEvent.case_id == case.id))
    assert seq is not None
    mail = compose(case, "submitted", seq)
    assert mail is not None
    return " ".join(mail.text.split())


def test_an_open_case_keeps_the_e_mail_text_of_its_version(
    make_app: Callable[..., Flask], submitted: tuple[Path, int]
) -> None:
    root, old_id = submitted
    edit(root, MAIL, MAIL_OLD, MAIL_NEW)
    raise_versions(root)
    with make_app(DEFINITIONS_ROOT=str(root)).app_context():
        ensure_definitions_synced()
        old_case = db.session.get(cases.Case, old_id)
        assert old_case is not None
        text = submitted_mail(old_case)
        assert MAIL_OLD in text and MAIL_NEW not in text
        new_case = submit()
        assert new_case.workflow_version == old_case.workflow_version + 1
        text = submitted_mail(new_case)
        assert MAIL_NEW in text and MAIL_OLD not in text
        db.session.remove()


def test_an_open_case_keeps_the_layout_and_style_of_its_version(
    make_app: Callable[..., Flask], submitted: tuple[Path, int]
) -> None:
    root, old_id = submitted
    edit(root, LAYOUT, "<body>", "<body><p>Neuer Briefkopf</p>")
    (root / STYLE).write_text((root / STYLE).read_text() + "\n.neuer-stil { color: red; }\n")
    raise_versions(root)
    with make_app(DEFINITIONS_ROOT=str(root)).app_context():
        ensure_definitions_synced()
        old_html = permit_html(db.session.get(cases.Case, old_id))
        assert "Neuer Briefkopf" not in old_html and "neuer-stil" not in old_html
        new_html = permit_html(submit())
        assert "Neuer Briefkopf" in new_html and "neuer-stil" in new_html
        db.session.remove()


def test_a_changed_layout_or_e_mail_needs_a_new_workflow_version(
    make_app: Callable[..., Flask], submitted: tuple[Path, int]
) -> None:
    root, _ = submitted
    edit(root, LAYOUT, "<body>", "<body><p>Neuer Briefkopf</p>")
    edit(root, MAIL, MAIL_OLD, MAIL_NEW)
    with make_app(DEFINITIONS_ROOT=str(root)).app_context():
        registry = load_definitions(root)[0]
        version = registry.service("parking_permit").version
        problems = [str(p) for p in sync_versions(registry, cases.definition_in_use)]
        db.session.remove()
    for rel in (MAIL, LAYOUT):
        assert (
            f"{rel}:1: {rel} changed but the version of workflows/parking_permit.yaml "
            f"was not raised: version {version} is already in use with the old template; "
            f"set 'version: {version + 1}' there"
        ) in problems
