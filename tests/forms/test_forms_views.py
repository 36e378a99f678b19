"""Page view models, page navigation, form posts and the check-your-answers summary."""

from __future__ import annotations

import pytest
from forms_helpers import FROZEN_NOW
from werkzeug.datastructures import MultiDict

from service.forms.services import (
    ValidationFailed,
    next_page,
    page_view,
    parse_form_post,
    previous_page,
    summary,
    validate,
    view_model,
    visible_pages,
)

pytestmark = pytest.mark.frozen(FROZEN_NOW)


def test_page_view_gives_title_intro_and_fields_in_the_language(registration):
    view = page_view(registration, "people", {}, {}, "en")

    assert (view.key, view.title, view.intro) == ("people", "Who moves in?", "Everyone")
    assert [f.key for f in view.fields] == ["persons"]


def test_field_view_has_name_id_label_value_and_autocomplete(registration):
    data = {"persons": [{"family_name": "Özdemir", "birth_date": "17.05.1990"}]}

    persons = page_view(registration, "people", data, {}, "de").fields[0]
    family_name = persons.items[0].fields[0]

    assert persons.items[0].label == "Person 1"
    assert family_name.name == "persons-0-family_name"
    assert family_name.id == "f-persons-0-family_name"
    assert family_name.path == "persons[0].family_name"
    assert (family_name.label, family_name.value) == ("Familienname", "Özdemir")
    assert family_name.required is True
    assert family_name.autocomplete == "family-name"
    assert family_name.max_length == 60


def test_empty_group_shows_one_item_to_fill_in(registration):
    persons = page_view(registration, "people", {}, {}, "de").fields[0]

    assert [item.label for item in persons.items] == ["Person 1"]
    assert persons.can_add_item is True


def test_item_field_shown_by_its_item_answer(registration):
    data = {"persons": [{"name_changed": "yes"}, {"name_changed": "no"}]}

    persons = page_view(registration, "people", data, {}, "de").fields[0]

    assert "birth_name" in [f.key for f in persons.items[0].fields]
    assert "birth_name" not in [f.key for f in persons.items[1].fields]


def test_options_are_labelled_and_selected(registration):
    view = page_view(registration, "move", {"housing": "own", "pets": ["cat"]}, {}, "en")
    housing, pets = view.fields[2], view.fields[3]

    assert [(o.value, o.label, o.selected) for o in housing.options] == [
        ("rented", "Rented", False),
        ("own", "Own", True),
    ]
    assert [o.selected for o in pets.options] == [False, True]


def test_yes_no_and_country_options(registration):
    data = {"has_dog": True, "persons": [{"nationality": "de"}]}

    has_dog = page_view(registration, "contact", data, {}, "de").fields[3]
    nationality = page_view(registration, "people", data, {}, "de").fields[0].items[0].fields[2]

    assert [(o.value, o.label, o.selected) for o in has_dog.options] == [
        ("yes", "Ja", True),
        ("no", "Nein", False),
    ]
    chosen = [o for o in nationality.options if o.selected]
    assert [(o.value, o.label) for o in chosen] == [("DE", "Deutschland")]


def test_errors_are_shown_on_fields_and_in_the_summary(registration):
    data = {"move_in_date": "morgen"}
    with pytest.raises(ValidationFailed) as caught:
        validate(registration, data, "de", pages=["move"])
    errors = caught.value.errors

    view = page_view(registration, "move", data, errors, "de")

    assert view.fields[0].value == "morgen"
    assert view.fields[0].errors == (  # an example the field allows: from a year ago on
        "„Einzugsdatum“: Bitte geben Sie ein gültiges Datum an, zum Beispiel 09.03.2025.",
    )
    assert [link.href for link in view.errors] == [
        "#f-move_in_date",
        "#f-postal_code",
        "#f-housing",
    ]


def test_conditional_page_is_shown_only_when_it_applies(registration):
    assert [p.key for p in visible_pages(registration, {"housing": "own"})] == [
        "move",
        "people",
        "contact",
    ]
    assert [p.key for p in visible_pages(registration, {"housing": "rented"})] == [
        "move",
        "people",
        "landlord",
        "contact",
    ]


def test_next_and_previous_page_skip_hidden_pages(registration):
    own, rented = {"housing": "own"}, {"housing": "rented"}

    assert next_page(registration, "people", own).key == "contact"
    assert next_page(registration, "people", rented).key == "landlord"
    assert previous_page(registration, "contact", own).key == "people"
    assert next_page(registration, "contact", own) is None
    assert previous_page(registration, "move", own) is None


def test_view_model_has_every_shown_page(registration):
    pages = view_model(registration, {"housing": "own"}, {}, "en")

    assert [p.title for p in pages] == ["Your move", "Who moves in?", "Contact"]


def test_form_post_becomes_nested_answers(registration):
    post = MultiDict(
        [
            ("csrf_token", "x"),
            ("persons-0-family_name", "Özdemir"),
            ("persons-0-birth_date", "17.05.1990"),
            ("persons-3-family_name", "Yilmaz"),
            ("persons-3-name_changed", "yes"),
            ("persons-5-family_name", ""),
            ("persons-9-unknown", "x"),
        ]
    )

    assert parse_form_post(registration, "people", post) == {
        "persons": [
            {
                "family_name": "Özdemir",
                "birth_date": "17.05.1990",
                "nationality": None,
                "birth_name": None,
                "name_changed": None,
            },
            {
                "family_name": "Yilmaz",
                "birth_date": None,
                "nationality": None,
                "birth_name": None,
                "name_changed": "yes",
            },
        ]
    }


def test_form_post_reads_repeated_checkboxes_and_clears_the_rest(registration):
    post = MultiDict([("move_in_date", "25.02.2026"), ("pets", "dog"), ("pets", "cat")])

    assert parse_form_post(registration, "move", post) == {
        "move_in_date": "25.02.2026",
        "postal_code": None,
        "housing": None,
        "pets": ["dog", "cat"],
    }


def test_parsed_post_validates(registration):
    post = MultiDict(
        [
            ("move_in_date", "25.02.2026"),
            ("postal_code", "40213"),
            ("housing", "own"),
            ("pets", "dog"),
        ]
    )

    data = validate(registration, parse_form_post(registration, "move", post), pages=["move"]).data

    assert data == {
        "move_in_date": "2026-02-25",
        "postal_code": "40213",
        "housing": "own",
        "pets": ["dog"],
    }


ANSWERS = {
    "move_in_date": "2026-11-26",
    "postal_code": "40213",
    "housing": "own",
    "pets": ["dog", "cat"],
    "persons": [{"family_name": "Özdemir", "birth_date": "1990-05-17", "name_changed": False}],
    "fee": "1234.50",
    "has_dog": True,
}


def test_summary_in_german(registration):
    pages = summary(registration, ANSWERS, "de")

    assert [page.key for page, _rows in pages] == ["move", "people", "contact"]
    assert pages[0][1] == [
        ("Einzugsdatum", "26.11.2026"),
        ("Postleitzahl", "40213"),
        ("Wohnung", "Eigentum"),
        ("Haustiere", "Hund, Katze"),
    ]
    assert pages[1][1] == [
        ("Familienname (Person 1)", "Özdemir"),
        ("Geburtsdatum (Person 1)", "17.05.1990"),
        ("Staatsangehörigkeit (Person 1)", "Keine Angabe"),
        ("Name geändert (Person 1)", "Nein"),
    ]
    assert pages[2][1][2:] == [("Gebühr", "1.234,50\xa0€"), ("Hund", "Ja")]


def test_summary_in_english(registration):
    pages = summary(registration, ANSWERS, "en")

    assert pages[0][1][0] == ("Move-in date", "26 November 2026")
    assert pages[0][1][2] == ("Home", "Own")
    assert pages[2][1][2:] == [("Fee", "€1,234.50"), ("Dog", "Yes")]


def test_stored_dates_are_shown_again_in_iso_form_for_date_inputs(registration):
    view = page_view(registration, "move", {"move_in_date": "2026-02-25"}, {}, "de")

    assert view.fields[0].value == "2026-02-25"
