"""CEL expressions: parsing, names in scope, evaluation and "not applicable"."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from freezegun import freeze_time

from service.rules.services import (
    EvaluationError,
    ExpressionError,
    RuleFailed,
    compile_expression,
    from_cel,
    to_cel,
)


def test_expression_that_does_not_parse_is_refused_with_its_column():
    with pytest.raises(ExpressionError) as caught:
        compile_expression("size(persons) >")

    assert caught.value.column == 15  # 1-based, at the dangling ">"
    assert "cannot parse" in str(caught.value)


@pytest.mark.parametrize("source", ["", "   ", "a ==", "a = 1", "(a"])
def test_broken_expressions_are_refused(source):
    with pytest.raises(ExpressionError):
        compile_expression(source)


def test_unknown_identifier_is_refused_by_name():
    with pytest.raises(ExpressionError) as caught:
        compile_expression("listed_breed == true && dog_nmae != null", ["listed_breed", "dog_name"])

    assert "'dog_nmae'" in str(caught.value)
    assert caught.value.column == 25  # 1-based


def test_identifiers_are_the_first_segment_of_member_paths():
    expression = compile_expression('persons[0].family_name == "A" && data.fee_waiver')

    assert expression.identifiers == {"persons", "data"}


def test_functions_and_macro_variables_are_not_identifiers():
    source = (
        "size(persons) > 0 && persons.all(p, age(p.birth_date) >= 18)"
        " && has(address.street) && move_in_date > today() - days(14)"
    )

    expression = compile_expression(source, ["persons", "address", "move_in_date"])

    assert expression.identifiers == {"persons", "address", "move_in_date"}


def test_macro_variable_is_only_bound_inside_the_macro():
    with pytest.raises(ExpressionError, match="'p'"):
        compile_expression("persons.exists(p, p.x == 1) || p == 1", ["persons"])


def test_compiled_expression_is_parsed_once_per_process():
    assert compile_expression("a > 1") is compile_expression("a > 1", ["a"])


def test_test_gives_true_or_false():
    expression = compile_expression("size(dogs) <= 2 || listed_breed == false")

    assert expression.test({"dogs": [{}, {}, {}], "listed_breed": False}) is True
    assert expression.test({"dogs": [{}, {}, {}], "listed_breed": True}) is False


def test_comparing_null_is_not_applicable():
    expression = compile_expression("children > 2")

    assert expression.test({"children": None}) is None


def test_missing_answer_counts_as_null():
    assert compile_expression("email == null").test({}) is True
    assert compile_expression("age(birth_date) >= 18").test({}) is None


@pytest.mark.parametrize(
    ("source", "context"),
    [
        ("m.missing == 1", {"m": {}}),
        ("items[3] == 1", {"items": [1]}),
        ('"x"', {}),
    ],
)
def test_missing_answers_and_non_booleans_are_not_applicable(source, context):
    assert compile_expression(source).test(context) is None


def test_a_run_time_error_with_every_answer_there_is_a_failure_not_a_pass():
    with pytest.raises(RuleFailed):
        compile_expression("1 / n > 0").test({"n": 0})


def test_evaluate_returns_plain_values():
    expression = compile_expression('first_name + " " + family_name')

    assert expression.evaluate({"first_name": "Ada", "family_name": "Lovelace"}) == "Ada Lovelace"


def test_evaluate_raises_when_it_cannot_compute():
    with pytest.raises(EvaluationError):
        compile_expression("a < 3").evaluate({"a": None})


def test_guards_read_nested_case_data():
    guard = compile_expression("data.fee_waiver == false && inputs.reason != ''")

    assert guard.test({"data": {"fee_waiver": False}, "inputs": {"reason": "ok"}}) is True


def test_dates_are_timestamps_at_midnight_utc():
    expression = compile_expression("move_in_date < timestamp('2026-03-01T00:00:00Z')")

    assert expression.test({"move_in_date": date(2026, 2, 28)}) is True
    assert expression.test({"move_in_date": date(2026, 3, 1)}) is False


@freeze_time("2026-03-01 23:30:00")  # UTC: already 2 March in Berlin
def test_today_is_the_date_in_berlin():
    assert compile_expression("today()").evaluate({}) == datetime(2026, 3, 2, tzinfo=UTC)


@freeze_time("2026-03-02 09:00:00")
def test_late_registration_with_days():
    late = compile_expression("move_in_date < today() - days(14)")

    assert late.test({"move_in_date": date(2026, 2, 15)}) is True
    assert late.test({"move_in_date": date(2026, 2, 16)}) is False


@freeze_time("2026-03-02 09:00:00")
@pytest.mark.parametrize(
    ("born", "years"),
    [(date(2008, 3, 2), 18), (date(2008, 3, 3), 17), (date(2000, 2, 29), 26)],
)
def test_age_counts_completed_years(born, years):
    assert compile_expression("age(born)").evaluate({"born": born}) == years


def test_to_cel_and_from_cel_round_trip_plain_values():
    value = {
        "name": "Ada",
        "count": 3,
        "share": 0.5,
        "ok": True,
        "none": None,
        "tags": ["a", "b"],
        "wait": timedelta(days=2),
    }

    assert from_cel(to_cel(value)) == value


def test_to_cel_refuses_unknown_types():
    with pytest.raises(TypeError):
        to_cel(object())


def test_days_between_two_dates_are_counted_in_hours_as_cel_does():
    from service.rules.celtypes import TIMESTAMP
    from service.rules.services import check_expression
    from service.rules.values import date_to_timestamp

    scope = {"start_date": TIMESTAMP, "end_date": TIMESTAMP}
    days = "(end_date - start_date).getHours() / 24 + 1"
    assert str(check_expression(days, scope)) == "whole number"
    context = {
        "start_date": date_to_timestamp(date(2026, 12, 30)),
        "end_date": date_to_timestamp(date(2027, 1, 2)),
    }
    assert compile_expression(days).evaluate(context) == 4
    # No CEL runtime knows getDays(): the checker refuses it instead of letting it fail later.
    with pytest.raises(ExpressionError, match="unknown function 'getDays'"):
        check_expression("(end_date - start_date).getDays()", scope)
