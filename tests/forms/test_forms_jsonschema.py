"""The JSON Schema the API publishes for a form's answers."""

from __future__ import annotations

from service.forms.services import json_schema


def test_schema_is_draft_2020_12_with_titles_in_english(registration):
    schema = json_schema(registration)

    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] == "Registering your address"
    assert schema["type"] == "object"
    assert schema["properties"]["move_in_date"] == {
        "title": "Move-in date",
        "type": "string",
        "format": "date",
        "examples": ["2026-11-26"],
        "x-minimum": "today - 1 year",
        "x-maximum": "today + 3 months",
    }


def test_only_unconditionally_required_fields_are_listed(registration):
    # landlord fields sit on a conditional page; phone is required only without e-mail.
    # A group with min_items must be sent even though it is not marked required.
    assert json_schema(registration)["required"] == [
        "move_in_date",
        "postal_code",
        "housing",
        "persons",
    ]


def test_group_is_an_array_of_objects(registration):
    persons = json_schema(registration, "de")["properties"]["persons"]

    assert persons["type"] == "array"
    assert persons["title"] == "Personen"
    assert (persons["minItems"], persons["maxItems"]) == (1, 3)
    item = persons["items"]
    assert item["type"] == "object"
    assert item["required"] == ["family_name", "birth_date"]
    assert item["properties"]["family_name"] == {
        "title": "Familienname",
        "type": "string",
        "maxLength": 60,
    }
    assert item["properties"]["name_changed"]["type"] == "boolean"
    assert "DE" in item["properties"]["nationality"]["enum"]


def test_choices_money_and_files_are_described(registration):
    properties = json_schema(registration)["properties"]

    assert properties["housing"]["enum"] == ["rented", "own"]
    assert properties["pets"]["items"] == {"type": "string", "enum": ["dog", "cat"]}
    assert properties["fee"]["pattern"] == r"^-?[0-9]+(\.[0-9]{1,2})?$"
    upload = properties["landlord_confirmation"]
    assert upload["type"] == "object"
    assert upload["properties"]["content_type"]["enum"] == [
        "application/pdf",
        "image/jpeg",
        "image/png",
    ]
    assert upload["properties"]["size"]["maximum"] == 1_000_000
