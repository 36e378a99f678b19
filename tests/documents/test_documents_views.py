"""The public verification page and the residents' download."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from pages import csrf_token

from service.documents.rendering import date_de
from service.documents.services import document_bytes, withdraw_document
from service.extensions import db
from tests.documents.test_documents_seal import tamper


def _upload(client: FlaskClient, code: str, pdf: bytes) -> Any:
    page = client.get(f"/verify/{code}").get_data(as_text=True)
    return client.post(
        f"/verify/{code}",
        data={"csrf_token": csrf_token(page), "file": (io.BytesIO(pdf), "meldebestaetigung.pdf")},
        content_type="multipart/form-data",
    )


def test_verify_page_shows_issuer_type_date_and_reference_only(
    client: FlaskClient, issued: Callable[..., Any]
) -> None:
    case, document = issued()

    response = client.get(f"/verify/{document.verification_code}")
    page = response.get_data(as_text=True)

    assert response.status_code == 200
    assert "Landeshauptstadt Düsseldorf" in page
    assert "Meldebestätigung" in page
    assert case.reference in page
    assert date_de(document.issued_at) in page
    assert "gültig (nicht zurückgenommen)" in page
    for personal in ("Mustermann", "Erika", "Königsallee", "12.08.1984"):
        assert personal not in page
    assert response.headers["Cache-Control"] == "no-store"


def test_verify_accepts_codes_typed_in_lower_case(
    client: FlaskClient, issued: Callable[..., Any]
) -> None:
    _case, document = issued()

    assert client.get(f"/verify/{document.verification_code.lower()}").status_code == 200


def test_unknown_code_is_not_found(client: FlaskClient, issued: Callable[..., Any]) -> None:
    issued()

    assert client.get("/verify/AAAAAAAAAAAAAAAAAAAAAAAA").status_code == 404
    assert client.post("/verify/AAAAAAAAAAAAAAAAAAAAAAAA").status_code in (400, 404)


def test_uploading_the_issued_pdf_confirms_it(
    client: FlaskClient, issued: Callable[..., Any]
) -> None:
    _case, document = issued()

    response = _upload(client, document.verification_code, document_bytes(document))

    assert response.status_code == 200
    assert "ist genau das Dokument, das ausgestellt wurde" in response.get_data(as_text=True)


def test_uploading_a_tampered_copy_says_it_does_not_match(
    client: FlaskClient, issued: Callable[..., Any]
) -> None:
    _case, document = issued()

    response = _upload(client, document.verification_code, tamper(document_bytes(document)))

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "stimmt nicht mit dem ausgestellten Dokument überein" in page
    assert "ist genau das Dokument" not in page


def test_upload_without_csrf_token_is_refused(
    client: FlaskClient, issued: Callable[..., Any]
) -> None:
    _case, document = issued()

    response = client.post(
        f"/verify/{document.verification_code}",
        data={"file": (io.BytesIO(document_bytes(document)), "x.pdf")},
        content_type="multipart/form-data",
    )

    assert response.status_code == 400
    assert "ist genau das Dokument" not in response.get_data(as_text=True)


def test_withdrawn_document_is_shown_as_withdrawn(
    client: FlaskClient, issued: Callable[..., Any]
) -> None:
    _case, document = issued()
    withdraw_document(document)
    db.session.commit()

    page = client.get(f"/verify/{document.verification_code}").get_data(as_text=True)

    assert "zurückgenommen, nicht mehr gültig" in page


def test_resident_downloads_their_confirmation(
    app: Flask,
    client: FlaskClient,
    login: Callable[..., None],
    resident: Any,
    issued: Callable[..., Any],
) -> None:
    case, document = issued()
    login(resident)

    response = client.get(f"/cases/{case.id}/documents/{document.id}.pdf")

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data == document_bytes(document)
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="{case.reference}-meldebestaetigung.pdf"'
    )
    assert "no-store" in response.headers["Cache-Control"]


def test_other_resident_gets_not_found(
    app: Flask,
    login: Callable[..., None],
    make_user: Callable[..., Any],
    issued: Callable[..., Any],
) -> None:
    case, document = issued()
    other = app.test_client()
    login(make_user("Max Mustermann"), on=other)

    assert other.get(f"/cases/{case.id}/documents/{document.id}.pdf").status_code == 404
    assert other.get(f"/cases/{case.id}/documents/{document.id + 1}.pdf").status_code == 404


def test_anonymous_visitor_is_sent_to_the_login(
    client: FlaskClient, issued: Callable[..., Any]
) -> None:
    case, document = issued()

    response = client.get(f"/cases/{case.id}/documents/{document.id}.pdf")

    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_withdrawn_document_is_no_longer_downloadable(
    client: FlaskClient, login: Callable[..., None], resident: Any, issued: Callable[..., Any]
) -> None:
    case, document = issued()
    withdraw_document(document)
    db.session.commit()
    login(resident)

    assert client.get(f"/cases/{case.id}/documents/{document.id}.pdf").status_code == 404
