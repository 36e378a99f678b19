"""Fields for numbers and codes with their own rules: phone, postcode, IBAN, tax ID, plate,
country."""

from __future__ import annotations

import re
from typing import Any

import phonenumbers
import pycountry
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException
from stdnum.de import idnr
from stdnum.exceptions import ValidationError as StdnumError

from service.definitions.types import FieldDefinition
from service.forms.constants import PHONE_REGION
from service.forms.fields import AnswerField
from service.forms.plates import normalise_plate

_POSTAL_CODE = re.compile(r"\d{5}")

# phonenumbers compiles its metadata's patterns through `re.compile` on every use (nine
# per number checked: the re module's cache, reached through its Python layer); with its
# own cache on, each pattern string maps to its compiled pattern in one dict look-up. The
# patterns come from the fixed metadata, so the cache is bounded. Process-wide, and the
# same patterns decide: only where they are looked up changes.
phonenumbers.enable_pattern_cache()


class PhoneField(AnswerField):
    def clean(self, value: Any) -> str:
        number = _phone_number(value)
        if number is None or not phonenumbers.is_valid_number(number):
            self.refuse(self._("enter a valid phone number, for example 0211 123456."))
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _phone_number(value: Any) -> phonenumbers.PhoneNumber | None:
    """Return the phone number a text gives (German unless it has a country code)."""
    if not isinstance(value, str):
        return None
    try:
        return phonenumbers.parse(value.strip(), PHONE_REGION)
    except phonenumbers.NumberParseException:
        return None


class PostalCodeField(AnswerField):
    def clean(self, value: Any) -> str:
        text = str(value) if isinstance(value, int) else value
        code = text.strip() if isinstance(text, str) else None
        if code is None or not _POSTAL_CODE.fullmatch(code) or not 1001 <= int(code) <= 99998:
            self.refuse(self._("enter a valid postcode of 5 digits."))
        return code


class IbanField(AnswerField):
    def clean(self, value: Any) -> str:
        message = self._("enter a valid IBAN, for example DE89 3704 0044 0532 0130 00.")
        try:
            return str(IBAN(self.text(value, message)).compact)
        except SchwiftyException:
            self.refuse(message)


class TaxIdField(AnswerField):
    def clean(self, value: Any) -> str:
        message = self._("enter a valid tax identification number of 11 digits.")
        try:
            return str(idnr.validate(self.text(value, message)))
        except StdnumError:
            self.refuse(message)


class LicencePlateField(AnswerField):
    def clean(self, value: Any) -> str:
        message = self._("enter the licence plate like D-AB 1234.")
        plate = normalise_plate(self.text(value, message))
        if plate is None:
            self.refuse(message)
        return plate


class CountryField(AnswerField):
    def __init__(self, definition: FieldDefinition, lang: str) -> None:
        super().__init__(definition, lang)
        self.allowed = frozenset(o.value for o in definition.options)

    def clean(self, value: Any) -> str:
        code = value.strip().upper() if isinstance(value, str) else None
        if (
            code is None
            or pycountry.countries.get(alpha_2=code) is None
            or (self.allowed and code not in self.allowed)
        ):
            self.refuse(self._("select a country from the list."))
        return code
