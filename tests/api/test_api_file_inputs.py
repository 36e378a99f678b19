"""A transition's `file` input through the API: the client's own upload, else refused."""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from factories import PDF, CaseFactory, UserFactory
from flask import Flask
from flask.testing import FlaskClient

from service.attachments.models import Upload
from service.cases.models import Case
from service.extensions import db
from tests.api.api_support import api_config, auth, mint
from tests.conftest import running
from tests.definitions.test_definitions_inputs import FILE_INPUTS, definitions_with


@pytest.fixture
def api_app(make_app: Callable[..., Flask], tmp_path: Path) -> Iterator[Flask]:
    root = definitions_with(tmp_path, FILE_INPUTS)
    with running(make_app(**api_config(DEFINITIONS_ROOT=str(root)))) as application:
        yield application


def test_a_file_input_naming_no_upload_of_the_client_is_refused_and_changes_nothing(
    api: FlaskClient,
) -> None:
    case = CaseFactory(service="parking_permit", approved=True)
    officer = auth(mint(["cases:transition"], roles=["permit_officer"]))
    forged = {"id": "0" * 32, "name": "x.pdf", "content_type": "application/pdf", "size": 10}
    body = {"transition": "revoke", "inputs": {"reason": "Umzug", "statement": forged}}

    refused = api.post(f"/api/v1/cases/{case.id}/transitions", json=body, headers=officer)

    assert refused.status_code == 422
    assert refused.content_type.startswith("application/problem+json")
    errors = {e["path"]: e for e in refused.json["errors"]}
    assert set(errors) == {"inputs.statement"}
    assert "Unterschriebene Stellungnahme" in errors["inputs.statement"]["message"]
    db.session.expire_all()
    assert db.session.get(Case, case.id).state == "approved"  # type: ignore[union-attr]


def _upload(api: FlaskClient, content: bytes, token: dict[str, str], **form: str) -> Any:
    data: dict[str, Any] = {"service": "parking_permit", **form}
    data["file"] = (io.BytesIO(content), "Stellungnahme.pdf")
    return api.post("/api/v1/uploads", data=data, headers=token, content_type="multipart/form-data")


def test_a_client_uploads_the_file_for_a_transition_input_and_names_it(
    api: FlaskClient, api_app: Flask
) -> None:
    case = CaseFactory(service="parking_permit", approved=True)
    officer = auth(mint(["cases:transition", "cases:write"], roles=["permit_officer"]))

    refused = _upload(api, b"no pdf", officer, transition="revoke", field="statement")
    assert refused.status_code == 422
    unknown = _upload(api, PDF, officer, transition="revoke", field="reason")
    assert unknown.status_code == 422
    assert unknown.json["errors"] == [
        {"path": "field", "message": "Der Übergang hat keine Datei-Eingabe mit diesem Schlüssel."}
    ]

    uploaded = _upload(api, PDF, officer, transition="revoke", field="statement")
    assert uploaded.status_code == 201, uploaded.json
    body = {"transition": "revoke", "inputs": {"reason": "Umzug", "statement": uploaded.json}}
    done = api.post(f"/api/v1/cases/{case.id}/transitions", json=body, headers=officer)

    assert done.status_code == 200, done.json
    db.session.expire_all()
    assert db.session.get(Case, case.id).state == "revoked"  # type: ignore[union-attr]
    stored = db.session.get(Upload, uploaded.json["id"])
    assert stored is not None and stored.case_id == case.id
    # Staff find it in the case's history, with a link that opens it.
    staff = api_app.test_client()
    officer_user = UserFactory(name="Petra Amt", roles=["permit_officer"])
    with staff.session_transaction() as session:  # logged in as the login does it
        session.update(user_id=officer_user.id, auth_time=time.time(), last_seen=time.time())
    page = staff.get(f"/backoffice/cases/{case.id}").get_data(as_text=True)
    link = f"/backoffice/cases/{case.id}/files/{stored.id}"
    assert f'href="{link}">Stellungnahme.pdf</a>' in page
    assert staff.get(link).data == PDF


def test_the_service_description_names_a_file_inputs_types_and_size(api: FlaskClient) -> None:
    body = api.get("/api/v1/services/parking_permit", headers=auth(mint(["cases:read"]))).json
    revoke = next(t for t in body["transitions"] if t["name"] == "revoke")
    statement = next(i for i in revoke["inputs"] if i["name"] == "statement")
    assert statement["type"] == "file"
    assert statement["accept"] == ["application/pdf"]
    assert statement["max_size"] == 102400
