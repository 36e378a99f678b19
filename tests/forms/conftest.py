"""Small form definitions built in code: a residence registration and a field factory."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from forms_helpers import field, text

from service.definitions.types import FieldDefinition, FormDefinition, Option, Page, Rule

FormFactory = Callable[..., FormDefinition]


@pytest.fixture
def make_form() -> FormFactory:
    """Return a factory: fields (and optional pages and rules) -> FormDefinition."""

    def factory(
        *fields: FieldDefinition,
        pages: tuple[Page, ...] | None = None,
        rules: tuple[Rule, ...] = (),
        key: str = "test_form",
    ) -> FormDefinition:
        if pages is None:
            pages = (Page("main", text("Angaben", "Details"), tuple(f.key for f in fields)),)
        return FormDefinition(
            key=key, version=1, title=text("Test", "Test"), pages=pages, fields=fields, rules=rules
        )

    return factory


@pytest.fixture
def registration() -> FormDefinition:
    """Return a residence registration (Anmeldung) form with groups, conditions and rules."""
    persons = field(
        "persons",
        "group",
        "Personen",
        "People",
        item_label=text("Person {n}"),
        min_items=1,
        max_items=3,
        fields=(
            field(
                "family_name",
                de="Familienname",
                en="Family name",
                required=True,
                max_length=60,
                autocomplete="family-name",
            ),
            field(
                "birth_date",
                "date",
                "Geburtsdatum",
                "Date of birth",
                required=True,
                maximum="today",
            ),
            field("nationality", "country", "Staatsangehörigkeit", "Nationality"),
            field(
                "birth_name",
                de="Geburtsname",
                en="Name at birth",
                visible_if="name_changed == true",
            ),
            field("name_changed", "yesno", "Name geändert", "Name changed"),
        ),
    )
    housing = field(
        "housing",
        "radio",
        "Wohnung",
        "Home",
        required=True,
        options=(Option("rented", text("Miete", "Rented")), Option("own", text("Eigentum", "Own"))),
    )
    return FormDefinition(
        key="residence_registration",
        version=3,
        title=text("Wohnsitz anmelden", "Registering your address"),
        pages=(
            Page(
                "move",
                text("Ihr Umzug", "Your move"),
                ("move_in_date", "postal_code", "housing", "pets"),
            ),
            Page(
                "people",
                text("Wer zieht ein?", "Who moves in?"),
                ("persons",),
                intro=text("Alle Personen", "Everyone"),
            ),
            Page(
                "landlord",
                text("Wohnungsgeber", "Landlord"),
                ("landlord_confirmation", "landlord_name"),
                visible_if='housing == "rented"',
            ),
            Page("contact", text("Kontakt", "Contact"), ("email", "phone", "fee", "has_dog")),
        ),
        fields=(
            field(
                "move_in_date",
                "date",
                "Einzugsdatum",
                "Move-in date",
                required=True,
                minimum="today - 1 year",
                maximum="today + 3 months",
            ),
            field("postal_code", "postal_code_de", "Postleitzahl", "Postcode", required=True),
            housing,
            field(
                "pets",
                "checkboxes",
                "Haustiere",
                "Pets",
                options=(Option("dog", text("Hund", "Dog")), Option("cat", text("Katze", "Cat"))),
            ),
            persons,
            field(
                "landlord_confirmation",
                "file",
                "Wohnungsgeberbestätigung",
                "Landlord's confirmation",
                required=True,
                accept=("application/pdf", "image/jpeg", "image/png"),
                max_size=1_000_000,
            ),
            field(
                "landlord_name",
                de="Name des Wohnungsgebers",
                en="Landlord's name",
                required_if="landlord_confirmation == null",
            ),
            field("email", "email", "E-Mail-Adresse", "Email address"),
            field("phone", "phone", "Telefon", "Phone", required_if="email == null"),
            field("fee", "money", "Gebühr", "Fee", minimum=None),
            field("has_dog", "yesno", "Hund", "Dog"),
        ),
        rules=(
            Rule(
                "late_registration",
                "move_in_date >= today() - days(14)",
                text("Die Anmeldung ist verspätet.", "The registration is late."),
                fields=("move_in_date",),
                severity="flag",
            ),
            Rule(
                "dog_listed",
                '!has_dog || "dog" in pets',
                text(
                    "Bitte geben Sie den Hund bei den Haustieren an.", "Add the dog to your pets."
                ),
                fields=("pets", "has_dog"),
            ),
        ),
    )


@pytest.fixture
def answers() -> dict[str, Any]:
    """Return valid answers to the registration form (with time frozen at FROZEN_NOW)."""
    return {
        "move_in_date": "2026-02-25",
        "postal_code": "40213",
        "housing": "own",
        "persons": [{"family_name": "Özdemir", "birth_date": "1990-05-17"}],
        "email": "a.oezdemir@example.org",
    }
