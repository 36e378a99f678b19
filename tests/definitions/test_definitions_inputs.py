"""Transition inputs are form fields: typed, validated like answers, named in errors."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from factories import CaseFactory, UserFactory, actor_of
from flask import Flask

from service.cases.decisions import latest_decision
from service.cases.services import fire_transition
from service.definitions.services import load_definitions
from service.engine.errors import InputsInvalid
from service.extensions import db
from tests.conftest import running

ROOT = Path(__file__).resolve().parents[2]

REVOKE_INPUTS = """\
    inputs:
      - name: reason
        label: {de: Grund des Widerrufs, en: Reason for the revocation}
        type: textarea
        required: true
      - name: effective_date
        label: {de: Wirksam ab, en: Effective from}
        type: date
        min: date("2026-01-01")
      - name: ground
        label: {de: Widerrufsgrund, en: Ground}
        type: select
        options:
          - {value: moved, label: {de: Weggezogen, en: Moved away}}
          - {value: sold, label: {de: Fahrzeug verkauft, en: Car sold}}
      - name: fee_refund
        label: {de: Gebühr erstatten, en: Refund the fee}
        type: yesno
        required: false
"""


#: The revocation with a signed statement to attach (a `file` input, PDF only, 100 KB).
FILE_INPUTS = """\
    inputs:
      - name: reason
        label: {de: Grund des Widerrufs, en: Reason for the revocation}
        type: textarea
      - name: statement
        label: {de: Unterschriebene Stellungnahme, en: Signed statement}
        type: file
        accept: [application/pdf]
        max_size: 102400
"""


def definitions_with(tmp_path: Path, inputs: str = REVOKE_INPUTS) -> Path:
    """Copy the shipped definitions; the permit's revocation takes `inputs`."""
    root = tmp_path / "defs"
    for folder in ("forms", "workflows", "templates"):
        shutil.copytree(ROOT / folder, root / folder)
    shutil.copy(ROOT / "city.yaml", root / "city.yaml")
    path = root / "workflows" / "parking_permit.yaml"
    text = path.read_text()
    start = text.index("    inputs:", text.index("  - name: revoke\n"))
    end = text.index("\ndocuments:", start)
    path.write_text(text[:start] + inputs + text[end:])
    return root


@pytest.fixture
def app(make_app: Callable[..., Flask], tmp_path: Path) -> Iterator[Flask]:
    with running(make_app(DEFINITIONS_ROOT=str(definitions_with(tmp_path)))) as application:
        yield application


def _revoke(inputs: dict[str, Any]) -> Any:
    case = CaseFactory(service="parking_permit", approved=True)
    officer = UserFactory(officer=True)
    fire_transition(case, "revoke", actor_of(officer), inputs)
    db.session.commit()
    return case


def test_typed_inputs_are_stored_typed_and_shown_as_people_read_them(app: Flask) -> None:
    case = _revoke(
        {"reason": "Umzug", "effective_date": "2026-12-01", "ground": "moved", "fee_refund": "yes"}
    )

    decision = latest_decision(case, "de")
    assert decision is not None
    assert decision.inputs["effective_date"] == date(2026, 12, 1)
    assert decision.inputs["ground"] == "moved"
    assert decision.inputs["fee_refund"] is True
    assert decision.display["effective_date"] == "01.12.2026"
    assert decision.display["ground"] == "Weggezogen"
    assert decision.display["fee_refund"] == "Ja"
    assert ("Widerrufsgrund", "Weggezogen") in decision.fields


def test_a_refused_input_is_named_in_german_and_english(app: Flask) -> None:
    with pytest.raises(InputsInvalid) as refused:
        _revoke({"reason": "Umzug", "effective_date": "2025-12-01", "ground": "stolen"})

    errors = refused.value.errors
    assert set(errors) == {"effective_date", "ground"}
    assert "Wirksam ab" in errors["effective_date"].de
    assert "Effective from" in errors["effective_date"].en
    assert "Widerrufsgrund" in errors["ground"].de


def test_a_missing_required_typed_input_is_refused(app: Flask) -> None:
    with pytest.raises(InputsInvalid) as refused:
        _revoke({"reason": "Umzug", "ground": "sold"})
    assert set(refused.value.errors) == {"effective_date"}


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("        type: date\n", "        type: datum\n", "field 'effective_date': unknown type 'datum'"),
        ("        type: yesno\n", "        type: group\n", "transition 'revoke': an input cannot be of type group"),
        # A file input is a form's file field: same keys, same checks.
        ("        type: yesno\n", "        type: file\n        accept: [application/pdf]\n        max_size: 1048576\n",
         None),
        ("        type: yesno\n", "        type: file\n        max_size: big\n",
         "field 'fee_refund': 'max_size' must be a whole number >= 1"),
        ("        type: yesno\n", "        type: file\n        max_bytes: 1000\n",
         "unknown key 'max_bytes' in field"),
        ("          - {value: sold, label: {de: Fahrzeug verkauft, en: Car sold}}\n", "",
         None),
        ("        type: select\n", "        type: select\n        colour: red\n",
         "unknown key 'colour' in field"),
    ],
)  # fmt: skip
def test_input_mistakes_are_reported_like_field_mistakes(
    tmp_path: Path, old: str, new: str, expected: str | None
) -> None:
    assert old in REVOKE_INPUTS
    root = definitions_with(tmp_path, REVOKE_INPUTS.replace(old, new, 1))
    problems = [str(p) for p in load_definitions(root)[1]]
    if expected is None:
        assert problems == []
        return
    # Reported at the line of the mistake, like a form field's.
    lines = (root / "workflows" / "parking_permit.yaml").read_text().split("\n")
    line = lines.index(new.rstrip("\n").split("\n")[-1]) + 1
    assert f"workflows/parking_permit.yaml:{line}: {expected}" in "\n".join(problems), problems
