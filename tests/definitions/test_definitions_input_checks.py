"""`definitions check` type-checks a transition input's expressions like a form field's:
`visible_if`, `required_if`, `min` and `max`, with file, line, column and a caret."""

from __future__ import annotations

from pathlib import Path

from service.definitions.services import load_definitions
from tests.definitions.test_definitions_inputs import REVOKE_INPUTS, definitions_with


def problems_with(tmp_path: Path, inputs: str) -> list[str]:
    return [str(p) for p in load_definitions(definitions_with(tmp_path, inputs))[1]]


def test_the_shipped_inputs_pass(tmp_path: Path) -> None:
    assert problems_with(tmp_path, REVOKE_INPUTS) == []


def test_an_input_condition_comparing_unlike_types_is_refused(tmp_path: Path) -> None:
    inputs = REVOKE_INPUTS.replace(
        "        required: false\n", "        required: false\n        visible_if: 'ground == 1'\n"
    )
    problems = problems_with(tmp_path, inputs)
    assert len(problems) == 1
    assert problems[0].startswith("workflows/parking_permit.yaml:")
    line, column = problems[0].split(":")[1:3]
    assert line.isdigit() and column.isdigit()
    assert (
        "transition 'revoke': input 'fee_refund': visible_if: cannot compare a text "
        "with a whole number using '=='" in problems[0]
    )
    assert problems[0].endswith("\n                         ^~~~~~~~~~~")


def test_an_input_condition_naming_an_unknown_input_is_refused(tmp_path: Path) -> None:
    inputs = REVOKE_INPUTS.replace(
        "        required: false\n",
        "        required: false\n        required_if: 'grund == \"moved\"'\n",
    )
    problems = problems_with(tmp_path, inputs)
    assert len(problems) == 1
    assert "transition 'revoke': input 'fee_refund': required_if: " in problems[0]
    assert "grund" in problems[0]


def test_an_input_date_limit_of_the_wrong_type_is_refused_with_its_column(
    tmp_path: Path,
) -> None:
    inputs = REVOKE_INPUTS.replace('min: date("2026-01-01")', 'min: date("2026-01-01") + 1')
    problems = problems_with(tmp_path, inputs)
    assert len(problems) == 1
    line, column = problems[0].split(":")[1:3]
    assert line.isdigit() and column.isdigit()
    assert "field 'effective_date': 'min': cannot compute a date + a whole number" in problems[0]
    assert problems[0].endswith("\n                 ^~~~~~~~~~~~~~~~~~~~~~")
