"""Integrators' uploads (POST /api/v1/uploads) go through the same scanner as residents'."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pikepdf
from flask import Flask
from scanning_helpers import pdf_bytes
from sqlalchemy import func, select

from service.attachments.models import Upload
from service.extensions import db
from tests.api.api_support import api_config, auth, mint
from tests.clamd_process import EICAR, Clamd
from tests.conftest import running


def upload(app: Flask, content: bytes) -> Any:
    return app.test_client().post(
        "/api/v1/uploads",
        data={
            "service": "parking_permit",
            "field": "vehicle_registration",
            "file": (io.BytesIO(content), "fahrzeugschein.pdf"),
        },
        headers=auth(mint(["cases:write"])),
        content_type="multipart/form-data",
    )


def uploads() -> int:
    return db.session.scalar(select(func.count()).select_from(Upload)) or 0


def test_api_upload_carrying_malware_is_422_naming_the_file_and_not_stored(
    make_app: Callable[..., Flask], clamd: Clamd
) -> None:
    with running(make_app(**api_config(), CLAMD_URL=clamd.unix_url)) as app:
        refused = upload(app, pdf_bytes() + b"%" + EICAR + b"\n")
        assert refused.status_code == 422
        assert refused.mimetype == "application/problem+json"
        [error] = refused.json["errors"]
        assert error["path"] == "file" and "Schadsoftware" in error["message"]
        assert uploads() == 0
        accepted = upload(app, pdf_bytes())
        assert accepted.status_code == 201 and uploads() == 1


def test_api_upload_is_503_with_retry_after_when_clamd_is_stopped(
    make_app: Callable[..., Flask], clamd_of_its_own: Clamd
) -> None:
    with running(make_app(**api_config(), CLAMD_URL=clamd_of_its_own.tcp_url)) as app:
        clamd_of_its_own.stop()
        response = upload(app, pdf_bytes())
        assert response.status_code == 503
        assert response.mimetype == "application/problem+json"
        assert response.headers["Retry-After"]
        assert "Virenprüfung" in response.json["detail"]
        assert uploads() == 0


def test_api_upload_of_a_pdf_with_javascript_is_422(make_app: Callable[..., Flask]) -> None:
    def script(pdf: pikepdf.Pdf) -> None:
        action = {"/S": pikepdf.Name.JavaScript, "/JS": pikepdf.String("app.launchURL('x')")}
        pdf.Root.OpenAction = pikepdf.Dictionary(action)

    with running(make_app(**api_config())) as app:
        refused = upload(app, pdf_bytes(script))
        assert refused.status_code == 422
        assert "JavaScript" in refused.json["errors"][0]["message"]
        assert uploads() == 0
