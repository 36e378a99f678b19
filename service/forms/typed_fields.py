"""A form's questions cut down to those of one type, for walks over the answers.

Some answers are looked up by their field's type on every submission: the country answers
the API's case view names, the file answers a new case binds. Walking every question of a
form for them (about fifty in the residence registration) cost more than the look-ups; the
cut-down questions hold exactly the fields such a walk finds something in, in their order.
"""

from __future__ import annotations

from dataclasses import replace

from service.definitions.types import FieldDefinition
from service.forms.constants import FieldType

Fields = tuple[FieldDefinition, ...]

#: By (the questions' tuple's id, type): the tuple itself and its cut-down version. The
#: entry keeps the tuple, so no other tuple can take that id while the entry exists.
_CUT: dict[tuple[int, str], tuple[Fields, Fields]] = {}
_CUT_MAX = 256


def fields_of_type(fields: Fields, field_type: str) -> Fields:
    """Return the fields of `field_type` and the groups holding one, in their order.

    A group keeps only such fields of its own (recursively); a group without one is left
    out. Computed once per tuple of questions (definitions do not change once loaded).
    """
    key = (id(fields), field_type)
    entry = _CUT.get(key)
    if entry is None or entry[0] is not fields:
        if len(_CUT) >= _CUT_MAX:
            _CUT.clear()  # definitions reloaded many times: start again
        entry = _CUT[key] = (fields, _cut(fields, field_type))
    return entry[1]


def _cut(fields: Fields, field_type: str) -> Fields:
    kept: list[FieldDefinition] = []
    for field in fields:
        if field.type == field_type:
            kept.append(field)
        elif field.type == FieldType.GROUP:
            inner = _cut(field.fields, field_type)
            if inner:
                kept.append(replace(field, fields=inner))
    return tuple(kept)
