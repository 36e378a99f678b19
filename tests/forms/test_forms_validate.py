"""Validating answers: stored values, messages in both languages, conditions and rules."""

from __future__ import annotations

from typing import Any

import pytest
from forms_helpers import FROZEN_NOW, field, text

from service.definitions.types import FormDefinition, Page, Rule
from service.forms.services import ValidationFailed, compile_form, validate

pytestmark = pytest.mark.frozen(FROZEN_NOW)


def errors_of(form: FormDefinition, data: dict[str, Any], lang: str = "de", **kw: Any) -> dict:
    with pytest.raises(ValidationFailed) as caught:
        validate(form, data, lang, **kw)
    return caught.value.errors


def test_valid_answers_are_stored_as_json_values(registration, answers):
    answers.update(fee="1.234,5", phone="0211 123456", pets="dog", has_dog="ja")

    result = validate(registration, answers)

    assert result.data == {
        "move_in_date": "2026-02-25",
        "postal_code": "40213",
        "housing": "own",
        "pets": ["dog"],
        "persons": [{"family_name": "Özdemir", "birth_date": "1990-05-17"}],
        "email": "a.oezdemir@example.org",
        "phone": "+49211123456",
        "fee": "1234.50",
        "has_dog": True,
    }
    assert result.flags == []


def test_missing_required_answer_names_the_field_in_german(registration, answers):
    del answers["move_in_date"]

    assert errors_of(registration, answers, "de") == {
        "move_in_date": ["„Einzugsdatum“: Bitte machen Sie eine Angabe."]
    }


def test_missing_required_answer_names_the_field_in_english(registration, answers):
    answers["housing"] = ""

    assert errors_of(registration, answers, "en") == {"housing": ["Home: select an answer."]}


def test_invalid_date_in_a_group_item_has_the_item_path(registration, answers):
    answers["persons"] = [
        {"family_name": "Özdemir", "birth_date": "17.05.1990"},
        {"family_name": "Özdemir", "birth_date": "31.02.2015"},
    ]

    assert errors_of(registration, answers, "de") == {
        "persons[1].birth_date": [
            "„Geburtsdatum (Person 2)“: Bitte geben Sie ein gültiges Datum an, zum Beispiel 17.05.1990."
        ]
    }
    assert errors_of(registration, answers, "en") == {
        "persons[1].birth_date": [
            "Date of birth (Person 2): enter a valid date, for example 17.05.1990."
        ]
    }


@pytest.mark.parametrize("typed", ["2026-02-25", "25.02.2026", "25.2.2026"])
def test_german_and_iso_dates_are_stored_iso(registration, answers, typed):
    answers["move_in_date"] = typed

    assert validate(registration, answers).data["move_in_date"] == "2026-02-25"


def test_move_in_more_than_three_months_ahead_is_refused(registration, answers):
    answers["move_in_date"] = "03.06.2026"

    assert errors_of(registration, answers, "de")["move_in_date"] == [
        "„Einzugsdatum“: Bitte geben Sie ein Datum bis zum 02.06.2026 an."
    ]
    assert errors_of(registration, answers, "en")["move_in_date"] == [
        "Move-in date: enter a date on or before 2 June 2026."
    ]


def test_move_in_exactly_three_months_ahead_is_accepted(registration, answers):
    answers["move_in_date"] = "2026-06-02"

    assert validate(registration, answers).data["move_in_date"] == "2026-06-02"


def test_birth_date_in_the_future_is_refused(registration, answers):
    answers["persons"] = [{"family_name": "Özdemir", "birth_date": "2026-03-03"}]

    assert list(errors_of(registration, answers)) == ["persons[0].birth_date"]


def test_late_registration_yields_a_flag_not_an_error(registration, answers):
    answers["move_in_date"] = "2026-02-15"  # 15 days ago: later than the legal two weeks

    result = validate(registration, answers, "en")

    assert [(f.key, f.message) for f in result.flags] == [
        ("late_registration", "The registration is late.")
    ]
    assert result.data["move_in_date"] == "2026-02-15"


def test_registration_within_two_weeks_is_not_flagged(registration, answers):
    answers["move_in_date"] = "2026-02-16"

    assert validate(registration, answers).flags == []


def test_failing_error_rule_is_shown_on_each_of_its_fields(registration, answers):
    answers.update(has_dog=True, pets=["cat"])

    message = "Bitte geben Sie den Hund bei den Haustieren an."
    assert errors_of(registration, answers) == {"pets": [message], "has_dog": [message]}


def test_rule_is_skipped_while_its_fields_have_errors(registration, answers):
    answers.update(has_dog="vielleicht", pets=["cat"])

    assert errors_of(registration, answers, "en") == {"has_dog": ["Dog: select yes or no."]}


def test_rule_comparing_an_unanswered_field_is_not_applicable(registration, answers):
    answers["pets"] = ["cat"]  # has_dog not answered: `!has_dog` cannot be evaluated

    assert "pets" in validate(registration, answers).data


def test_rule_without_fields_reports_under_its_key(make_form):
    form = make_form(
        field("a", "number"),
        field("b", "number"),
        rules=(Rule("a_below_b", "a < b", text("a muss kleiner als b sein")),),
    )

    assert errors_of(form, {"a": "3", "b": "2,5"}) == {"a_below_b": ["a muss kleiner als b sein"]}


def test_hidden_field_is_dropped_even_when_sent(registration, answers):
    answers["persons"][0].update(name_changed="nein", birth_name="Yilmaz")

    assert validate(registration, answers).data["persons"][0] == {
        "family_name": "Özdemir",
        "birth_date": "1990-05-17",
        "name_changed": False,
    }


def test_item_condition_sees_its_own_item(registration, answers):
    answers["persons"] = [
        {"family_name": "A", "birth_date": "1990-05-17", "name_changed": "ja", "birth_name": "B"},
        {"family_name": "C", "birth_date": "1991-05-17", "birth_name": "D"},
    ]

    data = validate(registration, answers).data

    assert data["persons"][0]["birth_name"] == "B"
    assert "birth_name" not in data["persons"][1]


def test_hidden_page_hides_its_required_fields(registration, answers):
    answers["landlord_name"] = "Hausverwaltung Rhein"  # sent, but the page is hidden

    data = validate(registration, answers).data

    assert "landlord_name" not in data


def test_visible_page_makes_its_fields_required(registration, answers):
    answers["housing"] = "rented"

    assert errors_of(registration, answers, "en") == {
        "landlord_confirmation": ["Landlord's confirmation: upload a file."],
        "landlord_name": ["Landlord's name: enter an answer."],
    }


def test_required_if_follows_other_answers(registration, answers):
    del answers["email"]

    assert errors_of(registration, answers, "en") == {"phone": ["Phone: enter an answer."]}


def test_hidden_field_is_never_required(make_form):
    form = make_form(
        field("has_car", "yesno"),
        field("plate", required=True, visible_if="has_car == true"),
    )

    assert validate(form, {"has_car": False, "plate": "D-AB 123"}).data == {"has_car": False}
    assert validate(form, {}).data == {}


def test_field_shown_by_a_field_on_a_hidden_page_is_hidden_too(make_form):
    form = make_form(
        field("kind", "radio", options=()),
        field("a", "yesno"),
        field("b", required=True, visible_if="a == true"),
        pages=(
            Page("one", text("1"), ("kind",)),
            Page("two", text("2"), ("a",), visible_if='kind == "x"'),
            Page("three", text("3"), ("b",)),
        ),
    )

    assert validate(form, {"a": True}).data == {}


def test_rules_see_an_item_field_hidden_in_its_item_as_null(make_form):
    form = make_form(
        field(
            "people",
            "group",
            item_label=text("Person {n}"),
            fields=(
                field("adult", "yesno"),
                field("school", visible_if="adult == false"),
            ),
        ),
        rules=(
            Rule(
                "no_school",
                'people.all(p, p.school == null || p.school != "x")',
                text("keine Schule x"),
            ),
        ),
    )

    shown = {"people": [{"adult": False, "school": "x"}]}
    hidden = {"people": [{"adult": True, "school": "x"}, {"adult": False, "school": "y"}]}

    assert errors_of(form, shown) == {"no_school": ["keine Schule x"]}
    assert validate(form, hidden).data == {
        "people": [{"adult": True}, {"adult": False, "school": "y"}]
    }


def test_unknown_keys_are_dropped(registration, answers):
    answers.update(is_admin=True, __class__="x")
    answers["persons"][0]["password"] = "secret"

    data = validate(registration, answers).data

    assert "is_admin" not in data and "__class__" not in data
    assert "password" not in data["persons"][0]


def test_group_needs_at_least_min_items(registration, answers):
    answers["persons"] = []

    assert errors_of(registration, answers, "de") == {
        "persons": ["„Personen“: Bitte geben Sie mindestens 1 Eintrag an."]
    }


def test_group_allows_at_most_max_items(registration, answers):
    answers["persons"] = [{"family_name": "X", "birth_date": "2000-01-01"}] * 4

    assert errors_of(registration, answers, "en") == {"persons": ["People: add at most 3 entries."]}


def test_group_that_is_not_a_list_is_refused(registration, answers):
    answers["persons"] = {"family_name": "X"}

    assert list(errors_of(registration, answers)) == ["persons"]


def test_pages_restricts_checks_to_those_pages(registration, answers):
    data = {"move_in_date": "2026-02-25", "postal_code": "40213", "housing": "own"}
    data["persons"] = [{"family_name": ""}]  # on another page: not checked yet

    result = validate(registration, data, pages=["move"])

    assert result.data == {
        "move_in_date": "2026-02-25",
        "postal_code": "40213",
        "housing": "own",
        "persons": [{}],
    }


def test_pages_still_reports_errors_on_those_pages(registration):
    assert list(errors_of(registration, {}, pages=["move", "people"])) == [
        "move_in_date",
        "postal_code",
        "housing",
        "persons",
    ]


def test_rules_about_other_pages_are_skipped_for_pages(registration, answers):
    answers.update(has_dog=True, pets=["cat"])

    assert validate(registration, answers, pages=["move"]).flags == []


def test_compiled_form_is_built_once_per_version(registration):
    assert compile_form(registration) is compile_form(registration)


def test_forms_without_content_hash_do_not_share_a_compiled_form(make_form):
    one = make_form(field("a", required=True))
    other = make_form(field("b", required=True))

    assert list(errors_of(one, {})) == ["a"]
    assert list(errors_of(other, {})) == ["b"]
