"""Computed values: declared in the form, type-checked, worked out from the answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.definitions.services import load_definitions
from service.forms.computed import computed_values
from tests.definitions.test_definitions_mistakes import FORM, write_set

COMPUTED = """\
computed:
  - key: days
    type: date
    label: {de: Ende plus eine Woche, en: End plus one week}
    expression: 'end_date + days(7)'
  - key: fee
    type: fee
    currency: EUR
    label: {de: Gebühr, en: Fee}
    expression: 'zone == "a" ? int(length_m * 1000.0) : 2500'
"""


def form_with(computed: str = COMPUTED) -> str:
    return FORM.replace("rules:\n", computed + "rules:\n")


def problems_of(root: Path) -> list[str]:
    return [str(p) for p in load_definitions(root)[1]]


def test_computed_values_pass_the_check(tmp_path: Path) -> None:
    assert problems_of(write_set(tmp_path, form=form_with())) == []


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("zone == \"a\" ? int(length_m * 1000.0) : 2500", "length_m * 1000.0",
         "forms/special_use.yaml:33:18: computed value 'fee': must be a whole number (cents), "
         "not a number"),
        ("int(length_m * 1000.0)", "length_m * 1000.0",
         "forms/special_use.yaml:33:18: computed value 'fee': both results of '? :' must be of "
         "one type, not a number and a whole number"),
        ("    type: fee\n", "    type: fees\n",
         "forms/special_use.yaml:30: computed value 'fee': unknown type 'fees' "
         "(known: date, fee, number, text, yesno)"),
        ("    currency: EUR\n", "    currency: euro\n",
         "forms/special_use.yaml:31: computed value 'fee': 'currency' must be a code like EUR"),
        ("  - key: days\n", "  - key: zone\n",
         "forms/special_use.yaml:25: computed value 'zone': 'zone' is already the name of a "
         "field or value"),
    ],
)  # fmt: skip
def test_computed_value_mistakes_are_refused(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    computed = COMPUTED.replace(old, new, 1)
    problems = problems_of(write_set(tmp_path, form=form_with(computed)))
    assert any(p.startswith(expected) for p in problems), problems


def test_a_guard_may_read_a_computed_value(tmp_path: Path) -> None:
    from tests.definitions.test_definitions_mistakes import WORKFLOW

    workflow = WORKFLOW.replace(
        "    documents: [permit]\n", "    guard: 'fee < 10000'\n    documents: [permit]\n"
    )
    assert problems_of(write_set(tmp_path, form=form_with(), workflow=workflow)) == []


def test_a_fee_is_shown_with_its_currency_in_each_language(tmp_path: Path) -> None:
    registry, problems = load_definitions(write_set(tmp_path, form=form_with()))
    assert problems == []
    form = registry.form("special_use")
    data = {"applicant": "A", "zone": "a", "length_m": 12.5, "end_date": None}
    de = {v.key: v for v in computed_values(form, data, "de")}
    en = {v.key: v for v in computed_values(form, data, "en")}
    assert (de["fee"].value, de["fee"].currency) == (12500, "EUR")
    assert de["fee"].display == "125,00\xa0€"
    assert en["fee"].display == "€125.00"
    assert de["fee"].label == "Gebühr" and en["fee"].label == "Fee"
    # A value whose answers are missing is not made up.
    assert de["days"].value is None and de["days"].display == "Keine Angabe"
