"""The one error map: a typed error is problem+json under /api and a page elsewhere."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from service.errors import AppError, FieldError, Text


class ParcelTooHeavy(AppError):
    """An error a feature of another engineer would add: status, kind, words, fields."""

    status = 422
    kind = "parcel-too-heavy"
    message = Text(de="Das Paket ist zu schwer.", en="The parcel is too heavy.")


def _boom() -> Any:
    raise ParcelTooHeavy(
        fields=[FieldError("parcels[1].weight", Text(de="Höchstens 20 kg.", en="At most 20 kg."))],
        headers={"Retry-After": "7"},
    )


@pytest.fixture
def boom_app(make_app: Callable[..., Flask]) -> Flask:
    app = make_app()
    app.add_url_rule("/api/v1/boom", "api_boom", _boom)
    app.add_url_rule("/boom", "page_boom", _boom)
    return app


@pytest.mark.parametrize(
    ("language", "detail", "field_message"),
    [
        ("de", "Das Paket ist zu schwer.", "Höchstens 20 kg."),
        ("en", "The parcel is too heavy.", "At most 20 kg."),
    ],
)
def test_typed_error_under_api_is_problem_json_with_field_paths(
    boom_app: Flask, language: str, detail: str, field_message: str
) -> None:
    response = boom_app.test_client().get("/api/v1/boom", headers={"Accept-Language": language})

    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert response.headers["Retry-After"] == "7"
    body = response.get_json(force=True)
    assert body["type"].endswith("/parcel-too-heavy")
    assert body["status"] == 422
    assert body["detail"] == detail
    assert body["instance"] == "/api/v1/boom"
    assert body["errors"] == [{"path": "parcels[1].weight", "message": field_message}]


def test_typed_error_on_a_page_is_the_error_page_in_the_persons_language(boom_app: Flask) -> None:
    client = boom_app.test_client()

    german = client.get("/boom")
    english = client.get("/boom", headers={"Accept-Language": "en"})

    assert german.status_code == english.status_code == 422
    assert german.mimetype == "text/html"
    assert "Das Paket ist zu schwer." in german.get_data(as_text=True)
    assert "Höchstens 20 kg." in german.get_data(as_text=True)
    assert "The parcel is too heavy." in english.get_data(as_text=True)
