"""docs/definitions.md is the language reference: its examples must be what the code takes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from service.definitions.yamlio import load
from service.rules.services import check_expression
from service.rules.typecheck import BOOL, DOUBLE, TIMESTAMP

DOC = (Path(__file__).resolve().parents[2] / "docs" / "definitions.md").read_text()
YAML_BLOCKS = re.findall(r"```yaml\n(.*?)```", DOC, flags=re.S)


@pytest.mark.parametrize("block", YAML_BLOCKS, ids=[b.split("\n")[0] for b in YAML_BLOCKS])
def test_every_yaml_example_is_valid_yaml(block: str) -> None:
    assert load(block) is not None


def test_the_computed_value_example_type_checks_as_a_fee() -> None:
    block = next(b for b in YAML_BLOCKS if b.startswith("computed:"))
    fee = load(block)["computed"][0]
    assert check_expression(fee["expression"], {"listed_breed": BOOL}).kind == "int"


@pytest.mark.parametrize(
    "expression",
    ["today()", "today() - days(14)", "add_months(today(), 3)", 'date("2026-01-01")'],
)
def test_the_documented_date_expressions_are_dates(expression: str) -> None:
    assert expression in DOC
    assert check_expression(expression, {}).kind == "timestamp"


def test_the_documented_refusal_is_the_checkers_message() -> None:
    from service.rules.services import ExpressionError

    with pytest.raises(ExpressionError) as caught:
        check_expression('length_m > "5"', {"length_m": DOUBLE, "end_date": TIMESTAMP})
    assert f"rule 'long_zone': {caught.value.message}" in DOC
