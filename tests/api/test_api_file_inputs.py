"""A transition's `file` input through the API: refused clearly, nothing changes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from factories import CaseFactory
from flask import Flask
from flask.testing import FlaskClient

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


def test_a_file_input_named_through_the_api_is_refused_and_changes_nothing(
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
    assert "nur im Fachverfahren (Backoffice)" in errors["inputs.statement"]["message"]
    db.session.expire_all()
    assert db.session.get(Case, case.id).state == "approved"  # type: ignore[union-attr]
