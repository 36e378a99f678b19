"""JSON Schema (draft 2020-12) of a form's answers, for the API's documentation."""

from __future__ import annotations

from typing import Any

import pycountry

from service.definitions.types import FieldDefinition, FormDefinition
from service.forms.constants import FieldType

DIALECT = "https://json-schema.org/draft/2020-12/schema"

_PATTERNS = {
    FieldType.POSTAL_CODE_DE: r"^[0-9]{5}$",
    FieldType.IBAN: r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$",
    FieldType.TAX_ID_DE: r"^[0-9]{11}$",
    FieldType.MONEY: r"^-?[0-9]+(\.[0-9]{1,2})?$",
}
_EXAMPLES = {
    FieldType.PHONE: "+49211123456",
    FieldType.DATE: "2026-11-26",
    FieldType.MONEY: "30.00",
    FieldType.POSTAL_CODE_DE: "40213",
    FieldType.IBAN: "DE89370400440532013000",
    FieldType.TAX_ID_DE: "86095742719",
    FieldType.COUNTRY: "DE",
    FieldType.LICENCE_PLATE: "D-AB 1234",
}


def form_json_schema(form: FormDefinition, lang: str) -> dict[str, Any]:
    """Return the JSON Schema of the answers of `form`, with titles in `lang`."""
    conditional_pages = {k for p in form.pages if p.visible_if for k in p.fields}
    schema = _object(form.fields, lang, conditional_pages)
    return {"$schema": DIALECT, "title": form.title.get(lang), **schema}


def _object(
    fields: tuple[FieldDefinition, ...], lang: str, conditional: set[str]
) -> dict[str, Any]:
    # Only unconditional requirements can be stated; conditions are checked on submission.
    required = [
        f.key
        for f in fields
        if (f.required or (f.type == FieldType.GROUP and f.min_items))
        and not f.visible_if
        and f.key not in conditional
    ]
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {f.key: field_schema(f, lang) for f in fields},
    }
    if required:
        schema["required"] = required
    return schema


def field_schema(f: FieldDefinition, lang: str) -> dict[str, Any]:
    """Return the JSON Schema of one field's stored value."""
    schema: dict[str, Any] = {"title": f.label.get(lang)}
    if f.help:
        schema["description"] = f.help.get(lang)
    schema.update(_type_schema(f, lang))
    if f.type in _PATTERNS:
        schema["pattern"] = _PATTERNS[FieldType(f.type)]
    if f.type in _EXAMPLES:
        schema["examples"] = [_EXAMPLES[FieldType(f.type)]]
    if f.type == FieldType.DATE:
        bounds = {"x-minimum": f.minimum, "x-maximum": f.maximum}
        schema.update({k: str(v) for k, v in bounds.items() if v is not None})
    return schema


def _type_schema(f: FieldDefinition, lang: str) -> dict[str, Any]:
    kind = f.type
    values = [o.value for o in f.options]
    if kind in (FieldType.TEXT, FieldType.TEXTAREA):
        return _drop_none(
            type="string",
            minLength=f.min_length,
            maxLength=f.max_length,
            pattern=f"^(?:{f.pattern})$" if f.pattern else None,
        )
    if kind == FieldType.EMAIL:
        return {"type": "string", "format": "email"}
    if kind == FieldType.DATE:
        return {"type": "string", "format": "date"}
    if kind == FieldType.NUMBER:
        return _drop_none(type="number", minimum=_number(f.minimum), maximum=_number(f.maximum))
    if kind in (FieldType.SELECT, FieldType.RADIO):
        return {"type": "string", "enum": values}
    if kind == FieldType.COUNTRY:
        return {"type": "string", "enum": values or sorted(c.alpha_2 for c in pycountry.countries)}
    if kind == FieldType.CHECKBOXES:
        items = {"type": "string", "enum": values}
        return _drop_none(
            type="array", items=items, uniqueItems=True, minItems=f.min_items, maxItems=f.max_items
        )
    if kind == FieldType.YESNO:
        return {"type": "boolean"}
    if kind == FieldType.FILE:
        return _file_schema(f)
    if kind == FieldType.GROUP:
        item = _object(f.fields, lang, set())
        return _drop_none(type="array", items=item, minItems=f.min_items, maxItems=f.max_items)
    return {"type": "string"}  # phone, money, postal code, IBAN, tax ID: patterns above


def _file_schema(f: FieldDefinition) -> dict[str, Any]:
    content_type: dict[str, Any] = {"type": "string"}
    if f.accept and not any("*" in t for t in f.accept):
        content_type["enum"] = list(f.accept)
    size = _drop_none(type="integer", minimum=0, maximum=f.max_size)
    return {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "content_type": content_type,
            "size": size,
        },
        "required": ["id", "name", "content_type", "size"],
    }


def _number(value: object) -> int | float | None:
    if value is None:
        return None
    number = float(str(value))
    return int(number) if number.is_integer() else number


def _drop_none(**schema: Any) -> dict[str, Any]:
    return {k: v for k, v in schema.items() if v is not None}
