"""Validation cost of one residence registration: amtsweg's compiled form against a
hand-written marshmallow schema of the same fields, conditions and rules."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import phonenumbers
import pycountry
from marshmallow import (
    EXCLUDE,
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates_schema,
)

from bench.common import Figure, micro, per_call, print_table
from bench.samples import residence_registration

ROOT = Path(__file__).resolve().parent.parent
COUNTRIES = frozenset(c.alpha_2 for c in pycountry.countries)
ID_KINDS = ("id_card", "passport", "child_passport", "passport_substitute")


def _required(data: dict[str, Any], keys: tuple[str, ...], errors: dict[str, list[str]]) -> None:
    for key in keys:
        if data.get(key) in (None, "", []):
            errors.setdefault(key, []).append("Missing data for required field.")


def _not_future(value: date) -> None:
    if value > date.today():
        raise ValidationError("Must not be in the future.")


class PersonSchema(Schema):
    """One person moving in."""

    class Meta:
        unknown = EXCLUDE

    family_name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    previous_names = fields.String(validate=validate.Length(max=200))
    first_names = fields.String(required=True, validate=validate.Length(min=1, max=120))
    everyday_name = fields.String(required=True, validate=validate.Length(min=1, max=60))
    doctorate = fields.String(validate=validate.Length(max=60))
    religious_or_artist_name = fields.String(validate=validate.Length(max=120))
    birth_date = fields.Date(required=True, validate=_not_future)
    birth_place = fields.String(required=True, validate=validate.Length(max=120))
    birth_country = fields.String(required=True, validate=validate.OneOf(COUNTRIES))
    sex = fields.String(
        required=True, validate=validate.OneOf(("female", "male", "diverse", "unspecified"))
    )
    citizenship = fields.String(required=True, validate=validate.OneOf(COUNTRIES))
    further_citizenship = fields.String(validate=validate.OneOf(COUNTRIES))
    religious_community = fields.String(
        required=True, validate=validate.OneOf(("none", "rk", "ev", "ak", "jd", "other"))
    )
    marital_status = fields.String(
        required=True,
        validate=validate.OneOf((
            "single", "married", "civil_partnership", "divorced", "widowed", "marriage_annulled",
            "civil_partnership_dissolved", "civil_partner_deceased",
        )),
    )  # fmt: skip
    marriage_date = fields.Date()
    marriage_place = fields.String(validate=validate.Length(max=120))
    legal_representative_name = fields.String(validate=validate.Length(max=200))
    legal_representative_address = fields.String(validate=validate.Length(max=500))
    legal_representative_birth_date = fields.Date()
    id_document_kind = fields.String(required=True, validate=validate.OneOf((*ID_KINDS, "none")))
    id_document_number = fields.String(validate=validate.Length(max=30))
    id_document_issuing_authority = fields.String(validate=validate.Length(max=120))
    id_document_issue_date = fields.Date()
    id_document_expiry_date = fields.Date()

    @validates_schema
    def conditions(self, data: dict[str, Any], **_kw: Any) -> None:
        errors: dict[str, list[str]] = {}
        if data.get("marital_status") in ("married", "civil_partnership"):
            _required(data, ("marriage_date", "marriage_place"), errors)
        if data.get("id_document_kind") in ID_KINDS:
            _required(
                data,
                (
                    "id_document_number",
                    "id_document_issuing_authority",
                    "id_document_issue_date",
                    "id_document_expiry_date",
                ),
                errors,
            )
        first = f" {data.get('first_names', '')} "
        if f" {data.get('everyday_name', '')} " not in first:
            errors.setdefault("everyday_name", []).append("Must be one of the first names.")
        if errors:
            raise ValidationError(errors)

    @post_load
    def drop_hidden(self, data: dict[str, Any], **_kw: Any) -> dict[str, Any]:
        if data.get("marital_status") not in ("married", "civil_partnership"):
            data.pop("marriage_date", None)
            data.pop("marriage_place", None)
        birth = data["birth_date"]
        today = date.today()
        age = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
        if age >= 18:
            for key in (
                "legal_representative_name",
                "legal_representative_address",
                "legal_representative_birth_date",
            ):
                data.pop(key, None)
        return data


POSTAL = validate.Regexp(r"^\d{5}$")


def _phone(value: str) -> None:
    try:
        number = phonenumbers.parse(value, "DE")
    except phonenumbers.NumberParseException:
        raise ValidationError("Not a phone number.") from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError("Not a phone number.")


class RegistrationSchema(Schema):
    """The residence registration, written by hand."""

    class Meta:
        unknown = EXCLUDE

    persons = fields.List(
        fields.Nested(PersonSchema), required=True, validate=validate.Length(min=1, max=10)
    )
    street = fields.String(required=True, validate=validate.Length(min=1, max=120))
    house_number = fields.String(required=True, validate=validate.Length(min=1, max=12))
    address_supplement = fields.String(validate=validate.Length(max=120))
    postal_code = fields.String(required=True, validate=POSTAL)
    town = fields.String(required=True, validate=validate.Length(min=1, max=120))
    move_in_date = fields.Date(required=True, validate=_not_future)
    residence_kind = fields.String(
        required=True, validate=validate.OneOf(("sole", "main", "secondary"))
    )
    main_street = fields.String(validate=validate.Length(max=120))
    main_house_number = fields.String(validate=validate.Length(max=12))
    main_postal_code = fields.String(validate=POSTAL)
    main_town = fields.String(validate=validate.Length(max=120))
    arriving_from_abroad = fields.Boolean(required=True)
    previous_street = fields.String(validate=validate.Length(max=120))
    previous_house_number = fields.String(validate=validate.Length(max=12))
    previous_postal_code = fields.String(validate=POSTAL)
    previous_town = fields.String(validate=validate.Length(max=120))
    previous_country = fields.String(validate=validate.OneOf(COUNTRIES))
    last_german_address = fields.String(validate=validate.Length(max=500))
    landlord_confirmation_kind = fields.String(
        required=True,
        validate=validate.OneOf(("owner", "electronic", "upload", "landlord_details")),
    )
    landlord_confirmation_code = fields.String(validate=validate.Length(max=64))
    landlord_confirmation_file = fields.Dict()
    landlord_name = fields.String(validate=validate.Length(max=200))
    landlord_street = fields.String(validate=validate.Length(max=120))
    landlord_house_number = fields.String(validate=validate.Length(max=12))
    landlord_postal_code = fields.String(validate=POSTAL)
    landlord_town = fields.String(validate=validate.Length(max=120))
    owner_name = fields.String(validate=validate.Length(max=200))
    landlord_confirmation_missing_reason = fields.String(validate=validate.Length(max=1000))
    transfer_objections = fields.List(fields.String(validate=validate.OneOf((
        "elections", "anniversaries", "address_books", "armed_forces", "religious_communities",
    ))))  # fmt: skip
    email = fields.Email()
    phone = fields.String(validate=_phone)

    @validates_schema
    def conditions(self, data: dict[str, Any], **_kw: Any) -> None:
        errors: dict[str, list[str]] = {}
        if data.get("residence_kind") == "secondary":
            _required(
                data, ("main_street", "main_house_number", "main_postal_code", "main_town"), errors
            )
        if data.get("arriving_from_abroad") is False:
            _required(
                data,
                (
                    "previous_street",
                    "previous_house_number",
                    "previous_postal_code",
                    "previous_town",
                ),
                errors,
            )
        elif data.get("arriving_from_abroad") is True:
            _required(data, ("previous_country",), errors)
        kind = data.get("landlord_confirmation_kind")
        if kind == "electronic":
            _required(data, ("landlord_confirmation_code",), errors)
        elif kind == "upload":
            _required(data, ("landlord_confirmation_file",), errors)
        elif kind == "landlord_details":
            _required(
                data,
                (
                    "landlord_name",
                    "landlord_street",
                    "landlord_house_number",
                    "landlord_postal_code",
                    "landlord_town",
                ),
                errors,
            )
        if not "40210" <= data.get("postal_code", "") <= "40629":
            errors.setdefault("postal_code", []).append("Not in Düsseldorf.")
        if errors:
            raise ValidationError(errors)

    @post_load
    def flags(self, data: dict[str, Any], **_kw: Any) -> dict[str, Any]:
        today = date.today()
        flags = []
        if data["move_in_date"] < today - timedelta(days=14):
            flags.append("late_registration")
        if any(
            p.get("id_document_expiry_date") and p["id_document_expiry_date"] < today
            for p in data["persons"]
        ):
            flags.append("id_document_expired")
        data["_flags"] = flags
        return data


def measure() -> list[Figure]:
    """Return the validation cost of both."""
    from service.definitions.services import load_definitions
    from service.forms.services import validate as amtsweg_validate

    registry, problems = load_definitions(str(ROOT))
    assert not problems, problems
    form = registry.form("residence_registration")
    answers = residence_registration()
    schema = RegistrationSchema()
    assert not amtsweg_validate(form, answers, "de").flags
    assert schema.load(answers)["_flags"] == []
    ours = per_call(lambda: amtsweg_validate(form, answers, "de"))
    hand = per_call(lambda: schema.load(answers))
    ratio = ours / hand
    return [
        Figure(
            "validation: one residence registration",
            micro(ours),
            f"hand-written marshmallow {micro(hand)} ({ratio:.2f}x)",
            "<= 1.5x",
            ratio <= 1.5,
        )
    ]


def profile() -> str:
    """Return a pyinstrument profile of 500 amtsweg validations (where the time goes)."""
    from pyinstrument import Profiler

    from service.definitions.services import load_definitions
    from service.forms.services import validate as amtsweg_validate

    registry, _problems = load_definitions(str(ROOT))
    form = registry.form("residence_registration")
    answers = residence_registration()
    amtsweg_validate(form, answers, "de")
    profiler = Profiler(interval=0.0005)
    with profiler:
        for _ in range(500):
            amtsweg_validate(form, answers, "de")
    return str(profiler.output_text(unicode=False, color=False, show_all=False))


def main() -> list[Figure]:
    """Measure and print the validation figures."""
    figures = measure()
    print_table("Form validation", figures)
    return figures


if __name__ == "__main__":
    import sys

    main()
    if "--profile" in sys.argv:
        print(profile())
