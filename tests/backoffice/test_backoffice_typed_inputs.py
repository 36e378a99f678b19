"""Typed transition inputs in the back office: the right control, field-named errors."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from backoffice_support import case_version, csrf_token
from flask import Flask

from service.cases.models import Case
from service.extensions import db
from tests.conftest import running
from tests.definitions.test_definitions_inputs import definitions_with


@pytest.fixture
def app(make_app: Callable[..., Flask], tmp_path: Path) -> Iterator[Flask]:
    """The shipped services; the permit's revocation takes a date, a select and a yes/no."""
    with running(make_app(DEFINITIONS_ROOT=str(definitions_with(tmp_path)))) as application:
        yield application


def _revoke(client: Any, case: Case, **inputs: str) -> Any:
    token = csrf_token(client, f"/backoffice/cases/{case.id}")
    form = {"csrf_token": token, "version": str(case_version(case.id))}
    form.update({f"revoke-{k}": v for k, v in inputs.items()})
    return client.post(f"/backoffice/cases/{case.id}/transitions/revoke", data=form)


def test_typed_inputs_get_their_controls_and_refusals_name_the_input(
    staff: Callable[..., Any], make_case: Callable[..., Case], client_for: Any
) -> None:
    case = make_case("parking_permit", state="approved")
    client = client_for(staff("permit_officer"))

    page = client.get(f"/backoffice/cases/{case.id}").get_data(as_text=True)
    assert '<input type="date" id="revoke-effective_date"' in page
    assert '<option value="moved">Weggezogen</option>' in page
    assert '<option value="yes">Ja</option>' in page

    refused = _revoke(client, case, reason="Umzug", effective_date="2025-12-01", ground="moved")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert 'href="#revoke-effective_date"' in html
    assert 'id="revoke-effective_date-error"' in html
    assert "Wirksam ab" in html
    assert 'value="2025-12-01"' in html  # what was typed comes back

    done = _revoke(client, case, reason="Umzug", effective_date="2026-12-01", ground="sold")
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(Case, case.id).state == "revoked"  # type: ignore[union-attr]
