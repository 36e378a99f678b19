"""CEL has a cost budget: too costly expressions are refused when checked and never hang."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from service.cli import definitions_check
from service.rules.services import BudgetExceeded, compile_expression

THREE_NESTED = "xs.all(a, xs.all(b, xs.all(c, a + b + c >= 0)))"

FORM = """\
key: dog_tax
version: 1
title: {de: Hundesteuer, en: Dog tax}
pages:
  - key: dogs
    title: {de: Hunde, en: Dogs}
    fields: [dogs]
fields:
  - key: dogs
    type: group
    label: {de: Hunde, en: Dogs}
    max_items: MAX
    fields:
      - key: age
        type: number
        label: {de: Alter, en: Age}
rules:
  - key: ages
    expression: 'RULE'
    message: {de: Falsch, en: Wrong}
    fields: [dogs]
"""

WORKFLOW = """\
key: dog_tax
version: 1
title: {de: Hundesteuer, en: Dog tax}
form: dog_tax
reference_prefix: HS
info:
  summary: {de: Hund anmelden, en: Register a dog}
roles:
  - name: tax_officer
    title: {de: Steuern, en: Tax}
states:
  - name: submitted
    title: {de: Eingegangen, en: Submitted}
    initial: true
  - name: approved
    title: {de: Genehmigt, en: Approved}
    final: true
    resident_text: {de: Entschieden., en: Decided.}
transitions:
  - name: approve
    title: {de: Genehmigen, en: Approve}
    from: [submitted]
    to: approved
    roles: [tax_officer]
    guard: 'GUARD'
"""

NESTED_RULE = "dogs.all(a, dogs.all(b, dogs.all(c, a.age + b.age + c.age >= 0)))"


def check(root: Path, max_items: int, rule: str, guard: str = "true") -> tuple[int, str]:
    (root / "forms").mkdir(parents=True, exist_ok=True)
    (root / "workflows").mkdir(parents=True, exist_ok=True)
    form = FORM.replace("MAX", str(max_items)).replace("RULE", rule)
    (root / "forms" / "dog_tax.yaml").write_text(form)
    (root / "workflows" / "dog_tax.yaml").write_text(WORKFLOW.replace("GUARD", guard))
    (root / "city.yaml").write_text((Path(__file__).parents[2] / "city.yaml").read_text())
    result = CliRunner().invoke(
        definitions_check, ["--root", str(root)], env={"AMTSWEG_ENV": "test"}
    )
    return result.exit_code, result.output


def test_three_nested_all_over_hundred_items_is_refused_before_it_runs() -> None:
    expression = compile_expression(THREE_NESTED)
    with pytest.raises(BudgetExceeded) as caught:
        expression.evaluate({"xs": list(range(100))})
    assert "too large to evaluate" in str(caught.value)
    # A condition does not take it for "not applicable" either: the input is refused.
    with pytest.raises(BudgetExceeded):
        expression.test({"xs": list(range(100))})


def test_nested_lists_inside_items_count_too() -> None:
    expression = compile_expression("xs.all(a, a.all(b, a.all(c, b + c >= 0)))")
    with pytest.raises(BudgetExceeded):
        expression.evaluate({"xs": [list(range(100))] * 100})


def test_the_same_expression_over_small_lists_is_evaluated() -> None:
    assert compile_expression(THREE_NESTED).evaluate({"xs": list(range(10))}) is True


def test_definitions_check_refuses_a_rule_too_costly_for_its_groups_max_items(
    tmp_path: Path,
) -> None:
    code, output = check(tmp_path, 100, NESTED_RULE)
    assert code == 1
    assert f"forms/dog_tax.yaml:18: rule 'ages': '{NESTED_RULE}' may take" in output
    assert "steps to evaluate (at most 100,000)" in output


def test_definitions_check_accepts_the_rule_when_the_group_is_small(tmp_path: Path) -> None:
    code, output = check(tmp_path, 5, NESTED_RULE)
    assert code == 0, output


def test_definitions_check_refuses_a_costly_guard_over_the_case_data(tmp_path: Path) -> None:
    guard = "dogs.all(a, dogs.all(b, dogs.all(c, a.age <= b.age + c.age)))"
    code, output = check(tmp_path, 100, "size(dogs) < 50", guard)
    assert code == 1
    assert "workflows/dog_tax.yaml:20: transition 'approve': guard:" in output
    assert "dogs.all(a, dogs.all(b" in output


def test_values_over_budget_are_refused_with_422_and_a_message_by_the_error_map() -> None:
    from service.errors import as_app_error
    from service.forms import errors  # noqa: F401 - maps BudgetExceeded (create_app imports it)

    with pytest.raises(BudgetExceeded) as caught:
        compile_expression(THREE_NESTED).evaluate({"xs": list(range(100))})
    error = as_app_error(caught.value)
    assert error is not None and error.status == 422
    assert "zu umfangreich" in error.message.de and "too large" in error.message.en


@pytest.mark.parametrize(
    "source",
    [
        "xs.all(x, x == 1)",
        "xs.all(x, x == 1) && ys.exists(y, y > 2)",
        "xs.all(x, ys.exists(y, y == x))",
        "a.xs.all(x, x == 1)",
        "[1, 2].all(x, x == 1)",
    ],
)
def test_the_budget_of_a_macro_over_a_named_list_is_the_estimate(source: str) -> None:
    from service.rules.cost import _list_steps, estimate

    expression = compile_expression(source)
    for values in (
        {"xs": [1] * 20, "ys": (2,) * 7},
        {"xs": {3, 4}, "ys": []},
        {"xs": None, "ys": [1]},
        {"xs": "ab", "ys": [1]},
        {"a": {"xs": [1, 2]}},
        {},
    ):

        def actual(path: str, values: dict = values) -> int | None:
            value: object = values
            for part in path.split("."):
                value = value.get(part) if isinstance(value, dict) else None
            return len(value) if isinstance(value, list | tuple | set | frozenset) else None

        steps = _list_steps(expression.cost_plan, values)
        if steps is not None:
            assert steps == estimate(expression.cost_plan, actual, 100), values
