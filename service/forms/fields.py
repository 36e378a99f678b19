"""One marshmallow field per field type: raw answer in, stored value out.

Each field speaks one language; its messages say what is wrong without the label, which
the validator adds together with the group item ("Geburtsdatum (Person 2)").
Empty input (None, blank text, an empty list) is "not answered" and loads as None.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, NoReturn

from marshmallow import ValidationError
from marshmallow import fields as ma_fields
from marshmallow.validate import Email

from service.definitions.types import FieldDefinition
from service.engine.types import Text
from service.forms.display import format_day, format_money, format_number
from service.forms.examples import example_day
from service.forms.files import FileAnswer
from service.forms.parsing import number_value, parse_date, parse_decimal, parse_yesno
from service.forms.uploads import file_problems
from service.i18n import gettext_for
from service.rules.dates import local_today
from service.rules.services import date_bound

_CENT = Decimal("0.01")

#: Date bounds as date fields resolve them for every answer; the result depends on nothing
#: but the text and today's date (a refused text is not cached and raises again).


def is_empty(value: Any) -> bool:
    """Say whether `value` means "not answered"."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, (list, tuple, dict)) and not value


class AnswerField(ma_fields.Field):
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
        """Raise a ValidationError with the translated `message` filled in with `params`."""
        raise ValidationError(message.format(**params))

    def refuse_with(self, own: Text | None, generic: str, name: str, value: str) -> NoReturn:
        """Refuse with the definition's own message if it has one, else with `generic`.

        A definition's message may name the limit as `{date}`, `{min}` or `{max}`; any
        other brace is shown as written.
        """
        if own is None:
            self.refuse(generic, **{name: value})
        raise ValidationError(own.get(self.lang).replace("{" + name + "}", value))

    def text(self, value: Any, message: str | None = None) -> str:
        """Return `value` stripped, refusing anything but a string."""
        if not isinstance(value, str):
            self.refuse(message or self._("enter text."))
        return value.strip()


class TextField(AnswerField):
    def __init__(self, definition: FieldDefinition, lang: str) -> None:
        super().__init__(definition, lang)
        self.pattern = re.compile(definition.pattern) if definition.pattern else None

    def clean(self, value: Any) -> str:
        if not isinstance(value, str):
            self.refuse(self._("enter text."))
        text = value.strip()
        d = self.definition
        if d.min_length is not None and len(text) < d.min_length:
            self.refuse(
                self.ngettext(
                    "enter at least {n} character.", "enter at least {n} characters.", d.min_length
                ),
                n=d.min_length,
            )
        if d.max_length is not None and len(text) > d.max_length:
            self.refuse(
                self.ngettext(
                    "enter at most {n} character.", "enter at most {n} characters.", d.max_length
                ),
                n=d.max_length,
            )
        if self.pattern is not None and not self.pattern.fullmatch(text):
            if d.pattern_message is not None:
                raise ValidationError(d.pattern_message.get(self.lang))
            self.refuse(self._("enter the answer in the format asked for."))
        return text


class EmailField(AnswerField):
    validator = Email()

    def clean(self, value: Any) -> str:
        if isinstance(value, str):
            text = value.strip()
            try:
                self.validator(text)
            except ValidationError:
                pass
            else:
                return text
        # The message looked up only to refuse (as `text` would refuse anything but a string).
        self.refuse(self._("enter a valid email address, for example name@example.org."))


class DateField(AnswerField):
    def clean(self, value: Any) -> str:
        try:
            day = parse_date(value)
        except ValueError:
            example = example_day(self.definition).strftime("%d.%m.%Y")
            self.refuse(self._("enter a valid date, for example {date}."), date=example)
        d = self.definition
        today = local_today()
        if d.minimum is not None and day < (low := date_bound(str(d.minimum), today)):
            generic = self._("enter a date on or after {date}.")
            self.refuse_with(d.min_message, generic, "date", format_day(low, self.lang))
        if d.maximum is not None and day > (high := date_bound(str(d.maximum), today)):
            generic = self._("enter a date on or before {date}.")
            self.refuse_with(d.max_message, generic, "date", format_day(high, self.lang))
        return day.isoformat()


class BoundedField(AnswerField):
    """A number or an amount with an optional minimum and maximum."""

    def check_bounds(self, number: Decimal, fmt: Callable[[Decimal, str], str]) -> None:
        """Refuse `number` outside the field's minimum and maximum."""
        d, lang = self.definition, self.lang
        if d.minimum is not None and number < (low := Decimal(str(d.minimum))):
            generic = self._("enter a value of at least {min}.")
            self.refuse_with(d.min_message, generic, "min", fmt(low, lang))
        if d.maximum is not None and number > (high := Decimal(str(d.maximum))):
            generic = self._("enter a value of at most {max}.")
            self.refuse_with(d.max_message, generic, "max", fmt(high, lang))


class NumberField(BoundedField):
    def clean(self, value: Any) -> int | float:
        try:
            number = parse_decimal(value)
        except ValueError:
            self.refuse(self._("enter a number, for example 12 or 3.5."))
        self.check_bounds(number, format_number)
        return number_value(number)


class MoneyField(BoundedField):
    def clean(self, value: Any) -> str:
        try:
            amount = parse_decimal(value, money=True)
        except ValueError:
            self.refuse(self._("enter an amount in euros, for example 30.00."))
        if amount != amount.quantize(_CENT):
            self.refuse(self._("enter an amount with at most two decimal places."))
        self.check_bounds(amount, format_money)
        return str(amount.quantize(_CENT))


class ChoiceField(AnswerField):
    """Select and radio: one of the options."""

    def __init__(self, definition: FieldDefinition, lang: str) -> None:
        super().__init__(definition, lang)
        self.values = frozenset(o.value for o in definition.options)

    def clean(self, value: Any) -> str:
        choice = value.strip() if isinstance(value, str) else None
        if choice is None or choice not in self.values:
            self.refuse(self._("select one of the options offered."))
        return choice


class CheckboxesField(AnswerField):
    def __init__(self, definition: FieldDefinition, lang: str) -> None:
        super().__init__(definition, lang)
        self.values = frozenset(o.value for o in definition.options)

    def clean(self, value: Any) -> list[str] | None:
        message = self._("select only options offered.")
        raw = [value] if isinstance(value, str) else value
        if not isinstance(raw, (list, tuple)) or not all(isinstance(v, str) for v in raw):
            self.refuse(message)
        chosen = list(dict.fromkeys(v.strip() for v in raw if v.strip()))
        if not chosen:
            return None
        if not self.values.issuperset(chosen):
            self.refuse(message)
        d = self.definition
        if d.min_items is not None and len(chosen) < d.min_items:
            self.refuse(
                self.ngettext(
                    "select at least {n} option.", "select at least {n} options.", d.min_items
                ),
                n=d.min_items,
            )
        if d.max_items is not None and len(chosen) > d.max_items:
            self.refuse(
                self.ngettext(
                    "select at most {n} option.", "select at most {n} options.", d.max_items
                ),
                n=d.max_items,
            )
        return chosen


class YesNoField(AnswerField):
    def clean(self, value: Any) -> bool:
        try:
            return parse_yesno(value)
        except ValueError:
            self.refuse(self._("select yes or no."))


class FileField(AnswerField):
    def clean(self, value: Any) -> dict[str, Any]:
        upload = FileAnswer.complete(self.definition.key, value)
        if upload is None:
            self.refuse(self._("the upload is not valid, upload the file again."))
        problems = file_problems(self.definition, upload.content_type, upload.size, self.lang)
        if problems:
            raise ValidationError(problems)
        return upload.as_value()


class GroupField(AnswerField):
    """A list of items; the validator loads each item with the group's item schema."""

    def clean(self, value: Any) -> list[Mapping[str, Any]]:
        if not isinstance(value, (list, tuple)) or not all(
            type(i) is dict or isinstance(i, Mapping) for i in value
        ):
            self.refuse(self._("the entries are not valid."))
        return list(value)
