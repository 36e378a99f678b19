"""A transition input of type file: uploaded in the back office, checked, stored, linked."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from backoffice_support import case_version, csrf_token
from factories import PDF
from flask import Flask
from sqlalchemy import select

from service.attachments.models import Upload
from service.cases.decisions import latest_decision
from service.cases.models import Case
from service.extensions import db
from tests.conftest import running
from tests.definitions.test_definitions_inputs import FILE_INPUTS, definitions_with


@pytest.fixture
def app(make_app: Callable[..., Flask], tmp_path: Path) -> Iterator[Flask]:
    """The shipped services; the permit's revocation takes a reason and a signed PDF."""
    root = definitions_with(tmp_path, FILE_INPUTS)
    with running(make_app(DEFINITIONS_ROOT=str(root))) as application:
        yield application


def _revoke(client: Any, case: Case, content: bytes, filename: str) -> Any:
    token = csrf_token(client, f"/backoffice/cases/{case.id}")
    form: dict[str, Any] = {
        "csrf_token": token,
        "version": str(case_version(case.id)),
        "revoke-reason": "Umzug",
        "revoke-statement": (io.BytesIO(content), filename),
    }
    return client.post(
        f"/backoffice/cases/{case.id}/transitions/revoke",
        data=form,
        content_type="multipart/form-data",
    )


def test_the_officer_attaches_a_file_and_it_is_stored_and_linked_on_the_case(
    staff: Callable[..., Any], make_case: Callable[..., Case], client_for: Any
) -> None:
    case = make_case("parking_permit", state="approved")
    client = client_for(staff("permit_officer"))

    page = client.get(f"/backoffice/cases/{case.id}").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page
    assert '<input type="file" id="revoke-statement" name="revoke-statement"' in page

    done = _revoke(client, case, PDF, "Stellungnahme.pdf")
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(Case, case.id).state == "revoked"  # type: ignore[union-attr]
    upload = db.session.scalars(select(Upload).where(Upload.case_id == case.id)).one()
    assert upload.original_name == "Stellungnahme.pdf"
    decision = latest_decision(db.session.get(Case, case.id), "de")  # type: ignore[arg-type]
    assert decision is not None
    assert decision.inputs["statement"]["id"] == upload.id
    assert decision.display["statement"] == "Stellungnahme.pdf"

    html = client.get(f"/backoffice/cases/{case.id}").get_data(as_text=True)
    link = f"/backoffice/cases/{case.id}/files/{upload.id}"
    assert f'href="{link}"' in html
    served = client.get(link)
    assert served.status_code == 200
    assert served.data == PDF


def test_a_refused_file_shows_its_error_and_changes_nothing(
    staff: Callable[..., Any], make_case: Callable[..., Case], client_for: Any
) -> None:
    case = make_case("parking_permit", state="approved")
    client = client_for(staff("permit_officer"))

    refused = _revoke(client, case, b"just some text, no PDF", "Stellungnahme.pdf")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert 'id="revoke-statement-error"' in html
    assert 'href="#revoke-statement"' in html
    db.session.expire_all()
    assert db.session.get(Case, case.id).state == "approved"  # type: ignore[union-attr]
    assert db.session.scalars(select(Upload)).all() == []


def test_a_missing_required_file_is_refused_beside_the_field(
    staff: Callable[..., Any], make_case: Callable[..., Case], client_for: Any
) -> None:
    case = make_case("parking_permit", state="approved")
    client = client_for(staff("permit_officer"))

    refused = _revoke(client, case, b"", "")
    assert refused.status_code == 422
    assert 'id="revoke-statement-error"' in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Case, case.id).state == "approved"  # type: ignore[union-attr]
