"""Load answers and work out what follows from them: which pages and fields are shown.

Loading turns raw input into stored values (invalid ones are left out and reported);
visibility is evaluated on those values with CEL, and a hidden field's value counts as
null for every other condition (repeated until nothing changes).

The CEL contexts hold only the fields that the form's conditions and rules read (the
compiled form knows them), and a group's items only the fields read of them, unless an
expression uses an item as a whole (see `CompiledForm.item_fields`). Contexts are
`Bindings`, so each value is handed to the interpreter once however many expressions
read it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from decimal import Decimal
from typing import Any

from service.forms.constants import FieldType
from service.forms.display import field_label, item_label, labelled
from service.forms.parsing import parse_date
from service.forms.schema import AnswersSchema, CompiledField, CompiledForm, Conditional
from service.rules.services import Bindings, Expression
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
    if type(data) is not dict and not isinstance(data, Mapping):  # a dict without the ABC's check
        raise TypeError("answers must be a mapping of field keys to values")
    values, raw_errors = _load(compiled.schema(lang), data)
    errors = {
        k: [labelled(lang, compiled.field(k).definition.label.get(lang), m) for m in v]
        for k, v in raw_errors.items()
    }
    items = {
        f.key: [_load_item(f, raw, i, lang) for i, raw in enumerate(values[f.key])]
        for f in compiled.groups
        if f.key in values
    }
    answers = Answers(values=values, errors=errors, items=items)
    _resolve_visibility(compiled, answers)
    return answers


def expression_values(compiled: CompiledForm, data: Mapping[str, Any]) -> dict[str, Any]:
    """Return stored answers as the values every expression sees; null when not answered."""
    values: dict[str, Any] = {}
    for f in compiled.fields:
        value = data.get(f.key)
        if f.is_group:
            items = value if isinstance(value, list) else []
            values[f.key] = [
                {s.key: cel_value(s, item.get(s.key)) for s in f.items}
                for item in items
                if isinstance(item, Mapping)
            ]
        else:
            values[f.key] = cel_value(f, value)
    return values


def is_required(f: CompiledField, context: Context) -> bool:
    """Say whether a shown field must be answered."""
    if f.definition.required:
        return True
    # A condition that fails to run asks for the answer rather than dropping the question.
    return f.required_if is not None and f.required_if.holds(
        context, f"{f.definition.key}: required_if", on_failure=True
    )


def cel_value(f: CompiledField, value: Any) -> Any:
    """Return a stored answer as the CEL value the definition language promises.

    Plain Python values: the native interpreter converts them (dates to timestamps).
    """
    if value is None:
        return None
    if f.type == FieldType.DATE:
        # What `to_native` makes of a date (parse_date never returns a datetime).
        return datetime.combine(parse_date(value), time(), tzinfo=UTC)
    if f.type in (FieldType.NUMBER, FieldType.MONEY):
        return float(Decimal(str(value)))
    return to_native(value)


def _load(
    schema: AnswersSchema, data: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    values, errors = schema.load_answers(data)
    return values, {str(k): _messages(v) for k, v in errors.items()}


def _messages(value: Any) -> list[str]:
    return [str(m) for m in value] if isinstance(value, list) else [str(value)]


def _load_item(group: CompiledField, raw: Mapping[str, Any], index: int, lang: str) -> Item:
    schema = group.item_schemas.get(lang) or next(iter(group.item_schemas.values()))
    values, raw_errors = _load(schema, raw)
    if not raw_errors:
        return Item(values=values, errors={})
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
    converted = _converted(compiled.read, answers)
    context = Bindings()
    for f in compiled.read:
        context[f.key] = _value(compiled, f, converted, answers.items)
    shown = _Shown(context)
    for _ in range(len(compiled.fields) + 1):
        hidden_pages = {key for key, condition in compiled.page_conditions if not shown(condition)}
        new_hidden = _hidden(compiled.field_conditions, hidden_pages, shown)
        if new_hidden == hidden:
            break
        changed, hidden = new_hidden ^ hidden, new_hidden
        for f in compiled.read:
            if f.key in changed:
                value = None if f.key in hidden else _value(compiled, f, converted, answers.items)
                context.rebind(f.key, value)
        if compiled.one_pass:
            break  # no condition reads what changed: another pass would find the same
        shown.changed(changed)
    for group in compiled.groups:
        for item in answers.items.get(group.key, ()):
            resolve_item(group, item, context)
    answers.hidden_pages, answers.hidden = hidden_pages, hidden
    # Conditions and rules after this point see hidden item fields as null as well. The
    # context already holds every other value as they see it (the items' contexts have
    # their own copies).
    for f in compiled.read:
        if f.is_group and f.key not in hidden and _hides_read(compiled, f, answers.items):
            context.rebind(f.key, _value(compiled, f, converted, answers.items))
    answers.context = context


def resolve_item(group: CompiledField, item: Item, top: Context) -> None:
    """Work out which of an item's fields are shown, and its CEL context."""
    hidden: set[str] = set()
    converted = _converted(group.item_read, item)
    context = Bindings(top)
    for f in group.item_read:
        context[f.key] = converted[f.key]
    shown = _Shown(context)
    for _ in range(len(group.items) + 1):
        new_hidden = _hidden(group.item_conditions, set(), shown)
        if new_hidden == hidden:
            break
        changed, hidden = new_hidden ^ hidden, new_hidden
        for key in changed & group.item_reads:
            context.rebind(key, None if key in hidden else converted[key])
        if group.item_one_pass:
            break  # no condition reads what changed: another pass would find the same
        shown.changed(changed)
    item.context, item.hidden = context, hidden


def _hidden(
    conditionals: tuple[Conditional, ...], hidden_pages: set[str], shown: _Shown
) -> set[str]:
    """Return the keys of the fields on a hidden page or whose condition does not hold."""
    hidden: set[str] = set()
    for c in conditionals:
        if c.page in hidden_pages or not shown(c.condition):
            hidden.update(c.keys)
    return hidden


class _Shown:
    """Evaluate `visible_if` conditions, each distinct expression once per context.

    Forms repeat conditions (five fields shown for the same answer), and when a field is
    hidden only the conditions that read it need evaluating again.
    """

    def __init__(self, context: Bindings) -> None:
        self.context = context
        self.results: dict[Expression, bool] = {}

    def __call__(self, expression: Expression | None) -> bool:
        if expression is None:
            return True
        result = self.results.get(expression)
        if result is None:
            decided = expression.decided(self.context)
            if decided is not None:
                result = decided is True  # as `holds` would say, without naming it first
            else:
                # A condition that fails to run shows the question rather than dropping
                # the answer.
                result = expression.holds(
                    self.context, f"visible_if {expression.source!r}", on_failure=True
                )
            self.results[expression] = result
        return result

    def changed(self, changed: set[str]) -> None:
        """Forget the results that read the fields `changed` (hidden or shown again)."""
        self.results = {e: r for e, r in self.results.items() if not e.identifiers & changed}


def _value(
    compiled: CompiledForm,
    f: CompiledField,
    converted: Mapping[str, Any],
    items: Mapping[str, list[Item]],
) -> Any:
    """Return the CEL value of the shown top-level field `f`."""
    if f.is_group:
        fields = compiled.item_fields[f.key]
        return [_item_map(fields, item) for item in items.get(f.key, ())]
    return converted[f.key]


def _hides_read(
    compiled: CompiledForm, group: CompiledField, items: Mapping[str, list[Item]]
) -> bool:
    """Say whether an item of `group` hides a field that the group's CEL value holds."""
    fields = compiled.item_fields[group.key]
    return any(f.key in item.hidden for item in items.get(group.key, ()) for f in fields)


def _converted(fields: tuple[CompiledField, ...], owner: Answers | Item) -> dict[str, Any]:
    """Return the CEL values of the answers, converting those of `fields` once per load."""
    converted = owner.converted
    if converted is None:
        converted = owner.converted = {}
    values = owner.values
    for f in fields:
        if f.key not in converted and not f.is_group:
            converted[f.key] = cel_value(f, values.get(f.key))
    return converted


def _item_map(fields: tuple[CompiledField, ...], item: Item) -> dict[str, Any]:
    converted = _converted(fields, item)
    return {f.key: None if f.key in item.hidden else converted[f.key] for f in fields}
