"""Load answers and work out what follows from them: which pages and fields are shown.

Loading turns raw input into stored values (invalid ones are left out and reported);
visibility is evaluated on those values with CEL, and a hidden field's value counts as
null for every other condition (repeated until nothing changes).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from celpy import celtypes
from marshmallow import Schema, ValidationError

from service.forms.constants import FieldType
from service.forms.display import field_label, item_label, labelled
from service.forms.parsing import parse_date
from service.forms.schema import CompiledField, CompiledForm, CompiledPage
from service.rules.values import date_to_timestamp, to_cel

Context = dict[str, Any]


@dataclass
class Item:
    """One item of a group: its loaded values, errors, hidden fields and CEL context."""

    values: dict[str, Any]
    errors: dict[str, list[str]]
    hidden: set[str] = field(default_factory=set)
    context: Context = field(default_factory=dict)


@dataclass
class Answers:
    """Loaded answers of a form, with visibility and the CEL context of the shown ones."""

    values: dict[str, Any]
    errors: dict[str, list[str]]
    items: dict[str, list[Item]]
    hidden_pages: set[str] = field(default_factory=set)
    hidden: set[str] = field(default_factory=set)
    context: Context = field(default_factory=dict)


def load_answers(compiled: CompiledForm, data: Mapping[str, Any], lang: str) -> Answers:
    """Load `data` and evaluate visibility; errors are labelled messages in `lang`."""
    if not isinstance(data, Mapping):
        raise TypeError("answers must be a mapping of field keys to values")
    values, raw_errors = _load(compiled.schema(lang), data)
    errors = {
        k: [labelled(lang, compiled.field(k).definition.label.get(lang), m) for m in v]
        for k, v in raw_errors.items()
    }
    items = {
        f.key: [_load_item(f, raw, i, lang) for i, raw in enumerate(values[f.key])]
        for f in compiled.fields
        if f.is_group and f.key in values
    }
    answers = Answers(values=values, errors=errors, items=items)
    _resolve_visibility(compiled, answers)
    return answers


def is_required(f: CompiledField, context: Context) -> bool:
    """Say whether a shown field must be answered."""
    if f.definition.required:
        return True
    return f.required_if is not None and f.required_if.test(context) is True


def cel_value(f: CompiledField, value: Any) -> Any:
    """Return a stored answer as the CEL value the definition language promises."""
    if value is None:
        return None
    if f.type == FieldType.DATE:
        return date_to_timestamp(parse_date(value))
    if f.type in (FieldType.NUMBER, FieldType.MONEY):
        return celtypes.DoubleType(float(Decimal(str(value))))
    return to_cel(value)


def _load(schema: Schema, data: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    try:
        loaded, errors = schema.load(data), {}
    except ValidationError as exc:
        loaded = exc.valid_data if isinstance(exc.valid_data, dict) else {}
        errors = exc.messages if isinstance(exc.messages, dict) else {}
    values = {k: v for k, v in loaded.items() if v is not None}
    return values, {str(k): _messages(v) for k, v in errors.items()}


def _messages(value: Any) -> list[str]:
    return [str(m) for m in value] if isinstance(value, list) else [str(value)]


def _load_item(group: CompiledField, raw: Mapping[str, Any], index: int, lang: str) -> Item:
    schema = group.item_schemas.get(lang) or next(iter(group.item_schemas.values()))
    values, raw_errors = _load(schema, raw)
    where = item_label(group.definition, index, lang)
    by_key = {f.key: f for f in group.items}
    errors = {
        k: [labelled(lang, field_label(by_key[k].definition, lang, where), m) for m in v]
        for k, v in raw_errors.items()
    }
    return Item(values=values, errors=errors)


def _resolve_visibility(compiled: CompiledForm, answers: Answers) -> None:
    hidden_pages: set[str] = set()
    hidden: set[str] = set()
    context = _context(compiled.fields, answers.values, hidden, answers.items)
    for _ in range(len(compiled.fields) + len(compiled.pages) + 1):
        new_pages = {p.key for p in compiled.pages if not _shown(p, context)}
        new_hidden = {
            f.key
            for f in compiled.fields
            if compiled.page_of.get(f.key) in new_pages or not _shown(f, context)
        }
        if (new_pages, new_hidden) == (hidden_pages, hidden):
            break
        hidden_pages, hidden = new_pages, new_hidden
        context = _context(compiled.fields, answers.values, hidden, answers.items)
    for group in compiled.fields:
        for item in answers.items.get(group.key, ()):
            resolve_item(group, item, context)
    answers.hidden_pages, answers.hidden = hidden_pages, hidden
    # Conditions and rules after this point see hidden item fields as null as well.
    answers.context = _context(compiled.fields, answers.values, hidden, answers.items)


def resolve_item(group: CompiledField, item: Item, top: Context) -> None:
    """Work out which of an item's fields are shown, and its CEL context."""
    hidden: set[str] = set()
    for _ in range(len(group.items) + 1):
        item.context = {**top, **_context(group.items, item.values, hidden, {})}
        new_hidden = {f.key for f in group.items if not _shown(f, item.context)}
        if new_hidden == hidden:
            break
        hidden = new_hidden
    item.hidden = hidden


def _shown(thing: CompiledField | CompiledPage, context: Context) -> bool:
    return thing.visible_if is None or thing.visible_if.test(context) is True


def _context(
    fields: Iterable[CompiledField],
    values: Mapping[str, Any],
    hidden: set[str],
    items: Mapping[str, list[Item]],
) -> Context:
    context: Context = {}
    for f in fields:
        if f.key in hidden:
            context[f.key] = None
        elif f.is_group:
            context[f.key] = celtypes.ListType(
                [_item_map(f, item) for item in items.get(f.key, ())]
            )
        else:
            context[f.key] = cel_value(f, values.get(f.key))
    return context


def _item_map(group: CompiledField, item: Item) -> celtypes.MapType:
    return celtypes.MapType(
        {
            celtypes.StringType(f.key): None
            if f.key in item.hidden
            else cel_value(f, item.values.get(f.key))
            for f in group.items
        }
    )
