"""Each field type: what it accepts, what it stores and what it says when refusing."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from forms_helpers import field, text

from service.definitions.types import FieldDefinition, Option
from service.forms.services import ValidationFailed, validate

OPTIONS = (Option("a", text("Erstens", "First")), Option("b", text("Zweitens", "Second")))


def stored(make_form, definition: FieldDefinition, value: Any) -> Any:
    return validate(make_form(definition), {definition.key: value}).data.get(definition.key)


def refused(make_form, definition: FieldDefinition, value: Any, lang: str = "de") -> list[str]:
    with pytest.raises(ValidationFailed) as caught:
        validate(make_form(definition), {definition.key: value}, lang)
    return caught.value.errors[definition.key]


@pytest.mark.parametrize(
    ("type_", "typed", "value"),
    [
        ("iban", "DE89 3704 0044 0532 0130 00", "DE89370400440532013000"),
        ("iban", "de89370400440532013000", "DE89370400440532013000"),
        ("tax_id_de", "86095742719", "86095742719"),
        ("tax_id_de", "86 095 742 719", "86095742719"),
        ("phone", "0211 123456", "+49211123456"),
        ("phone", "+44 20 7946 0958", "+442079460958"),
        ("postal_code_de", "01067", "01067"),
        ("postal_code_de", " 40213 ", "40213"),
        ("country", "de", "DE"),
        ("email", " a.b@example.org ", "a.b@example.org"),
        ("yesno", "ja", True),
        ("yesno", "no", False),
        ("yesno", "1", True),
        ("yesno", False, False),
        ("number", "1.234,56", 1234.56),
        ("number", "1234.56", 1234.56),
        ("number", 3, 3),
        ("number", "-2,5", -2.5),
        ("money", "30", "30.00"),
        ("money", "1.234,5", "1234.50"),
        ("money", "1.500", "1500.00"),
        ("money", "12,30 €", "12.30"),
        ("money", 7.5, "7.50"),
        ("date", "1.3.2026", "2026-03-01"),
        ("text", "  Düsseldorf  ", "Düsseldorf"),
    ],
)
def test_valid_answers_are_normalised(make_form, type_, typed, value):
    assert stored(make_form, field("x", type_), typed) == value


@pytest.mark.parametrize(
    ("type_", "typed", "message"),
    [
        ("iban", "DE89370400440532013001", "Bitte geben Sie eine gültige IBAN an"),
        ("tax_id_de", "86095742718", "steuerliche Identifikationsnummer mit 11 Ziffern"),
        ("tax_id_de", "1234", "steuerliche Identifikationsnummer mit 11 Ziffern"),
        ("phone", "0211", "gültige Telefonnummer"),
        ("phone", "kein Telefon", "gültige Telefonnummer"),
        ("postal_code_de", "1234", "Postleitzahl mit 5 Ziffern"),
        ("postal_code_de", "00999", "Postleitzahl mit 5 Ziffern"),
        ("postal_code_de", "99999", "Postleitzahl mit 5 Ziffern"),
        ("country", "XX", "Land aus der Liste"),
        ("email", "not-an-address", "gültige E-Mail-Adresse"),
        ("email", 42, "gültige E-Mail-Adresse"),
        ("email", ["a@example.org"], "gültige E-Mail-Adresse"),
        ("yesno", "vielleicht", "Ja oder Nein"),
        ("number", "zwölf", "Bitte geben Sie eine Zahl an"),
        ("number", "1,2,3", "Bitte geben Sie eine Zahl an"),
        ("number", True, "Bitte geben Sie eine Zahl an"),
        ("money", "12,345", "höchstens zwei Nachkommastellen"),
        ("money", "zehn Euro", "Betrag in Euro"),
        ("date", "2026-13-01", "gültiges Datum"),
        ("date", "1.3.26", "gültiges Datum"),
        ("text", 42, "Bitte geben Sie einen Text ein."),
    ],
)
def test_invalid_answers_are_refused_with_a_german_message(make_form, type_, typed, message):
    messages = refused(make_form, field("x", type_, "Angabe", "Answer"), typed)

    assert len(messages) == 1
    assert messages[0].startswith("„Angabe“: ")
    assert message in messages[0]


@pytest.mark.parametrize(
    ("type_", "typed", "message"),
    [
        ("iban", "DE00", "Answer: enter a valid IBAN, for example DE89 3704 0044 0532 0130 00."),
        ("tax_id_de", "123", "Answer: enter a valid tax identification number of 11 digits."),
        ("postal_code_de", "4021", "Answer: enter a valid postcode of 5 digits."),
        ("date", "morgen", "Answer: enter a valid date, for example 17.05.1990."),
        ("email", "a@", "Answer: enter a valid email address, for example name@example.org."),
        ("email", 7, "Answer: enter a valid email address, for example name@example.org."),
    ],
)
def test_invalid_answers_are_refused_with_an_english_message(make_form, type_, typed, message):
    assert refused(make_form, field("x", type_, "Angabe", "Answer"), typed, "en") == [message]


def test_country_options_restrict_the_countries(make_form):
    definition = field("x", "country", options=(Option("DE", text("Deutschland")),))

    assert stored(make_form, definition, "DE") == "DE"
    assert refused(make_form, definition, "FR")


def test_number_bounds_are_named_in_the_language(make_form):
    definition = field("x", "money", "Betrag", "Amount", minimum=Decimal("10"))

    assert refused(make_form, definition, "9,99") == [
        "„Betrag“: Bitte geben Sie einen Wert von mindestens 10,00\xa0€ an."
    ]
    assert refused(make_form, definition, "9.99", "en") == [
        "Amount: enter a value of at least €10.00."
    ]


def test_select_takes_only_its_options(make_form):
    definition = field("x", "select", options=OPTIONS)

    assert stored(make_form, definition, "b") == "b"
    assert refused(make_form, definition, "c", "en") == ["x: select one of the options offered."]


def test_checkboxes_take_a_list_or_a_single_value(make_form):
    definition = field("x", "checkboxes", options=OPTIONS)

    assert stored(make_form, definition, ["b", "a", "b"]) == ["b", "a"]
    assert stored(make_form, definition, "a") == ["a"]
    assert stored(make_form, definition, []) is None
    assert refused(make_form, definition, ["a", "z"])


def test_checkboxes_count_the_choices(make_form):
    definition = field("x", "checkboxes", "Wahl", "Choice", options=OPTIONS, max_items=1)

    assert refused(make_form, definition, ["a", "b"], "en") == ["Choice: select at most 1 option."]


def test_text_lengths_are_counted(make_form):
    definition = field("x", de="Name", en="Name", min_length=2, max_length=3)

    assert refused(make_form, definition, "A", "en") == ["Name: enter at least 2 characters."]
    assert refused(make_form, definition, "Anna") == [
        "„Name“: Bitte geben Sie höchstens 3 Zeichen ein."
    ]


def test_text_pattern_must_match_the_whole_answer(make_form):
    definition = field(
        "plate",
        pattern=r"[A-Z]{1,3}-[A-Z]{1,2} \d{1,4}",
        pattern_message=text("Bitte wie D-AB 123 schreiben.", "Write it like D-AB 123."),
    )

    assert stored(make_form, definition, "D-AB 123") == "D-AB 123"
    assert refused(make_form, definition, "xD-AB 123", "en") == ["plate: Write it like D-AB 123."]


def test_blank_text_is_not_answered(make_form):
    definition = field("x", de="Name", en="Name", required=True)

    assert refused(make_form, definition, "   ", "en") == ["Name: enter an answer."]


FILE = field("proof", "file", "Nachweis", "Proof", accept=("application/pdf",), max_size=1000)


def upload(**changes: Any) -> dict[str, Any]:
    return {
        "id": "u1",
        "name": "nachweis.pdf",
        "content_type": "application/pdf",
        "size": 10,
        **changes,
    }


def test_file_answer_is_its_upload_metadata(make_form):
    assert stored(make_form, FILE, upload(extra="dropped")) == upload()


def test_file_of_another_type_is_refused(make_form):
    assert refused(make_form, FILE, upload(content_type="text/plain"), "en") == [
        "Proof: upload a file of type PDF."
    ]


def test_file_too_large_is_refused(make_form):
    assert refused(make_form, FILE, upload(size=5000)) == [
        "„Nachweis“: Bitte laden Sie eine Datei mit höchstens 1\xa0KB hoch."
    ]


def test_file_answer_without_id_is_refused(make_form):
    assert refused(make_form, FILE, {"name": "x.pdf"})


def test_file_must_exist_in_storage_when_a_lookup_is_given(make_form):
    form = make_form(FILE)
    stored_files = {"u1": {"name": "scan.pdf", "content_type": "application/pdf", "size": 900}}

    result = validate(form, {"proof": upload()}, files=stored_files.get)
    with pytest.raises(ValidationFailed) as caught:
        validate(form, {"proof": upload(id="u2")}, "en", files=stored_files.get)

    assert result.data["proof"] == upload(name="scan.pdf", size=900)
    assert caught.value.errors == {
        "proof": ["Proof: the upload was not found, upload the file again."]
    }


def test_stored_metadata_wins_over_what_the_client_claims(make_form):
    stored_files = {"u1": {"name": "a.txt", "content_type": "text/plain", "size": 10}}

    with pytest.raises(ValidationFailed):
        validate(make_form(FILE), {"proof": upload()}, files=stored_files.get)


def test_phone_numbers_are_checked_with_the_patterns_compiled_once(make_form, monkeypatch):
    import phonenumbers.re_util

    definition = field("x", "phone")
    assert stored(make_form, definition, "0211 123456") == "+49211123456"
    assert refused(make_form, definition, "0211")

    def compile_again(*_args: Any) -> Any:
        raise AssertionError("a metadata pattern compiled again")

    # phonenumbers' own pattern cache (enabled by service.forms.identifiers): the second
    # number is decided by the patterns the first compiled.
    monkeypatch.setattr(phonenumbers.re_util.re, "compile", compile_again)
    assert stored(make_form, definition, "0211 654321") == "+49211654321"
    assert refused(make_form, definition, "0211")
