"""Document templates are versioned with their workflow: an open case keeps the text of
the version it started with after the template changes for the next version."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask

from service.cases import services as cases
from service.definitions.services import load_definitions, sync_versions
from service.documents.models import Document
from service.documents.services import document_html
from service.engine import Actor
from service.extensions import db
from service.transactions import ensure_definitions_synced
from tests.factories import UserFactory, parking_permit_data

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = "templates/pdf/parking_permit/document.html"
OLD, NEW = "Amtliches Kennzeichen", "Kfz-Kennzeichen (neu)"


def copy_definitions(root: Path) -> Path:
    for folder in ("forms", "workflows", "templates"):
        shutil.copytree(ROOT / folder, root / folder)
    shutil.copy(ROOT / "city.yaml", root / "city.yaml")
    return root


def change_template_and_raise_version(root: Path, raise_version: bool = True) -> None:
    path = root / TEMPLATE
    path.write_text(path.read_text().replace(OLD, NEW))
    if raise_version:
        wf = root / "workflows" / "parking_permit.yaml"
        text = wf.read_text()
        old = int(re.search(r"^version: (\d+)$", text, flags=re.M).group(1))  # type: ignore[union-attr]
        wf.write_text(text.replace(f"version: {old}", f"version: {old + 1}", 1))


def permit_html(case: Any) -> str:
    document = Document(case_id=case.id, document="parking_permit", verification_code="ABCD")
    return document_html(case, document, datetime.now(UTC))


def submit() -> Any:
    max_ = UserFactory(name="Max Mustermann", roles=[])
    case = cases.submit_case(
        "parking_permit", parking_permit_data(), max_.id, Actor(**max_.as_actor_fields())
    ).case
    db.session.commit()
    return case


def test_an_open_case_keeps_the_template_text_of_its_version(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    root = copy_definitions(tmp_path / "defs")
    with make_app(DEFINITIONS_ROOT=str(root)).app_context():
        ensure_definitions_synced()
        old_case = submit()
        assert OLD in permit_html(old_case)
        old_id = old_case.id
        db.session.remove()

    change_template_and_raise_version(root)
    with make_app(DEFINITIONS_ROOT=str(root)).app_context():
        ensure_definitions_synced()
        old_case = db.session.get(cases.Case, old_id)
        html = permit_html(old_case)
        assert OLD in html and NEW not in html
        new_case = submit()
        assert new_case.workflow_version == old_case.workflow_version + 1
        html = permit_html(new_case)
        assert NEW in html and OLD not in html
        db.session.remove()


def test_a_changed_template_needs_a_new_workflow_version(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    root = copy_definitions(tmp_path / "defs")
    with make_app(DEFINITIONS_ROOT=str(root)).app_context():
        ensure_definitions_synced()
        change_template_and_raise_version(root, raise_version=False)
        registry = load_definitions(root)[0]
        version = registry.service("parking_permit").version
        problems = [str(p) for p in sync_versions(registry, cases.definition_in_use)]
        db.session.remove()
    assert problems == [
        f"{TEMPLATE}:1: {TEMPLATE} changed but the version of workflows/parking_permit.yaml "
        f"was not raised: version {version} is already in use with the old template; "
        f"set 'version: {version + 1}' there"
    ]
