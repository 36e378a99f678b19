"""Read typed answers from what people type: German and ISO dates, German numbers."""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_GERMAN_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_GERMAN_NUMBER = re.compile(r"-?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?")
_PLAIN_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_THOUSANDS = re.compile(r"-?\d{1,3}(?:\.\d{3})+")
_SPACES = re.compile(r"[\s\u00a0\u202f]+")

TRUE_WORDS = frozenset({"true", "yes", "ja", "1"})
FALSE_WORDS = frozenset({"false", "no", "nein", "0"})


def parse_date(value: object) -> date:
    """Return the date of "YYYY-MM-DD" or "TT.MM.JJJJ"; raise ValueError otherwise."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise ValueError("not a date")
    text = value.strip()
    if match := ISO_DATE.fullmatch(text):
        if text.isascii():  # `\d` also matches other digits, which fromisoformat refuses
            try:
                return date.fromisoformat(text)  # the same date as below, a third cheaper
            except ValueError:
                pass  # out of range: refused below with the same error as before
        year, month, day = match.groups()
    elif match := _GERMAN_DATE.fullmatch(text):
        day, month, year = match.groups()
    else:
        raise ValueError("not a date")
    return date(int(year), int(month), int(day))


def parse_decimal(value: object, *, money: bool = False) -> Decimal:
    """Return the number of "1.234,56" (German) or "1234.56"; raise ValueError otherwise.

    Without a comma, several dot groups ("1.234.567") are thousands. For money, which never
    has three decimals, a single group ("1.500") is read as thousands as well.
    """
    if isinstance(value, bool):
        raise ValueError("not a number")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("not a number")
        return Decimal(repr(value))
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError("not a number")
        return value
    if not isinstance(value, str):
        raise ValueError("not a number")
    text = value.strip()
    if money:
        text = text.removesuffix("€").removeprefix("€").removesuffix("EUR").strip()
    text = _SPACES.sub("", text)
    if "," in text:
        if not _GERMAN_NUMBER.fullmatch(text):
            raise ValueError("not a number")
        text = text.replace(".", "").replace(",", ".")
    elif _THOUSANDS.fullmatch(text) and (money or text.count(".") > 1):
        text = text.replace(".", "")
    elif not _PLAIN_NUMBER.fullmatch(text):
        raise ValueError("not a number")
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the patterns above admit only numbers
        raise ValueError("not a number") from None


def parse_yesno(value: object) -> bool:
    """Return the answer of a yes/no question; raise ValueError for anything else."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    raise ValueError("not yes or no")


def number_value(number: Decimal) -> int | float:
    """Return `number` as JSON number: an int when it is whole."""
    if number == number.to_integral_value():
        return int(number)
    return float(number)
