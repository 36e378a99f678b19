"""Uploads are scanned by a real clamd: malware is refused, an unreachable scanner is a 503."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from scanning_helpers import pdf_bytes
from sqlalchemy import func, select

from service.attachments.models import Upload
from service.extensions import db
from service.scanning.clamav import ClamdScanner
from service.scanning.errors import ScannerUnavailable
from service.scanning.services import scanner_for
from tests.clamd_process import EICAR, SIGNATURE, Clamd
from tests.conftest import running
from tests.portal.portal_helpers import BASE, asked_case, post_form, reply_page

LANDLORD = f"{BASE}/apply/landlord"


def landlord_upload(content: bytes, name: str = "bestaetigung.pdf") -> dict[str, Any]:
    return {
        "landlord_confirmation_kind": "upload",
        "landlord_confirmation_file": (io.BytesIO(content), name),
        "action": "save",
    }


def stored_files(app: Any) -> list[Path]:
    root = Path(app.config["STORAGE_URL"].removeprefix("file://"))
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def uploads() -> int:
    return db.session.scalar(select(func.count()).select_from(Upload)) or 0


@pytest.mark.parametrize("over", ["tcp", "unix"])
def test_clamd_finds_the_eicar_file_and_passes_a_clean_pdf(clamd: Clamd, over: str) -> None:
    scanner = ClamdScanner(clamd.tcp_url if over == "tcp" else clamd.unix_url)
    assert (scanner.scan(EICAR) or "").startswith(SIGNATURE)
    assert scanner.scan(pdf_bytes()) is None
    # Larger than one chunk: the stream is sent in pieces and still found.
    assert scanner.scan(pdf_bytes() + b"\n%" + b"x" * 200_000 + b"\n%" + EICAR) is not None


def test_portal_upload_carrying_the_eicar_file_is_refused_and_nothing_is_stored(
    make_app: Any, clamd: Clamd, make_user: Any, login: Any
) -> None:
    infected = pdf_bytes() + b"%" + EICAR + b"\n"
    with running(make_app(CLAMD_URL=clamd.tcp_url)) as app:
        client = app.test_client()
        login(make_user(), on=client)
        response = post_form(client, LANDLORD, landlord_upload(infected))
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert 'href="#f-landlord_confirmation_file"' in html
        assert "enthält Schadsoftware und wurde nicht angenommen" in html
        assert uploads() == 0 and stored_files(app) == []


def test_portal_upload_of_a_clean_pdf_is_scanned_and_stored(
    make_app: Any, clamd: Clamd, make_user: Any, login: Any
) -> None:
    with running(make_app(CLAMD_URL=clamd.unix_url)) as app:
        client = app.test_client()
        login(make_user(), on=client)
        response = post_form(client, LANDLORD, landlord_upload(pdf_bytes()))
        assert response.status_code in (200, 302, 303)
        assert "Schadsoftware" not in response.get_data(as_text=True)
        assert uploads() == 1 and len(stored_files(app)) == 1


def test_portal_upload_is_refused_with_503_when_clamd_is_stopped(
    make_app: Any, clamd_of_its_own: Clamd, make_user: Any, login: Any
) -> None:
    with running(make_app(CLAMD_URL=clamd_of_its_own.tcp_url)) as app:
        client = app.test_client()
        login(make_user(), on=client)
        assert ClamdScanner(clamd_of_its_own.tcp_url).scan(b"hello") is None
        clamd_of_its_own.stop()
        response = post_form(client, LANDLORD, landlord_upload(pdf_bytes()))
        assert response.status_code == 503
        assert "Virenprüfung" in response.get_data(as_text=True)
        assert uploads() == 0 and stored_files(app) == []


def test_reply_with_an_infected_file_is_refused_and_the_case_does_not_move(
    make_app: Any, clamd: Clamd, make_user: Any, login: Any
) -> None:
    from service.cases.models import Case

    with running(make_app(CLAMD_URL=clamd.tcp_url)) as app:
        resident = make_user("Erika Mustermann")
        worker = make_user("Sabine Sachbearbeiterin", roles=["case_worker"])
        case = asked_case(resident, worker)
        waiting = case.state
        client = app.test_client()
        login(resident, on=client)
        path, token = reply_page(client, case)
        infected = pdf_bytes() + b"%" + EICAR + b"\n"
        response = client.post(
            path,
            data={
                "csrf_token": token,
                "message": "Hier ist sie.",
                "files": (io.BytesIO(infected), "bestaetigung.pdf"),
            },
            content_type="multipart/form-data",
        )
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and 'href="#f-files"' in html
        assert "enthält Schadsoftware" in html
        db.session.expire_all()
        assert db.session.get(Case, case.id).state == waiting  # type: ignore[union-attr]
        assert uploads() == 0 and stored_files(app) == []


def test_without_a_scanner_uploads_are_refused_unless_development_or_switched_off() -> None:
    for env in ("production", "staging", "prod"):
        scanner = scanner_for({"AMTSWEG_ENV": env})
        assert scanner is not None
        with pytest.raises(ScannerUnavailable):
            scanner.scan(pdf_bytes())
    assert scanner_for({"AMTSWEG_ENV": "staging", "UPLOAD_SCAN": "off"}) is None
    assert scanner_for({"AMTSWEG_ENV": "development"}) is None
    assert scanner_for({"AMTSWEG_ENV": "test"}) is None
