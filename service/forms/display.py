"""Texts for people: labels, messages with labels, dates, amounts and countries."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers
import pycountry
from babel import Locale
from babel.dates import format_date, format_time
from babel.numbers import format_currency, format_decimal

from service.definitions.types import FieldDefinition
from service.forms.constants import MIME_NAMES, FieldType
from service.forms.files import FileAnswer
from service.forms.parsing import parse_date, parse_decimal
from service.forms.typed_fields import fields_of_type
from service.i18n import gettext_for

BERLIN = ZoneInfo("Europe/Berlin")


def locale_for(lang: str) -> str:
    """Return the Babel locale for `lang` (British English writes "26 November 2026")."""
    return "en_GB" if lang == "en" else "de_DE"


def labelled(lang: str, label: str, message: str) -> str:
    """Return `message` introduced by the field's `label`."""
    return gettext_for(lang).gettext("{label}: {message}").format(label=label, message=message)


def item_label(field: FieldDefinition, index: int, lang: str) -> str:
    """Return the label of item `index` (0-based) of a group, e.g. "Person 2"."""
    template = field.item_label.get(lang) if field.item_label else None
    template = template or gettext_for(lang).gettext("Entry {n}")
    return template.replace("{n}", str(index + 1))


def field_label(field: FieldDefinition, lang: str, item: str | None = None) -> str:
    """Return the label of a field, naming the group item it belongs to if any."""
    label = field.label.get(lang)
    return f"{label} ({item})" if item else label


def yes_no_labels(lang: str) -> dict[bool, str]:
    """Return the words for yes and no in `lang`."""
    translations = gettext_for(lang)
    return {
        True: translations.pgettext("forms", "Yes"),
        False: translations.pgettext("forms", "No"),
    }


def format_day(day: date, lang: str) -> str:
    """Return `day` as 26.11.2026 in German or 26 November 2026 in English."""
    pattern = "long" if lang == "en" else "dd.MM.yyyy"
    return format_date(day, pattern, locale=locale_for(lang))


def day_filter(value: date | datetime | None, lang: str = "de") -> str:
    """Template filter `|day(lang)`: 29.11.2026 in German, 29 November 2026 in English."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(BERLIN).date() if value.tzinfo else value.date()
    return format_day(value, lang)


def day_time_filter(value: datetime | None, lang: str = "de") -> str:
    """Template filter `|day_time(lang)`: "29.11.2026, 14:05 Uhr" or "29 November 2026, 14:05"."""
    if value is None or value == "":
        return ""
    local = value.astimezone(BERLIN) if value.tzinfo else value
    clock = format_time(local, "HH:mm", locale=locale_for(lang))
    return f"{day_filter(local, lang)}, {clock}" + ("" if lang == "en" else " Uhr")


def format_money(amount: Decimal, lang: str) -> str:
    """Return an amount in euros, e.g. "1.234,50 €"."""
    return format_currency(amount, "EUR", locale=locale_for(lang))


def format_number(number: Decimal | float | int, lang: str) -> str:
    """Return a number with the language's separators."""
    return format_decimal(number, locale=locale_for(lang))


def format_size(size: int, lang: str) -> str:
    """Return a file size such as "10 MB" or "500 KB"."""
    if size >= 1024 * 1024:
        return f"{format_number(round(size / (1024 * 1024), 1), lang)}\u00a0MB"
    return f"{format_number(max(1, round(size / 1024)), lang)}\u00a0KB"


def format_types(types: tuple[str, ...], lang: str) -> str:
    """Return readable MIME types: "PDF, JPEG or PNG"."""
    names = [MIME_NAMES.get(t, t) for t in types]
    if len(names) < 2:
        return "".join(names)
    word = gettext_for(lang).pgettext("forms", "or")
    return f"{', '.join(names[:-1])} {word} {names[-1]}"


@lru_cache(maxsize=4)
def country_names(lang: str) -> dict[str, str]:
    """Return ISO 3166-1 alpha-2 codes and country names in `lang`, sorted by name."""
    territories = Locale.parse(locale_for(lang)).territories
    names = {c.alpha_2: territories.get(c.alpha_2, c.name) for c in pycountry.countries}
    return dict(sorted(names.items(), key=lambda item: item[1].casefold()))


_Show = Callable[[FieldDefinition, Any, str], str]


def country_name(code: Any, lang: str) -> str:
    """Return the name of an ISO 3166-1 alpha-2 code in `lang` ("AT" -> "Österreich");
    anything that is not a known code as it is."""
    text = "" if code is None else str(code)
    return country_names(lang).get(text.upper(), text)


def country_answers(fields: Sequence[FieldDefinition], data: Mapping[str, Any]) -> dict[str, Any]:
    """Return every country answer in `data` as `{"code", "name": {de, en}}`, in the shape
    of the answers (a group as a list with one mapping per item)."""
    # Only the country questions and the groups holding one can name a country.
    return _country_answers(fields_of_type(tuple(fields), FieldType.COUNTRY), data)


def _country_answers(fields: Sequence[FieldDefinition], data: Mapping[str, Any]) -> dict[str, Any]:
    named: dict[str, Any] = {}
    for field in fields:
        value = data.get(field.key)
        if field.type == FieldType.COUNTRY and isinstance(value, str) and value:
            names = {lang: country_name(value, lang) for lang in ("de", "en")}
            named[field.key] = {"code": value, "name": names}
        elif field.type == FieldType.GROUP and isinstance(value, list):
            items = [
                _country_answers(field.fields, i if isinstance(i, dict) else {}) for i in value
            ]
            if any(items):
                named[field.key] = items
    return named


def display_value(field: FieldDefinition, value: Any, lang: str) -> str:
    """Return a stored answer as a person reads it (check-your-answers page)."""
    if value is None or value == "" or value == []:
        return gettext_for(lang).gettext("Not answered")
    show = _SHOW.get(field.type)
    return show(field, value, lang) if show is not None else str(value)


def _parsed(parse: Callable[[Any], Any], write: Callable[[Any, str], str]) -> _Show:
    """Return a display function that parses the stored value, or shows it as it is."""

    def show(_field: FieldDefinition, value: Any, lang: str) -> str:
        try:
            return write(parse(value), lang)
        except ValueError:
            return str(value)

    return show


def _labels(field: FieldDefinition, lang: str) -> dict[Any, str]:
    return {o.value: o.label.get(lang) for o in field.options}


def _show_yesno(_field: FieldDefinition, value: Any, lang: str) -> str:
    return yes_no_labels(lang)[value] if isinstance(value, bool) else str(value)


def _show_choice(field: FieldDefinition, value: Any, lang: str) -> str:
    return _labels(field, lang).get(value, str(value))


def _show_choices(field: FieldDefinition, value: Any, lang: str) -> str:
    labels = _labels(field, lang)
    values = value if isinstance(value, list) else [value]
    return ", ".join(labels.get(v, str(v)) for v in values)


def _show_country(field: FieldDefinition, value: Any, lang: str) -> str:
    return _labels(field, lang).get(value) or country_names(lang).get(value, str(value))


def _show_file(field: FieldDefinition, value: Any, _lang: str) -> str:
    upload = FileAnswer.from_value(field.key, value)
    return upload.name if upload is not None else str(value)


def _show_phone(_field: FieldDefinition, value: Any, _lang: str) -> str:
    return _format_phone(value) if isinstance(value, str) else str(value)


def _show_iban(_field: FieldDefinition, value: Any, _lang: str) -> str:
    if not isinstance(value, str):
        return str(value)
    return " ".join(value[i : i + 4] for i in range(0, len(value), 4))


#: How each field type's stored answer is written for people; any other type: str(value).
_SHOW: dict[str, _Show] = {
    FieldType.DATE: _parsed(parse_date, format_day),
    FieldType.MONEY: _parsed(lambda v: parse_decimal(v, money=True), format_money),
    FieldType.NUMBER: _parsed(parse_decimal, format_number),
    FieldType.YESNO: _show_yesno,
    FieldType.SELECT: _show_choice,
    FieldType.RADIO: _show_choice,
    FieldType.CHECKBOXES: _show_choices,
    FieldType.COUNTRY: _show_country,
    FieldType.FILE: _show_file,
    FieldType.PHONE: _show_phone,
    FieldType.IBAN: _show_iban,
}


def _format_phone(value: str) -> str:
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return value
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
