"""Trust boundaries of the API: whose cases a client may open, which files it may name."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from factories import PDF
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from service.attachments.models import Upload
from service.auth.models import User
from service.cases.models import Case
from service.extensions import db
from tests.api.api_support import AUDIENCE, auth, client_upload, mint, submission
from tests.conftest import add_upload

PORTAL_ISSUER = "http://localhost/dev-idp"


def _post_case(api: FlaskClient, body: dict[str, Any], token: str | None = None) -> Any:
    headers = {**auth(token or mint()), "Idempotency-Key": f"k-{id(body)}"}
    return api.post("/api/v1/cases", json=body, headers=headers)


def _cases() -> int:
    return int(db.session.scalar(select(func.count()).select_from(Case)) or 0)


def _upload(
    api: FlaskClient,
    content: bytes = PDF,
    name: str = "fahrzeugschein.pdf",
    token: str | None = None,
    **form: str,
) -> Any:
    data: dict[str, Any] = {"service": "parking_permit", "field": "vehicle_registration"}
    data.update(form)
    data["file"] = (io.BytesIO(content), name)
    return api.post(
        "/api/v1/uploads",
        data=data,
        headers=auth(token or mint(["cases:write"])),
        content_type="multipart/form-data",
    )


# ---------------------------------------------------------------------------- applicants


def test_a_client_cannot_open_a_case_in_a_portal_residents_account(api: FlaskClient) -> None:
    erika = User(issuer=PORTAL_ISSUER, subject="erika", name="Erika Mustermann")
    db.session.add(erika)
    db.session.commit()
    body = submission(subject="erika")
    body["applicant"]["issuer"] = PORTAL_ISSUER

    response = _post_case(api, body)

    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"
    assert [e["path"] for e in response.json["errors"]] == ["applicant.issuer"]
    assert _cases() == 0


def test_a_client_opens_cases_in_its_own_namespace_only_by_default(api: FlaskClient) -> None:
    implicit = _post_case(api, submission(subject="r-1"))
    own = submission(subject="r-2")
    own["applicant"]["issuer"] = "api:register-system"
    explicit = _post_case(api, own)
    other = submission(subject="r-3")
    other["applicant"]["issuer"] = "api:another-client"
    refused = _post_case(api, other)

    assert (implicit.status_code, explicit.status_code, refused.status_code) == (201, 201, 403)
    issuers = set(db.session.scalars(select(User.issuer)))
    assert issuers == {"api:register-system"}  # the refused request created no one


def test_a_client_registered_for_an_issuer_may_name_its_residents(api: FlaskClient) -> None:
    from service.auth.services import register_api_client

    client_id, _secret = register_api_client(
        "Bürgerbüro", ["cases:write"], issuers=["https://eid.example.test/"]
    )
    db.session.commit()
    body = submission(subject="eid-42", client_id=client_id)
    body["applicant"]["issuer"] = "https://eid.example.test"

    response = _post_case(api, body, mint(["cases:write"], client_id=client_id))

    assert response.status_code == 201, response.json
    applicant = db.session.scalar(select(User).where(User.subject == "eid-42"))
    assert applicant is not None and applicant.issuer == "https://eid.example.test"


def test_api_clients_create_takes_the_allowed_issuers(app: Flask) -> None:
    import json

    from service.auth.models import OAuthClient

    result = app.test_cli_runner().invoke(
        args=[
            "api-clients", "create", "--name", "Bürgerbüro", "--scopes", "cases:write",
            "--issuers", "https://eid.example.test,urn:partner", "--json",
        ]
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    client_id = json.loads(result.output)["client_id"]
    stored = db.session.scalar(select(OAuthClient).where(OAuthClient.client_id == client_id))
    assert stored is not None
    assert stored.applicant_issuers == ["https://eid.example.test", "urn:partner"]


# -------------------------------------------------------------------------------- uploads


def test_a_client_uploads_a_file_and_names_it_in_its_case(api: FlaskClient) -> None:
    uploaded = _upload(api)
    assert uploaded.status_code == 201, uploaded.json
    assert uploaded.json["content_type"] == "application/pdf"
    assert uploaded.json["size"] == len(PDF)

    created = _post_case(api, submission(vehicle_registration=uploaded.json))

    assert created.status_code == 201, created.json
    upload = db.session.get(Upload, uploaded.json["id"])
    assert upload is not None
    assert (upload.owner_client, upload.case_id) == ("register-system", created.json["id"])


@pytest.mark.parametrize(
    ("content", "name", "form", "path"),
    [
        (b"just some text", "scan.pdf", {}, "file"),  # a text file called .pdf
        (b"", "empty.pdf", {}, "file"),
        (PDF, "a.pdf", {"field": "licence_plate"}, "field"),  # not a file field
        (PDF, "a.pdf", {"service": "no_such_service"}, "service"),
    ],
    ids=["text-called-pdf", "empty", "not-a-file-field", "unknown-service"],
)
def test_an_upload_is_checked_like_a_portal_upload(
    api: FlaskClient, content: bytes, name: str, form: dict[str, str], path: str
) -> None:
    response = _upload(api, content, name, **form)

    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert {e["path"] for e in response.json["errors"]} == {path}
    assert db.session.scalar(select(func.count()).select_from(Upload)) == 0


def test_a_refused_file_is_answered_under_the_request_s_field_file_in_its_language(
    api: FlaskClient,
) -> None:
    text = b"just some text"
    answers: dict[str, Any] = {}
    for lang in ("de", "en"):
        data = {"service": "parking_permit", "field": "vehicle_registration"}
        response = api.post(
            "/api/v1/uploads",
            data={**data, "file": (io.BytesIO(text), "scan.pdf")},
            headers={**auth(mint(["cases:write"])), "Accept-Language": lang},
            content_type="multipart/form-data",
        )
        assert response.status_code == 422
        assert response.mimetype == "application/problem+json"
        answers[lang] = response.json

    assert answers["de"] == {
        "type": "https://amtsweg.example/problems/validation",
        "title": "Unprocessable Entity",
        "status": 422,
        "detail": "Die Datei wird nicht angenommen.",
        "instance": "/api/v1/uploads",
        "errors": [
            {
                "path": "file",
                "message": "„Zulassungsbescheinigung Teil I (Fahrzeugschein)“: "
                "Bitte laden Sie eine Datei vom Typ PDF, JPEG oder PNG hoch.",
            }
        ],
    }
    assert answers["en"]["detail"] == "The file is not accepted."
    [error] = answers["en"]["errors"]
    assert error["path"] == "file" and "PDF, JPEG or PNG" in error["message"]
    assert db.session.scalar(select(func.count()).select_from(Upload)) == 0


def test_uploading_needs_the_write_scope(api: FlaskClient) -> None:
    assert _upload(api, token=mint(["cases:read"])).status_code == 403
    assert api.post("/api/v1/uploads").status_code == 401


def _made_up() -> dict[str, Any]:
    return {"id": "f" * 32, "name": "x.pdf", "content_type": "application/pdf", "size": 10}


def _another_clients() -> dict[str, Any]:
    return dict(client_upload("another-client"))


def _a_residents() -> dict[str, Any]:
    erika = User(issuer=PORTAL_ISSUER, subject="erika", name="Erika Mustermann")
    db.session.add(erika)
    db.session.flush()
    upload = add_upload(erika, PDF, "meldebescheinigung.pdf", "e" * 32)
    db.session.commit()
    return dict(upload.as_answer())


@pytest.mark.parametrize(
    "answer",
    [_made_up, _another_clients, _a_residents],
    ids=["made-up-id", "another-clients-upload", "a-residents-portal-upload"],
)
def test_a_case_may_name_only_uploads_of_its_submitter(
    api: FlaskClient, answer: Callable[[], dict[str, Any]]
) -> None:
    named = answer()

    response = _post_case(api, submission(vehicle_registration=named))

    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert [e["path"] for e in response.json["errors"]] == ["vehicle_registration"]
    assert _cases() == 0
    stored = db.session.get(Upload, named["id"])
    assert stored is None or stored.case_id is None  # still nobody else's case's file


def test_an_upload_belongs_to_one_case_only(api: FlaskClient) -> None:
    uploaded = _upload(api).json
    first = _post_case(api, submission(subject="r-1", vehicle_registration=uploaded))
    second = _post_case(api, submission(subject="r-2", vehicle_registration=uploaded))

    assert (first.status_code, second.status_code) == (201, 422)
    assert [e["path"] for e in second.json["errors"]] == ["vehicle_registration"]


def test_the_openapi_document_describes_uploads(api: FlaskClient) -> None:
    spec = api.get("/api/v1/openapi.json").json

    operation = spec["paths"]["/api/v1/uploads"]["post"]
    assert "multipart/form-data" in operation["requestBody"]["content"]
    assert "201" in operation["responses"]


# ----------------------------------------------------------------------------- tokens


def test_a_portal_token_is_refused_even_with_the_api_audience(api: FlaskClient) -> None:
    """A provider may add the API's audience to the portal's tokens (one shared realm)."""
    as_portal = mint(
        ["cases:read"], client_id="amtsweg-portal", sub="erika", aud=[AUDIENCE, "amtsweg-portal"]
    )
    via_azp = mint(["cases:read"], client_id="other", azp="amtsweg-portal")

    for token in (as_portal, via_azp):
        response = api.get("/api/v1/services", headers=auth(token))
        assert response.status_code == 401
        assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_a_residents_token_from_the_development_provider_is_refused(
    app: Flask, client: FlaskClient
) -> None:
    from service.auth import devidp

    portal = devidp.ensure_portal_client()
    db.session.commit()
    token = devidp.AccessTokenGenerator()(
        grant_type="authorization_code",
        client=portal,
        user=devidp.person("erika"),
        scope="openid profile cases:read",
        include_refresh_token=False,
    )["access_token"]

    response = client.get("/api/v1/services", headers=auth(token))

    assert response.status_code == 401
