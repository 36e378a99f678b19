"""Licence plates are taken as residents type them and stored in the official form."""

from __future__ import annotations

import pytest

from service.definitions.types import FieldDefinition
from service.engine.types import Text
from service.forms.plates import normalise_plate
from service.forms.registry import make_field


@pytest.mark.parametrize(
    ("typed", "official"),
    [
        ("d ab1234", "D-AB 1234"),
        ("D-AB 1234", "D-AB 1234"),
        ("D AB 1234", "D-AB 1234"),
        ("d-ab-1234", "D-AB 1234"),
        ("  m   x 7 ", "M-X 7"),
        ("hh-ab 123e", "HH-AB 123E"),
        ("ös-a 12h", "ÖS-A 12H"),
        ("SÜW AB 12", "SÜW-AB 12"),
    ],
)
def test_the_same_plate_however_it_is_typed(typed: str, official: str) -> None:
    assert normalise_plate(typed) == official


@pytest.mark.parametrize(
    "typed",
    [
        "dab1234",  # no separator: D-AB or DA-B?
        "D-AB 0123",  # numbers never start with 0
        "D-ABC 12",  # at most two recognition letters
        "ABCD-A 1",  # at most three letters for the district
        "BAD-AB 1234",  # nine characters: at most eight
        "D-AB 12345",
        "D-AB",
        "",
    ],
)
def test_what_is_no_plate_is_refused(typed: str) -> None:
    assert normalise_plate(typed) is None


def test_the_field_stores_the_official_form_and_explains_a_refusal() -> None:
    definition = FieldDefinition(
        key="plate", type="licence_plate", label=Text("Kennzeichen", "Licence plate")
    )
    field = make_field(definition, "de")
    assert field.deserialize("d ab1234") == "D-AB 1234"
    from marshmallow import ValidationError

    with pytest.raises(ValidationError) as caught:
        field.deserialize("dab1234")
    assert caught.value.messages == ["Bitte geben Sie das Kennzeichen in der Form D-AB 1234 an."]


def test_documents_print_country_names_in_the_documents_language() -> None:
    from datetime import UTC, datetime
    from pathlib import Path

    from service.definitions.services import load_definitions
    from service.documents.rendering import build_context

    registry, _ = load_definitions(Path(__file__).resolve().parents[2])
    for lang, name in (("de", "Österreich"), ("en", "Austria")):
        context = build_context(
            data={}, reference="WA-1", service_title="", document_title="",
            submitted_at=datetime.now(UTC), issued_at=datetime.now(UTC),
            verification_code="A", verify_url="https://x.example/verify/A",
            form=registry.form("residence_registration"), lang=lang,
        )  # fmt: skip
        assert context["country_name"]("AT") == name
        assert context["country_name"](None) == ""
