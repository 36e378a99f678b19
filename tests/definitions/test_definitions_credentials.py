"""The `credentials:` section of a workflow is checked like the rest, with file and line."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_definitions_check import FORM, WORKFLOW, problems_of, write_set

from service.definitions.services import load_definitions

ROOT = Path(__file__).resolve().parents[2]

CREDENTIALS = """\
credentials:
  - key: dog_tag
    title: {de: Hundemarke, en: Dog tag}
    issued_by: [approve]
    valid_for: P1Y
    claims:
      - name: dog_name
        label: {de: Name des Hundes, en: Dog's name}
        value: 'dog_name'
        disclosable: true
      - name: reference
        label: {de: Aktenzeichen, en: Reference}
        value: 'case.reference'
"""


def test_shipped_services_declare_their_credentials() -> None:
    registry, problems = load_definitions(ROOT)
    assert problems == []
    permit = registry.service("parking_permit").credentials[0]
    assert permit.key == "parking_permit"
    assert set(permit.issued_by) == {"approve", "approve_without_waiver", "approve_waiver"}
    assert "revoke" in permit.revoked_by
    assert {c.name: c.disclosable for c in permit.claims} == {
        "zone": "always", "licence_plate": "always", "holder_name": "always",
    }  # fmt: skip
    residence = registry.service("residence_registration").credentials[0]
    assert {c.name: c.disclosable for c in residence.claims}["persons"] == "items"


def test_valid_credential_section_has_no_problems(tmp_path: Path) -> None:
    assert problems_of(write_set(tmp_path, workflow=WORKFLOW + CREDENTIALS)) == []


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("issued_by: [approve]", "issued_by: [aprove]",
         "workflows/dog_tax.yaml:33: credential 'dog_tag': issued_by names unknown transition 'aprove'"),
        ("        value: 'dog_name'", "        value: 'dog_nam'",
         "workflows/dog_tax.yaml:40:17: credential 'dog_tag': claim 'dog_name': unknown name 'dog_nam'"),
        ("        value: 'dog_name'", "        value: 'data.dog_name'",
         "workflows/dog_tax.yaml:40:17: credential 'dog_tag': claim 'dog_name': "
         "write 'dog_name', not 'data.dog_name'"),
        ("        value: 'dog_name'", "        value: 'dog_name +'",
         "workflows/dog_tax.yaml:40:26: credential 'dog_tag': claim 'dog_name': cannot parse"),
        ("    valid_for: P1Y", "    valid_for: 'listed'",
         "workflows/dog_tax.yaml:36:17: credential 'dog_tag': valid_for: must be a text, not a yes/no"),
        ("    valid_for: P1Y", "    valid_for: P1Y\n    valid_from: 'dog_name'",
         "workflows/dog_tax.yaml:37:18: credential 'dog_tag': valid_from: must be a date, not a text"),
        ("        disclosable: true", "        disclosable: sometimes",
         "workflows/dog_tax.yaml:41: credential 'dog_tag': claim 'dog_name': 'disclosable' must be"),
        ("      - name: dog_name", "      - name: exp",
         "workflows/dog_tax.yaml:38: credential 'dog_tag': claim name 'exp' is reserved"),
        ("    valid_for: P1Y", "    valid_for: 'owner.years'",
         "workflows/dog_tax.yaml:36:17: credential 'dog_tag': valid_for: unknown name 'owner'"),
        ("    issued_by: [approve]", "    isued_by: [approve]",
         "workflows/dog_tax.yaml:35: unknown key 'isued_by' in credential"),
    ],
)  # fmt: skip
def test_each_credential_mistake_is_reported_with_file_and_line(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    assert old in CREDENTIALS
    workflow = WORKFLOW + CREDENTIALS.replace(old, new, 1)
    problems = problems_of(write_set(tmp_path, FORM, workflow))
    assert any(p.startswith(expected) for p in problems), problems


def test_a_final_state_may_only_be_left_for_another_final_state(tmp_path: Path) -> None:
    workflow = WORKFLOW.replace(
        "documents:\n",
        "  - name: reopen\n    title: {de: Wieder öffnen, en: Reopen}\n"
        "    from: [approved]\n    to: submitted\n    roles: [tax_officer]\n"
        "documents:\n",
    )
    problems = problems_of(write_set(tmp_path, workflow=workflow))
    assert any(
        "transition 'reopen' leaves final state 'approved' for a state that is not final" in p
        for p in problems
    ), problems
