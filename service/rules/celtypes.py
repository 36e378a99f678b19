"""CEL types and the signatures of the functions expressions may call.

A `CelType` is what the checker (`typecheck.py`) infers for every part of an
expression; `FUNCTIONS` and `METHODS` say what each call takes and returns.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class CelType:
    """A CEL type: `kind` plus the item type of a list and the known fields of a map."""

    kind: str
    item: CelType | None = None
    fields: Mapping[str, CelType] | None = field(default=None, hash=False, compare=False)

    def __str__(self) -> str:
        return _NAMES.get(self.kind, self.kind)


_NAMES = {
    "double": "number", "int": "whole number", "uint": "whole number", "string": "text",
    "bool": "yes/no", "timestamp": "date", "duration": "duration", "list": "list",
    "map": "map", "null": "null", "dyn": "any", "bytes": "bytes",
}  # fmt: skip

DYN = CelType("dyn")
NULL = CelType("null")
BOOL = CelType("bool")
INT = CelType("int")
DOUBLE = CelType("double")
STRING = CelType("string")
TIMESTAMP = CelType("timestamp")
DURATION = CelType("duration")
BYTES = CelType("bytes")


def list_of(item: CelType) -> CelType:
    """Return the type of a list of `item`."""
    return CelType("list", item=item)


def map_of(fields: Mapping[str, CelType] | None = None) -> CelType:
    """Return the type of a map, with its known fields (None: any key)."""
    return CelType("map", fields=dict(fields) if fields is not None else None)


_NUMBERS = frozenset({"int", "uint", "double"})


#: Functions and their result: a fixed type, or a function of the argument types.
Signature = Callable[[list[CelType]], CelType | str]


def _fixed(result: CelType, *params: frozenset[str] | None) -> Signature:
    """A function with fixed parameter kinds (None: any) returning `result`."""

    def sig(args: list[CelType]) -> CelType | str:
        if len(args) != len(params):
            return f"takes {len(params)} argument(s), not {len(args)}"
        for arg, kinds in zip(args, params, strict=True):
            if kinds is not None and arg.kind not in kinds | {"dyn"}:
                wanted = " or ".join(sorted({_NAMES.get(k, k) for k in kinds}))
                return f"takes a {wanted}, not a {arg}"
        return result

    return sig


_ANY = None
_NUM = _NUMBERS
_TEXT = frozenset({"string"})
_DATE = frozenset({"timestamp"})
_SIZED = frozenset({"string", "list", "map", "bytes"})

FUNCTIONS: dict[str, Signature] = {
    "today": _fixed(TIMESTAMP),
    "days": _fixed(DURATION, _NUM),
    "age": _fixed(INT, _DATE),
    "date": _fixed(TIMESTAMP, _TEXT),
    "add_months": _fixed(TIMESTAMP, _DATE, frozenset({"int"})),
    "size": _fixed(INT, _SIZED),
    "int": _fixed(INT, _ANY),
    "uint": _fixed(CelType("uint"), _ANY),
    "double": _fixed(DOUBLE, _ANY),
    "string": _fixed(STRING, _ANY),
    "bool": _fixed(BOOL, _ANY),
    "timestamp": _fixed(TIMESTAMP, _TEXT),
    "duration": _fixed(DURATION, _TEXT),
    "type": _fixed(DYN, _ANY),
    "dyn": _fixed(DYN, _ANY),
}
METHODS: dict[str, Signature] = {
    "size": _fixed(INT),
    "contains": _fixed(BOOL, _TEXT),
    "startsWith": _fixed(BOOL, _TEXT),
    "endsWith": _fixed(BOOL, _TEXT),
    "matches": _fixed(BOOL, _TEXT),
    "lowerAscii": _fixed(STRING),
    "upperAscii": _fixed(STRING),
    "trim": _fixed(STRING),
    "getFullYear": _fixed(INT),
    "getMonth": _fixed(INT),
    "getDayOfMonth": _fixed(INT),
    "getDayOfWeek": _fixed(INT),
    # Durations (end_date - start_date): as in CEL, in whole hours, minutes or seconds.
    "getHours": _fixed(INT),
    "getMinutes": _fixed(INT),
    "getSeconds": _fixed(INT),
}
