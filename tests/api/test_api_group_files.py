"""File answers inside group items through the API: checked like top-level ones."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from factories import person, residence_registration_data
from flask import Flask
from flask.testing import FlaskClient

from service.attachments.models import Upload
from service.extensions import db
from tests.api.api_support import api_config, api_upload, auth, mint
from tests.conftest import running
from tests.group_files import group_files_root


@pytest.fixture
def api_app(make_app: Any, tmp_path: Path) -> Iterator[Flask]:
    """The API app serving a residence registration that asks for an ID copy per person."""
    config = api_config(DEFINITIONS_ROOT=str(group_files_root(tmp_path)))
    with running(make_app(**config)) as application:
        yield application


@pytest.fixture
def api(api_app: Flask) -> FlaskClient:
    return api_app.test_client()


def _upload(api: FlaskClient, client_id: str = "register-system") -> dict[str, Any]:
    return api_upload(api, "residence_registration", "id_document_copy", "ausweis.pdf", client_id)


def _submit(api: FlaskClient, *copies: dict[str, Any] | None) -> Any:
    persons = [
        person(first_names=name, everyday_name=name, **({"id_document_copy": c} if c else {}))
        for name, c in zip(("Erika", "Max"), copies, strict=True)
    ]
    body = {
        "service": "residence_registration",
        "applicant": {"subject": "resident-1", "name": "Erika Mustermann"},
        "data": residence_registration_data(persons=persons),
        "lang": "en",
    }
    headers = {**auth(mint()), "Idempotency-Key": f"k-{id(body)}"}
    return api.post("/api/v1/cases", json=body, headers=headers)


def test_a_group_item_names_the_clients_upload(api: FlaskClient) -> None:
    uploaded = _upload(api)
    created = _submit(api, None, uploaded)

    assert created.status_code == 201, created.json
    upload = db.session.get(Upload, uploaded["id"])
    assert upload is not None and upload.case_id == created.json["id"]
    read = api.get(f"/api/v1/cases/{created.json['id']}", headers=auth(mint())).json
    assert read["data"]["persons"][1]["id_document_copy"]["name"] == "ausweis.pdf"
    assert "id_document_copy" not in read["data"]["persons"][0]


def test_a_group_item_cannot_name_another_clients_upload(api: FlaskClient) -> None:
    foreign = _upload(api, client_id="another-client")
    refused = _submit(api, foreign, None)

    assert refused.status_code == 422
    assert refused.mimetype == "application/problem+json"
    assert [e["path"] for e in refused.json["errors"]] == ["persons[0].id_document_copy"]
    stored = db.session.get(Upload, foreign["id"])
    assert stored is not None and stored.case_id is None
