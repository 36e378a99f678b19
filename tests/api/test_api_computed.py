"""The API case view carries the computed fee and the case's flags, as OpenAPI documents."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from tests.api.api_support import auth, mint


def test_case_view_has_the_fee_with_its_currency(api: FlaskClient, submit: Any) -> None:
    token = mint(["cases:write", "cases:read"])
    created = submit(token, period="two_years")
    assert created.status_code == 201, created.json
    body = api.get(f"/api/v1/cases/{created.json['id']}", headers=auth(token)).json

    assert body["computed"] == [
        {
            "key": "fee",
            "type": "fee",
            "value": 6000,
            "currency": "EUR",
            "label": {"de": "Gebühr", "en": "Fee"},
        }
    ]
    assert body["flags"] == []


def test_without_read_scope_there_are_no_computed_values(api: FlaskClient, submit: Any) -> None:
    created = submit(mint(["cases:write"]))
    assert "computed" not in created.json and "data" not in created.json


def test_openapi_documents_computed_values_and_flags(api: FlaskClient) -> None:
    spec = api.get("/api/v1/openapi.json").json
    schemas = spec["components"]["schemas"]
    case = schemas["Case"]["properties"]
    assert case["computed"]["items"]["$ref"].endswith("/Computed")
    assert case["flags"]["items"]["$ref"].endswith("/Flag")
    assert set(schemas["Computed"]["properties"]) == {"key", "type", "value", "currency", "label"}
