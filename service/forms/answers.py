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

from marshmallow import Schema, ValidationError

from service.forms.constants import FieldType
from service.forms.display import field_label, item_label, labelled
from service.forms.parsing import parse_date
from service.forms.schema import CompiledField, CompiledForm, CompiledPage
from service.rules.services import Expression
from service.rules.values import to_native

Context = dict[str, Any]


@dataclass
class Item:
    """One item of a group: its loaded values, errors, hidden fields and CEL context."""

    values: dict[str, Any]
    errors: dict[str, list[str]]
    hidden: set[str] = field(default_factory=set)
    context: Context = field(default_factory=dict)
    #: The values as CEL values, computed once (see _converted).
    converted: dict[str, Any] | None = None


@dataclass
class Answers:
    """Loaded answers of a form, with visibility and the CEL context of the shown ones."""

    values: dict[str, Any]
    errors: dict[str, list[str]]
    items: dict[str, list[Item]]
    hidden_pages: set[str] = field(default_factory=set)
    hidden: set[str] = field(default_factory=set)
    context: Context = field(default_factory=dict)
    converted: dict[str, Any] | None = None


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
    """Return a stored answer as the CEL value the definition language promises.

    Plain Python values: the native interpreter converts them (dates to timestamps).
    """
    if value is None:
        return None
    if f.type == FieldType.DATE:
        return to_native(parse_date(value))
    if f.type in (FieldType.NUMBER, FieldType.MONEY):
        return float(Decimal(str(value)))
    return to_native(value)


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
    shown = _Shown(_context(compiled.fields, answers, hidden, answers.items))
    for _ in range(len(compiled.fields) + 1):
        hidden_pages = {p.key for p in compiled.pages if not shown(p)}
        new_hidden = {
            f.key
            for f in compiled.fields
            if compiled.page_of.get(f.key) in hidden_pages or not shown(f)
        }
        if new_hidden == hidden:
            break
        changed, hidden = new_hidden ^ hidden, new_hidden
        shown.update(_context(compiled.fields, answers, hidden, answers.items), changed)
    for group in compiled.fields:
        for item in answers.items.get(group.key, ()):
            resolve_item(group, item, shown.context)
    answers.hidden_pages, answers.hidden = hidden_pages, hidden
    # Conditions and rules after this point see hidden item fields as null as well.
    answers.context = _context(compiled.fields, answers, hidden, answers.items)


def resolve_item(group: CompiledField, item: Item, top: Context) -> None:
    """Work out which of an item's fields are shown, and its CEL context."""
    hidden: set[str] = set()
    shown = _Shown({**top, **_context(group.items, item, hidden, {})})
    for _ in range(len(group.items) + 1):
        new_hidden = {f.key for f in group.items if not shown(f)}
        if new_hidden == hidden:
            break
        changed, hidden = new_hidden ^ hidden, new_hidden
        shown.update({**top, **_context(group.items, item, hidden, {})}, changed)
    item.context, item.hidden = shown.context, hidden


class _Shown:
    """Evaluate `visible_if` conditions, each distinct expression once per context.

    Forms repeat conditions (five fields shown for the same answer), and when a field is
    hidden only the conditions that read it need evaluating again.
    """

    def __init__(self, context: Context) -> None:
        self.context = context
        self.results: dict[Expression, bool] = {}

    def __call__(self, thing: CompiledField | CompiledPage) -> bool:
        expression = thing.visible_if
        if expression is None:
            return True
        result = self.results.get(expression)
        if result is None:
            result = self.results[expression] = expression.test(self.context) is True
        return result

    def update(self, context: Context, changed: set[str]) -> None:
        """Switch to `context`, in which the fields `changed` were hidden or shown."""
        self.context = context
        self.results = {e: r for e, r in self.results.items() if not e.identifiers & changed}


def _context(
    fields: Iterable[CompiledField],
    owner: Answers | Item,
    hidden: set[str],
    items: Mapping[str, list[Item]],
) -> Context:
    context: Context = {}
    converted = _converted(fields, owner)
    for f in fields:
        if f.key in hidden:
            context[f.key] = None
        elif f.is_group:
            context[f.key] = [_item_map(f, item) for item in items.get(f.key, ())]
        else:
            context[f.key] = converted[f.key]
    return context


def _converted(fields: Iterable[CompiledField], owner: Answers | Item) -> dict[str, Any]:
    """Convert the answers to CEL values once; contexts are rebuilt for every visibility pass."""
    if owner.converted is None:
        owner.converted = {
            f.key: cel_value(f, owner.values.get(f.key)) for f in fields if not f.is_group
        }
    return owner.converted


def _item_map(group: CompiledField, item: Item) -> dict[str, Any]:
    converted = _converted(group.items, item)
    return {f.key: None if f.key in item.hidden else converted[f.key] for f in group.items}
