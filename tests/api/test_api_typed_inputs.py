"""Typed transition inputs through the API: described with their type, refused as problems."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from factories import CaseFactory
from flask import Flask
from flask.testing import FlaskClient

from service.cases.models import Case
from service.extensions import db
from tests.api.api_support import api_config, auth, mint
from tests.conftest import running
from tests.definitions.test_definitions_inputs import definitions_with


@pytest.fixture
def api_app(make_app: Callable[..., Flask], tmp_path: Path) -> Iterator[Flask]:
    root = definitions_with(tmp_path)
    with running(make_app(**api_config(DEFINITIONS_ROOT=str(root)))) as application:
        yield application


def test_a_typed_input_is_refused_as_a_problem_naming_it(api: FlaskClient) -> None:
    case = CaseFactory(service="parking_permit", approved=True)
    officer = auth(mint(["cases:transition"], roles=["permit_officer"]))
    url = f"/api/v1/cases/{case.id}/transitions"
    inputs: dict[str, Any] = {"reason": "Umzug", "effective_date": "2025-12-01", "ground": "x"}

    refused = api.post(url, json={"transition": "revoke", "inputs": inputs}, headers=officer)

    assert refused.status_code == 422
    assert refused.content_type.startswith("application/problem+json")
    paths = {e["path"] for e in refused.json["errors"]}
    assert paths == {"inputs.effective_date", "inputs.ground"}

    wrong_kind = {**inputs, "reason": 42}
    refused = api.post(url, json={"transition": "revoke", "inputs": wrong_kind}, headers=officer)
    assert refused.status_code == 422
    assert "inputs.reason" in {e["path"] for e in refused.json["errors"]}

    inputs.update(effective_date="2026-12-01", ground="moved", fee_refund=True)
    done = api.post(url, json={"transition": "revoke", "inputs": inputs}, headers=officer)
    assert done.status_code == 200, done.json
    db.session.expire_all()
    assert db.session.get(Case, case.id).state == "revoked"  # type: ignore[union-attr]


def test_the_service_description_names_each_inputs_type_and_options(api: FlaskClient) -> None:
    body = api.get("/api/v1/services/parking_permit", headers=auth(mint(["cases:read"]))).json
    revoke = next(t for t in body["transitions"] if t["name"] == "revoke")
    inputs = {i["name"]: i for i in revoke["inputs"]}
    assert inputs["effective_date"]["type"] == "date"
    assert inputs["ground"]["options"] == [
        {"value": "moved", "label": {"de": "Weggezogen", "en": "Moved away"}},
        {"value": "sold", "label": {"de": "Fahrzeug verkauft", "en": "Car sold"}},
    ]
