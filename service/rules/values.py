"""Conversion between plain Python values and CEL values."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from celpy import celtypes

_CEL_SCALARS = (
    celtypes.BoolType,
    celtypes.IntType,
    celtypes.UintType,
    celtypes.DoubleType,
    celtypes.StringType,
    celtypes.BytesType,
    celtypes.TimestampType,
    celtypes.DurationType,
    celtypes.ListType,
    celtypes.MapType,
)


def date_to_timestamp(day: date) -> celtypes.TimestampType:
    """Return the CEL timestamp of midnight UTC on `day`."""
    return celtypes.TimestampType(datetime.combine(day, time(), tzinfo=UTC))


def to_cel(value: Any) -> Any:
    """Return `value` as a CEL value: dates become timestamps at midnight UTC, None is null."""
    if value is None or isinstance(value, _CEL_SCALARS):
        return value
    if isinstance(value, bool):
        return celtypes.BoolType(value)
    if isinstance(value, int):
        return celtypes.IntType(value)
    if isinstance(value, (float, Decimal)):
        return celtypes.DoubleType(float(value))
    if isinstance(value, str):
        return celtypes.StringType(value)
    if isinstance(value, bytes):
        return celtypes.BytesType(value)
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return celtypes.TimestampType(aware)
    if isinstance(value, date):
        return date_to_timestamp(value)
    if isinstance(value, timedelta):
        return celtypes.DurationType(value)
    if isinstance(value, Mapping):
        return celtypes.MapType({celtypes.StringType(str(k)): to_cel(v) for k, v in value.items()})
    if isinstance(value, (list, tuple, set, frozenset)):
        return celtypes.ListType([to_cel(item) for item in value])
    raise TypeError(f"no CEL value for {type(value).__name__}")


def from_cel(value: Any) -> Any:
    """Return a CEL value as a plain Python value (timestamps as aware datetimes)."""
    if value is None:
        return None
    if isinstance(value, celtypes.BoolType):
        return bool(value)
    if isinstance(value, (celtypes.IntType, celtypes.UintType)):
        return int(value)
    if isinstance(value, celtypes.DoubleType):
        return float(value)
    if isinstance(value, celtypes.StringType):
        return str(value)
    if isinstance(value, celtypes.BytesType):
        return bytes(value)
    if isinstance(value, celtypes.TimestampType):
        return datetime.fromtimestamp(value.timestamp(), tz=UTC)
    if isinstance(value, celtypes.DurationType):
        return timedelta(seconds=value.total_seconds())
    if isinstance(value, Mapping):
        return {from_cel(k): from_cel(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_cel(item) for item in value]
    return value


def to_native(value: Any) -> Any:
    """Return `value` as the plain Python value the native interpreter takes.

    cel-python values subclass Python types (its BoolType is an int), so they are
    unwrapped explicitly; dates become aware datetimes at midnight UTC.
    """
    kind = type(value)
    if value is None or kind in _PLAIN:
        return value
    if kind is datetime and value.tzinfo is UTC:
        return value
    exact = _EXACT.get(kind)
    if exact is not None:
        return exact(value)
    for kinds, convert in _CONVERTERS:
        if isinstance(value, kinds):
            return convert(value)
    raise TypeError(f"no CEL value for {type(value).__name__}")


def _native_list(value: Iterable[Any]) -> list[Any]:
    return [to_native(item) for item in value]


def _native_map(value: Mapping[Any, Any]) -> dict[str, Any]:
    return {str(k): to_native(v) for k, v in value.items()}


def _utc_datetime(value: datetime) -> datetime:
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromtimestamp(aware.timestamp(), tz=UTC)


def _midnight_utc(value: date) -> datetime:
    return datetime.combine(value, time(), tzinfo=UTC)


def _plain_timedelta(value: timedelta) -> timedelta:
    return timedelta(seconds=value.total_seconds())


#: Types `to_native` returns as they are.
_PLAIN = (str, int, float, bool)
#: The containers by exact type (the common case, no isinstance walk).
_EXACT: dict[type, Callable[[Any], Any]] = {list: _native_list, dict: _native_map}
#: Every other value by kind, tried in order: narrower kinds first (a CEL bool is an int,
#: a datetime is a date).
_CONVERTERS: tuple[tuple[type | tuple[type, ...], Callable[[Any], Any]], ...] = (
    ((celtypes.BoolType, bool), bool),
    (str, str),
    (int, int),
    ((float, Decimal), float),
    (datetime, _utc_datetime),
    (date, _midnight_utc),
    (timedelta, _plain_timedelta),
    (Mapping, _native_map),
    ((list, tuple, set, frozenset), _native_list),
    (bytes, bytes),
)
