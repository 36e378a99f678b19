"""A `checkboxes` transition input in the back office: one box per option, every ticked
box kept (the form post repeats the input's name once per box)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from backoffice_support import case_version, csrf_token
from flask import Flask
from werkzeug.datastructures import MultiDict

from service.cases.decisions import latest_decision
from service.cases.models import Case
from service.extensions import db
from tests.conftest import running
from tests.definitions.test_definitions_inputs import definitions_with

CHECKBOX_INPUTS = """\
    inputs:
      - name: reason
        label: {de: Grund des Widerrufs, en: Reason for the revocation}
        type: textarea
        required: true
      - name: grounds
        label: {de: Widerrufsgründe, en: Grounds}
        type: checkboxes
        options:
          - {value: moved, label: {de: Weggezogen, en: Moved away}}
          - {value: sold, label: {de: Fahrzeug verkauft, en: Car sold}}
          - {value: misuse, label: {de: Missbrauch, en: Misuse}}
"""


@pytest.fixture
def app(make_app: Callable[..., Flask], tmp_path: Path) -> Iterator[Flask]:
    """The shipped services; the permit's revocation takes a reason and checkboxes."""
    root = definitions_with(tmp_path, CHECKBOX_INPUTS)
    with running(make_app(DEFINITIONS_ROOT=str(root))) as application:
        yield application


def test_every_ticked_box_of_a_checkboxes_input_is_kept(
    staff: Callable[..., Any], make_case: Callable[..., Case], client_for: Any
) -> None:
    case = make_case("parking_permit", state="approved")
    client = client_for(staff("permit_officer"))

    page = client.get(f"/backoffice/cases/{case.id}").get_data(as_text=True)
    assert 'type="checkbox" id="revoke-grounds-moved" name="revoke-grounds" value="moved"' in page
    assert '<label for="revoke-grounds-sold">Fahrzeug verkauft</label>' in page

    token = csrf_token(client, f"/backoffice/cases/{case.id}")
    form = MultiDict(
        [
            ("csrf_token", token),
            ("version", str(case_version(case.id))),
            ("revoke-reason", "Umzug und Verkauf"),
            ("revoke-grounds", "moved"),
            ("revoke-grounds", "sold"),
        ]
    )
    done = client.post(f"/backoffice/cases/{case.id}/transitions/revoke", data=form)

    assert done.status_code == 302
    db.session.expire_all()
    stored = db.session.get(Case, case.id)
    assert stored is not None and stored.state == "revoked"
    decision = latest_decision(stored, "de")
    assert decision is not None
    assert decision.inputs["grounds"] == ["moved", "sold"]
    assert decision.display["grounds"] == "Weggezogen, Fahrzeug verkauft"
