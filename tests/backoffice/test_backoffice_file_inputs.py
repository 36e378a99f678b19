"""A transition input of type file: uploaded in the back office, checked, stored, linked."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from backoffice_support import case_version, csrf_token
from factories import PDF, UserFactory, actor_of
from flask import Flask
from sqlalchemy import func, select

from service.attachments.models import Upload
from service.cases.decisions import latest_decision
from service.cases.errors import InputsInvalid
from service.cases.models import AuditEvent, Case
from service.cases.services import fire_transition
from service.extensions import db
from service.mail.services import compose
from tests.clamd_process import EICAR, Clamd, start_clamd
from tests.conftest import running
from tests.definitions.test_definitions_inputs import FILE_INPUTS, definitions_with


@pytest.fixture(scope="module")
def clamd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clamd]:
    """A real clamd with the test signatures, shared by this module's tests."""
    started = start_clamd(tmp_path_factory.mktemp("clamd"))
    yield started
    started.stop()


@pytest.fixture
def app(make_app: Callable[..., Flask], tmp_path: Path, clamd: Clamd) -> Iterator[Flask]:
    """The shipped services, uploads scanned; the permit's revocation takes a signed PDF."""
    root = definitions_with(tmp_path, FILE_INPUTS)
    config = {"DEFINITIONS_ROOT": str(root), "CLAMD_URL": clamd.unix_url, "UPLOAD_SCAN": "on"}
    with running(make_app(**config)) as application:
        yield application


def _stored_files(tmp_path: Path) -> list[Path]:
    """Return the files in the test's storage folder (see tests/conftest.py STORAGE_URL)."""
    return [p for p in (tmp_path / "files").rglob("*") if p.is_file()]


def _revoke(client: Any, case: Case, content: bytes, filename: str, reason: str = "Umzug") -> Any:
    token = csrf_token(client, f"/backoffice/cases/{case.id}")
    form: dict[str, Any] = {
        "csrf_token": token,
        "version": str(case_version(case.id)),
        "revoke-reason": reason,
        "revoke-statement": (io.BytesIO(content), filename),
    }
    return client.post(
        f"/backoffice/cases/{case.id}/transitions/revoke",
        data=form,
        content_type="multipart/form-data",
    )


def test_the_officer_attaches_a_file_and_it_is_stored_and_linked_on_the_case(
    staff: Callable[..., Any], make_case: Callable[..., Case], client_for: Any, resident: Any
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
    last = db.session.scalar(select(func.max(AuditEvent.seq)).where(AuditEvent.case_id == case.id))
    mail = compose(db.session.get(Case, case.id), "decided", int(last))  # type: ignore[arg-type]
    assert mail is not None
    assert "Unterschriebene Stellungnahme: Stellungnahme.pdf" in " ".join(mail.text.split())

    html = client.get(f"/backoffice/cases/{case.id}").get_data(as_text=True)
    link = f"/backoffice/cases/{case.id}/files/{upload.id}"
    assert f'href="{link}"' in html
    served = client.get(link)
    assert served.status_code == 200
    assert served.data == PDF

    # The resident reads the decision (the file's name) but is offered no link to the
    # office's file, which the portal would refuse to serve them anyway.
    mine = client_for(resident).get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Stellungnahme.pdf" in mine
    assert upload.id not in mine


@pytest.mark.parametrize(
    ("content", "reason", "said"),
    [
        (b"just some text, no PDF", "Umzug", "vom Typ PDF"),
        (PDF + b"%" + EICAR + b"\n", "Umzug", "Schadsoftware"),
        (PDF + b"%" + b"x" * 102400 + b"\n", "Umzug", "mit höchstens"),
        (PDF, "", "Grund des Widerrufs"),  # the file is fine, the transition is refused
    ],
    ids=["not-a-pdf", "virus", "too-big", "reason-missing"],
)
def test_a_refused_file_or_transition_shows_the_error_and_changes_nothing(
    staff: Callable[..., Any],
    make_case: Callable[..., Case],
    client_for: Any,
    tmp_path: Path,
    content: bytes,
    reason: str,
    said: str,
) -> None:
    case = make_case("parking_permit", state="approved")
    client = client_for(staff("permit_officer"))
    files_before = _stored_files(tmp_path)

    refused = _revoke(client, case, content, "Stellungnahme.pdf", reason=reason)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    field = "statement" if reason else "reason"
    assert f'id="revoke-{field}-error"' in html
    assert f'href="#revoke-{field}"' in html
    assert said in html
    db.session.expire_all()
    assert db.session.get(Case, case.id).state == "approved"  # type: ignore[union-attr]
    assert db.session.scalars(select(Upload)).all() == []
    assert _stored_files(tmp_path) == files_before


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


def test_a_file_input_without_an_upload_lookup_is_refused(make_case: Callable[..., Case]) -> None:
    """A caller that stored no upload (a command, a job) cannot name one by its id."""
    case = make_case("parking_permit", state="approved")
    forged = {"id": "0" * 32, "name": "x.pdf", "content_type": "application/pdf", "size": 10}
    officer = actor_of(UserFactory(officer=True))

    with pytest.raises(InputsInvalid) as refused:
        fire_transition(case, "revoke", officer, {"reason": "Umzug", "statement": forged})

    assert "kann hier nicht angegeben werden" in refused.value.errors["statement"].de
    db.session.expire_all()
    assert db.session.get(Case, case.id).state == "approved"  # type: ignore[union-attr]
