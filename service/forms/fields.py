"""One marshmallow field per field type: raw answer in, stored value out.

Each field speaks one language; its messages say what is wrong without the label, which
the validator adds together with the group item ("Geburtsdatum (Person 2)").
Empty input (None, blank text, an empty list) is "not answered" and loads as None.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, NoReturn

import phonenumbers
import pycountry
from marshmallow import ValidationError
from marshmallow import fields as ma_fields
from marshmallow.validate import Email
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException
from stdnum.de import idnr
from stdnum.exceptions import ValidationError as StdnumError

from service.definitions.types import FieldDefinition
from service.forms.constants import PHONE_REGION, FieldType
from service.forms.display import format_day, format_money, format_number
from service.forms.parsing import number_value, parse_date, parse_decimal, parse_yesno
from service.forms.uploads import file_problems
from service.i18n import gettext_for
from service.rules.dates import local_today, resolve_date_bound

_CENT = Decimal("0.01")
_POSTAL_CODE = re.compile(r"\d{5}")


def is_empty(value: Any) -> bool:
    """Say whether `value` means "not answered"."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, (list, tuple, dict)) and not value


class AnswerField(ma_fields.Field[Any]):
    """Load one answer of `definition`, with messages in `lang`."""

    def __init__(self, definition: FieldDefinition, lang: str) -> None:
        super().__init__(data_key=definition.key, attribute=definition.key, allow_none=True)
        self.definition = definition
        self.lang = lang
        translations = gettext_for(lang)
        self._ = translations.gettext
        self.ngettext = translations.ngettext

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> Any:
        return None if is_empty(value) else self.clean(value)

    def clean(self, value: Any) -> Any:
        """Return the stored value of a non-empty answer or call `refuse`."""
        raise NotImplementedError

    def refuse(self, message: str, **params: Any) -> NoReturn:
        """Raise a ValidationError with `message` translated and filled in."""
        raise ValidationError(self._(message).format(**params))

    def refuse_n(self, singular: str, plural: str, n: int) -> NoReturn:
        """Raise a ValidationError with a message that counts `n`."""
        raise ValidationError(self.ngettext(singular, plural, n).format(n=n))

    def text(self, value: Any, message: str = "enter text.") -> str:
        """Return `value` stripped, refusing anything but a string."""
        if not isinstance(value, str):
            self.refuse(message)
        return value.strip()


class TextField(AnswerField):
    def __init__(self, definition: FieldDefinition, lang: str) -> None:
        super().__init__(definition, lang)
        self.pattern = re.compile(definition.pattern) if definition.pattern else None

    def clean(self, value: Any) -> str:
        text = self.text(value)
        d = self.definition
        if d.min_length is not None and len(text) < d.min_length:
            self.refuse_n(
                "enter at least {n} character.", "enter at least {n} characters.", d.min_length
            )
        if d.max_length is not None and len(text) > d.max_length:
            self.refuse_n(
                "enter at most {n} character.", "enter at most {n} characters.", d.max_length
            )
        if self.pattern is not None and not self.pattern.fullmatch(text):
            if d.pattern_message is not None:
                raise ValidationError(d.pattern_message.get(self.lang))
            self.refuse("enter the answer in the format asked for.")
        return text


class EmailField(AnswerField):
    validator = Email()

    def clean(self, value: Any) -> str:
        message = "enter a valid email address, for example name@example.org."
        text = self.text(value, message)
        try:
            self.validator(text)
        except ValidationError:
            self.refuse(message)
        return text


class PhoneField(AnswerField):
    def clean(self, value: Any) -> str:
        message = "enter a valid phone number, for example 0211 123456."
        try:
            number = phonenumbers.parse(self.text(value, message), PHONE_REGION)
        except phonenumbers.NumberParseException:
            self.refuse(message)
        if not phonenumbers.is_valid_number(number):
            self.refuse(message)
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class DateField(AnswerField):
    def clean(self, value: Any) -> str:
        try:
            day = parse_date(value)
        except ValueError:
            self.refuse("enter a valid date (DD.MM.YYYY).")
        d = self.definition
        today = local_today()
        if d.minimum is not None and day < (low := resolve_date_bound(str(d.minimum), today)):
            self.refuse("enter a date on or after {date}.", date=format_day(low, self.lang))
        if d.maximum is not None and day > (high := resolve_date_bound(str(d.maximum), today)):
            self.refuse("enter a date on or before {date}.", date=format_day(high, self.lang))
        return day.isoformat()


class NumberField(AnswerField):
    def clean(self, value: Any) -> int | float:
        try:
            number = parse_decimal(value)
        except ValueError:
            self.refuse("enter a number, for example 12 or 3.5.")
        self.check_bounds(number, format_number)
        return number_value(number)

    def check_bounds(self, number: Decimal, fmt: Any) -> None:
        """Refuse `number` outside the field's minimum and maximum."""
        d, lang = self.definition, self.lang
        if d.minimum is not None and number < (low := Decimal(str(d.minimum))):
            self.refuse("enter a value of at least {min}.", min=fmt(low, lang))
        if d.maximum is not None and number > (high := Decimal(str(d.maximum))):
            self.refuse("enter a value of at most {max}.", max=fmt(high, lang))


class MoneyField(NumberField):
    def clean(self, value: Any) -> str:  # type: ignore[override]
        try:
            amount = parse_decimal(value, money=True)
        except ValueError:
            self.refuse("enter an amount in euros, for example 30.00.")
        if amount != amount.quantize(_CENT):
            self.refuse("enter an amount with at most two decimal places.")
        self.check_bounds(amount, format_money)
        return str(amount.quantize(_CENT))


class ChoiceField(AnswerField):
    """Select and radio: one of the options."""

    def clean(self, value: Any) -> str:
        message = "select one of the options offered."
        choice = self.text(value, message)
        if choice not in {o.value for o in self.definition.options}:
            self.refuse(message)
        return choice


class CheckboxesField(AnswerField):
    def clean(self, value: Any) -> list[str] | None:
        message = "select only options offered."
        raw = [value] if isinstance(value, str) else value
        if not isinstance(raw, (list, tuple)) or not all(isinstance(v, str) for v in raw):
            self.refuse(message)
        chosen = list(dict.fromkeys(v.strip() for v in raw if v.strip()))
        if not chosen:
            return None
        if not set(chosen) <= {o.value for o in self.definition.options}:
            self.refuse(message)
        d = self.definition
        if d.min_items is not None and len(chosen) < d.min_items:
            self.refuse_n(
                "select at least {n} option.", "select at least {n} options.", d.min_items
            )
        if d.max_items is not None and len(chosen) > d.max_items:
            self.refuse_n("select at most {n} option.", "select at most {n} options.", d.max_items)
        return chosen


class YesNoField(AnswerField):
    def clean(self, value: Any) -> bool:
        try:
            return parse_yesno(value)
        except ValueError:
            self.refuse("select yes or no.")


class PostalCodeField(AnswerField):
    def clean(self, value: Any) -> str:
        message = "enter a valid postcode of 5 digits."
        code = self.text(str(value) if isinstance(value, int) else value, message)
        if not _POSTAL_CODE.fullmatch(code) or not 1001 <= int(code) <= 99998:
            self.refuse(message)
        return code


class IbanField(AnswerField):
    def clean(self, value: Any) -> str:
        message = "enter a valid IBAN, for example DE89 3704 0044 0532 0130 00."
        try:
            return str(IBAN(self.text(value, message)).compact)
        except SchwiftyException:
            self.refuse(message)


class TaxIdField(AnswerField):
    def clean(self, value: Any) -> str:
        message = "enter a valid tax identification number of 11 digits."
        try:
            return str(idnr.validate(self.text(value, message)))
        except StdnumError:
            self.refuse(message)


class CountryField(AnswerField):
    def clean(self, value: Any) -> str:
        message = "select a country from the list."
        code = self.text(value, message).upper()
        allowed = {o.value for o in self.definition.options}
        if pycountry.countries.get(alpha_2=code) is None or (allowed and code not in allowed):
            self.refuse(message)
        return code


class FileField(AnswerField):
    def clean(self, value: Any) -> dict[str, Any]:
        message = "the upload is not valid, upload the file again."
        if not isinstance(value, Mapping):
            self.refuse(message)
        upload_id, name = value.get("id"), value.get("name")
        content_type, size = value.get("content_type"), value.get("size")
        if not (isinstance(upload_id, str) and upload_id and isinstance(name, str)):
            self.refuse(message)
        if not isinstance(content_type, str) or isinstance(size, bool):
            self.refuse(message)
        if not isinstance(size, int) or size < 0:
            self.refuse(message)
        upload = {"id": upload_id, "name": name, "content_type": content_type, "size": size}
        problems = file_problems(self.definition, content_type, size, self.lang)
        if problems:
            raise ValidationError(problems)
        return upload


class GroupField(AnswerField):
    """A list of items; the validator loads each item with the group's item schema."""

    def clean(self, value: Any) -> list[Mapping[str, Any]]:
        if not isinstance(value, (list, tuple)) or not all(isinstance(i, Mapping) for i in value):
            self.refuse("the entries are not valid.")
        return list(value)


FIELD_CLASSES: dict[str, type[AnswerField]] = {
    FieldType.TEXT: TextField,
    FieldType.TEXTAREA: TextField,
    FieldType.EMAIL: EmailField,
    FieldType.PHONE: PhoneField,
    FieldType.DATE: DateField,
    FieldType.NUMBER: NumberField,
    FieldType.MONEY: MoneyField,
    FieldType.SELECT: ChoiceField,
    FieldType.RADIO: ChoiceField,
    FieldType.CHECKBOXES: CheckboxesField,
    FieldType.YESNO: YesNoField,
    FieldType.POSTAL_CODE_DE: PostalCodeField,
    FieldType.IBAN: IbanField,
    FieldType.TAX_ID_DE: TaxIdField,
    FieldType.COUNTRY: CountryField,
    FieldType.FILE: FileField,
    FieldType.GROUP: GroupField,
}


def make_field(definition: FieldDefinition, lang: str) -> AnswerField:
    """Return the marshmallow field for `definition` speaking `lang`."""
    try:
        field_class = FIELD_CLASSES[definition.type]
    except KeyError:
        raise ValueError(f"unknown field type {definition.type!r} of {definition.key!r}") from None
    return field_class(definition, lang)
