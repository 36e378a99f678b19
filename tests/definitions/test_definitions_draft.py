"""`draft: true`: a service being written can change without version bumps until its first
case, and residents (portal, API) do not see it yet."""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask

from service.cases import services as cases
from service.cli import definitions_list
from service.definitions.services import load_definitions, sync_versions
from service.engine import Actor
from service.extensions import db
from tests.api.api_support import api_config, auth, mint
from tests.conftest import running
from tests.factories import parking_permit_data

ROOT = Path(__file__).resolve().parents[2]


def copy_definitions(root: Path, draft: bool = True) -> Path:
    for folder in ("forms", "workflows", "templates"):
        shutil.copytree(ROOT / folder, root / folder)
    shutil.copy(ROOT / "city.yaml", root / "city.yaml")
    if draft:
        edit(
            root,
            "workflows/parking_permit.yaml",
            "form: parking_permit\n",
            "form: parking_permit\ndraft: true\n",
        )
    return root


def edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


@pytest.fixture
def draft_app(make_app: Callable[..., Flask], tmp_path: Path) -> Iterator[Flask]:
    root = copy_definitions(tmp_path / "defs")
    with running(make_app(DEFINITIONS_ROOT=str(root), **api_config())) as application:
        yield application


def make_user(name: str, roles: list[str] | None = None) -> Any:
    """A user in the draft app's database (the `make_user` fixture would build another app)."""
    from tests.factories import UserFactory

    user = UserFactory(name=name, roles=roles or [])
    db.session.commit()
    return user


def log_in(user: Any, on: Any) -> None:
    import time

    with on.session_transaction() as session:
        session["user_id"] = user.id
        session["auth_time"] = session["last_seen"] = time.time()


def submit_permit() -> Any:
    max_ = make_user("Max Mustermann")
    case = cases.submit_case(
        "parking_permit", parking_permit_data(), max_.id, Actor(**max_.as_actor_fields())
    ).case
    db.session.commit()
    return case


def test_a_draft_changes_without_a_version_bump_until_its_first_case(draft_app: Flask) -> None:
    root = Path(draft_app.config["DEFINITIONS_ROOT"])
    edit(
        root,
        "workflows/parking_permit.yaml",
        "title: {de: Bewohnerparkausweis,",
        "title: {de: Anwohnerparkausweis,",
    )
    edit(root, "forms/parking_permit.yaml", "de: Vorname,", "de: Rufname,")
    assert sync_versions(load_definitions(root)[0], cases.definition_in_use) == []
    registry = load_definitions(root)[0]
    assert sync_versions(registry, cases.definition_in_use) == []
    submit_permit()
    edit(
        root,
        "workflows/parking_permit.yaml",
        "title: {de: Anwohnerparkausweis,",
        "title: {de: Parkausweis,",
    )
    problems = [str(p) for p in sync_versions(load_definitions(root)[0], cases.definition_in_use)]
    version = registry.service("parking_permit").version
    assert problems == [
        f"workflows/parking_permit.yaml:1: workflows/parking_permit.yaml changed but its "
        f"version {version} was not raised: version {version} is already in use with different "
        f"content; set 'version: {version + 1}' (a change in workflows/_common/, which it "
        f"uses, counts too)"
    ]


def test_a_published_service_still_needs_a_version_bump(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    root = copy_definitions(tmp_path / "defs", draft=False)
    with running(make_app(DEFINITIONS_ROOT=str(root))):
        edit(
            root,
            "workflows/parking_permit.yaml",
            "title: {de: Bewohnerparkausweis,",
            "title: {de: Parkausweis,",
        )
        assert len(sync_versions(load_definitions(root)[0], cases.definition_in_use)) == 1


def test_residents_do_not_see_a_draft_service(draft_app: Flask) -> None:
    client = draft_app.test_client()
    catalogue = client.get("/").get_data(as_text=True)
    assert "/services/residence_registration" in catalogue
    assert "/services/parking_permit" not in catalogue
    assert client.get("/services/parking_permit").status_code == 404
    assert client.get("/services/parking_permit/apply").status_code in (302, 404)
    log_in(make_user("Max Mustermann"), on=client)
    assert client.get("/services/parking_permit").status_code == 404
    assert client.get("/services/parking_permit/apply").status_code == 404


def test_staff_of_the_service_may_try_a_draft(draft_app: Flask) -> None:
    client = draft_app.test_client()
    log_in(make_user("Olaf Bewohnerparken", roles=["parking_permit:permit_officer"]), on=client)
    assert client.get("/services/parking_permit").status_code == 200
    assert "/services/parking_permit" not in client.get("/").get_data(as_text=True)


def test_the_api_lists_no_draft_service(draft_app: Flask) -> None:
    api = draft_app.test_client()
    listed = api.get("/api/v1/services", headers=auth(mint(["cases:read"])))
    assert listed.status_code == 200
    keys = {item["key"] for item in listed.get_json()["items"]}
    assert "parking_permit" not in keys and "residence_registration" in keys
    one = api.get("/api/v1/services/parking_permit", headers=auth(mint(["cases:read"])))
    assert one.status_code == 404


def test_the_api_takes_no_submission_for_a_draft_service(draft_app: Flask) -> None:
    api = draft_app.test_client()
    body = {
        "service": "parking_permit",
        "applicant": {"subject": "resident-1", "name": "Max Mustermann"},
        "data": parking_permit_data(),
    }
    headers = {**auth(mint(["cases:write", "cases:read"])), "Idempotency-Key": "draft-1"}

    response = api.post("/api/v1/cases", json=body, headers=headers)

    assert response.status_code == 404, response.get_json()
    assert response.mimetype == "application/problem+json"
    assert db.session.scalar(db.select(db.func.count(cases.Case.id))) == 0


def test_the_api_takes_no_upload_for_a_draft_service(draft_app: Flask) -> None:
    from tests.api.api_support import PDF

    response = draft_app.test_client().post(
        "/api/v1/uploads",
        data={
            "service": "parking_permit",
            "field": "vehicle_registration",
            "file": (io.BytesIO(PDF), "fahrzeugschein.pdf"),
        },
        headers=auth(mint(["cases:write"])),
        content_type="multipart/form-data",
    )

    assert response.status_code == 422, response.get_json()
    assert response.get_json()["errors"] == [
        {"path": "service", "message": "Es gibt keine Leistung mit diesem Schlüssel."}
    ]


def test_definitions_list_shows_workflow_and_form_versions_with_open_cases(
    draft_app: Flask,
) -> None:
    submit_permit()
    submit_permit()
    registry = load_definitions(draft_app.config["DEFINITIONS_ROOT"])[0]
    wf = registry.service("parking_permit").version
    form = registry.form("parking_permit").version
    result = CliRunner().invoke(definitions_list, obj=None, standalone_mode=False)
    assert result.exception is None, result.output
    lines = result.output.splitlines()
    assert f"workflow parking_permit\tv{wf} (current, draft)\t2 open case(s)" in lines
    assert f"form     parking_permit\tv{form} (current)\t2 open case(s)" in lines
    assert any(line.startswith("workflow residence_registration\tv") for line in lines)
