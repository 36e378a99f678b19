"""Compile a form definition once per version: marshmallow schemas and CEL programs."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, missing

from service.definitions.types import FieldDefinition, FormDefinition, Page, Rule
from service.forms.constants import FieldType
from service.forms.fields import AnswerField, is_empty
from service.forms.registry import make_field
from service.i18n import DEFAULT_LANGUAGE, LANGUAGES
from service.rules.services import Expression, compile_expression, fields_read

#: Compiled forms kept per process; each is a few kilobytes.
CACHE_SIZE = 256


class AnswersSchema(Schema):
    """Base of every generated schema: keys the form does not define are dropped."""

    class Meta:
        unknown = EXCLUDE

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields = tuple(self.load_fields.values())
        keys = [f.data_key for f in fields]
        #: (key, field) when every field loads as a plain AnswerField does (see `load_answers`).
        self.answer_fields: tuple[tuple[str, AnswerField], ...] | None = (
            tuple((f.data_key, f) for f in fields if isinstance(f, AnswerField) and f.data_key)
            if all(_plain(f) for f in fields) and len(set(keys)) == len(keys)
            else None
        )

    def load_answers(self, data: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        """Return the answered values and the messages of each refused answer, by key.

        The same as `load` (its valid data and its error messages) without marshmallow's
        per-field machinery, which costs more than loading the answers: a field that is
        missing or null loads nothing, any other value goes through the field.
        """
        fields = self.answer_fields
        if fields is None or (type(data) is not dict and not isinstance(data, Mapping)):
            try:
                loaded, errors = self.load(data), {}
            except ValidationError as exc:
                loaded = exc.valid_data if isinstance(exc.valid_data, dict) else {}
                errors = exc.messages if isinstance(exc.messages, dict) else {}
            return {k: v for k, v in loaded.items() if v is not None}, errors
        values: dict[str, Any] = {}
        errors = {}
        for key, f in fields:
            raw = data.get(key)
            if raw is None or (not raw.strip() if type(raw) is str else is_empty(raw)):
                continue  # missing or empty (is_empty, with its common case inline)
            try:
                value = f.clean(raw)
            except ValidationError as exc:
                errors[key] = exc.messages
                continue
            if value is not None:
                values[key] = value
        return values, errors


def _plain(f: Any) -> bool:
    """Say whether marshmallow would load `f` by calling `clean` unless the value is empty."""
    return (
        isinstance(f, AnswerField)
        and type(f)._deserialize is AnswerField._deserialize
        and f.allow_none
        and not f.required
        and f.load_default is missing
        and not f.validators
        and not f.pre_load
        and not f.post_load
        and f.data_key is not None
        and f.attribute == f.data_key
    )


@dataclass(frozen=True, eq=False)
class Conditional:
    """Fields hidden together: those under one condition on one page (either may be None)."""

    page: str | None
    condition: Expression | None
    keys: tuple[str, ...]


def _conditionals(
    fields: Iterable[tuple[str, str | None, Expression | None]],
) -> tuple[Conditional, ...]:
    groups: dict[tuple[str | None, Expression | None], list[str]] = {}
    for key, page, condition in fields:
        groups.setdefault((page, condition), []).append(key)
    return tuple(Conditional(page, c, tuple(keys)) for (page, c), keys in groups.items())


def _one_pass(conditions: Iterable[Expression | None], hideable: set[str]) -> bool:
    """Say whether no condition reads a field that can be hidden (one pass finds all)."""
    return not any(c.identifiers & hideable for c in conditions if c is not None)


@dataclass(frozen=True, eq=False)
class CompiledField:
    """A field with its conditions compiled; a group also has its items' fields."""

    definition: FieldDefinition
    visible_if: Expression | None = None
    required_if: Expression | None = None
    items: tuple[CompiledField, ...] = ()
    #: Group only: the schema loading one item, per language.
    item_schemas: Mapping[str, AnswersSchema] = field(default_factory=dict)
    # Copied from the definition once: read in every loop of every validation.
    key: str = field(init=False)
    type: str = field(init=False)
    is_group: bool = field(init=False)
    #: Never required (no `required`, no `required_if`): unanswered, nothing to report.
    optional: bool = field(init=False)
    # Derived once for working out visibility (see answers.py).
    #: The conditions of this field and of its items, at any depth.
    expressions: tuple[Expression, ...] = field(init=False)
    #: Group only: the items' fields that have a condition, by condition.
    item_conditions: tuple[Conditional, ...] = field(init=False)
    #: Group only: whether the items' conditions read no item field that can be hidden.
    item_one_pass: bool = field(init=False)
    #: Group only: the items' fields that the items' conditions read, and their keys.
    item_read: tuple[CompiledField, ...] = field(init=False)
    item_reads: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", self.definition.key)
        object.__setattr__(self, "type", self.definition.type)
        object.__setattr__(self, "is_group", self.definition.type == FieldType.GROUP)
        optional = not self.definition.required and self.required_if is None
        object.__setattr__(self, "optional", optional)
        own = tuple(e for e in (self.visible_if, self.required_if) if e is not None)
        nested = tuple(e for item in self.items for e in item.expressions)
        object.__setattr__(self, "expressions", own + nested)
        conditions = _conditionals(
            (f.key, None, f.visible_if) for f in self.items if f.visible_if is not None
        )
        object.__setattr__(self, "item_conditions", conditions)
        hideable = {key for c in conditions for key in c.keys}
        one_pass = _one_pass((c.condition for c in conditions), hideable)
        object.__setattr__(self, "item_one_pass", one_pass)
        names = {n for e in nested for n in e.identifiers}
        read = tuple(f for f in self.items if f.key in names and not f.is_group)
        object.__setattr__(self, "item_read", read)
        object.__setattr__(self, "item_reads", frozenset(f.key for f in read))


@dataclass(frozen=True, eq=False)
class CompiledPage:
    """A page with its condition compiled."""

    page: Page
    visible_if: Expression | None = None

    @property
    def key(self) -> str:
        """Return the page key."""
        return self.page.key


@dataclass(frozen=True, eq=False)
class CompiledRule:
    """A cross-field rule with its expression compiled."""

    rule: Rule
    expression: Expression


@dataclass(frozen=True, eq=False)
class CompiledForm:
    """Everything validation and views need of one form version, built once."""

    form: FormDefinition
    fields: tuple[CompiledField, ...]
    pages: tuple[CompiledPage, ...]
    rules: tuple[CompiledRule, ...]
    #: The schema loading the top-level answers, per language.
    schemas: Mapping[str, AnswersSchema]
    #: Top-level field key -> key of the page that asks it.
    page_of: Mapping[str, str]
    # Derived once for working out visibility (see answers.py).
    #: The top-level fields that some condition or rule of the form reads.
    read: tuple[CompiledField, ...] = field(init=False)
    #: (key, condition) of the pages that have a condition.
    page_conditions: tuple[tuple[str, Expression], ...] = field(init=False)
    #: The top-level fields that can be hidden (with a condition or on a page with one),
    #: by page and condition.
    field_conditions: tuple[Conditional, ...] = field(init=False)
    #: Whether no condition of a page or a field reads a field that can be hidden.
    one_pass: bool = field(init=False)
    #: Per group that is read: the items' fields its items show in CEL (see `_item_fields`).
    item_fields: Mapping[str, tuple[CompiledField, ...]] = field(init=False)
    #: Per rule, the top-level fields its expression reads.
    rule_fields: tuple[frozenset[str], ...] = field(init=False)
    #: The top-level groups, in form order (loading and visibility visit them alone).
    groups: tuple[CompiledField, ...] = field(init=False)

    def __post_init__(self) -> None:
        expressions = self._expressions()
        names = {n for e in expressions for n in e.identifiers}
        read = tuple(f for f in self.fields if f.key in names)
        object.__setattr__(self, "read", read)
        item_fields = {g.key: _item_fields(g, expressions) for g in read if g.is_group}
        object.__setattr__(self, "item_fields", item_fields)
        pages = tuple((p.key, p.visible_if) for p in self.pages if p.visible_if is not None)
        object.__setattr__(self, "page_conditions", pages)
        conditions = self._field_conditions({key for key, _condition in pages})
        object.__setattr__(self, "field_conditions", conditions)
        hideable = {key for c in conditions for key in c.keys}
        readers = [*(c for _key, c in pages), *(c.condition for c in conditions)]
        object.__setattr__(self, "one_pass", _one_pass(readers, hideable))
        keys = {f.key for f in self.fields}
        rule_fields = tuple(r.expression.identifiers & keys for r in self.rules)
        object.__setattr__(self, "rule_fields", rule_fields)
        object.__setattr__(self, "groups", tuple(f for f in self.fields if f.is_group))

    def _expressions(self) -> list[Expression]:
        """Return every expression of the form: page conditions, fields', rules'."""
        return [
            *(p.visible_if for p in self.pages if p.visible_if is not None),
            *(e for f in self.fields for e in f.expressions),
            *(r.expression for r in self.rules),
        ]

    def _field_conditions(self, conditional_pages: set[str]) -> tuple[Conditional, ...]:
        """Return the conditions of the fields that can be hidden, by page and condition."""
        return _conditionals(
            (f.key, self.page_of.get(f.key), f.visible_if)
            for f in self.fields
            if f.visible_if is not None or self.page_of.get(f.key) in conditional_pages
        )

    def field(self, key: str) -> CompiledField:
        """Return the top-level field `key` or raise KeyError."""
        return self.by_key[key]

    @cached_property
    def by_key(self) -> dict[str, CompiledField]:
        """Return the top-level fields by key."""
        return {f.key: f for f in self.fields}

    def page(self, key: str) -> CompiledPage:
        """Return the page `key` or raise KeyError."""
        for p in self.pages:
            if p.key == key:
                return p
        raise KeyError(key)

    def schema(self, lang: str) -> AnswersSchema:
        """Return the top-level schema speaking `lang`."""
        return self.schemas.get(lang) or self.schemas[DEFAULT_LANGUAGE]


def _item_fields(group: CompiledField, expressions: list[Expression]) -> tuple[CompiledField, ...]:
    """Return the fields of `group`'s items that the expressions reading the group read.

    Handing an item to the interpreter costs per field, and CEL tells a missing key from
    a null one only when the item is used as a whole (then all fields are kept).
    """
    reads = [fields_read(e, group.key) for e in expressions if group.key in e.identifiers]
    if any(r is None for r in reads):
        return group.items
    names = {n for r in reads if r is not None for n in r}
    return tuple(f for f in group.items if f.key in names)


_cache: dict[tuple[str, int, str], CompiledForm] = {}
_cache_lock = threading.Lock()


def compile_form(form: FormDefinition) -> CompiledForm:
    """Return the compiled form, built once per (key, version, content hash)."""
    cache_key = (form.key, form.version, form.content_hash)
    cached = _cache.get(cache_key)
    # Forms built in code have no content hash: then only an equal form may share the entry.
    if cached is not None and (cached.form is form or form.content_hash or cached.form == form):
        return cached
    compiled = _build(form)
    with _cache_lock:
        if len(_cache) >= CACHE_SIZE:
            _cache.pop(next(iter(_cache)))
        _cache[cache_key] = compiled
    return compiled


def _build(form: FormDefinition) -> CompiledForm:
    top_names = [f.key for f in form.fields]
    fields = tuple(_compile_field(f, top_names) for f in form.fields)
    pages = tuple(CompiledPage(p, _condition(p.visible_if, top_names)) for p in form.pages)
    rules = tuple(CompiledRule(r, compile_expression(r.expression, top_names)) for r in form.rules)
    return CompiledForm(
        form=form,
        fields=fields,
        pages=pages,
        rules=rules,
        schemas={lang: make_schema(form.fields, lang, form.key) for lang in LANGUAGES},
        page_of={key: p.key for p in form.pages for key in p.fields},
    )


def _compile_field(definition: FieldDefinition, names: list[str]) -> CompiledField:
    item_names = [*names, *(f.key for f in definition.fields)]
    return CompiledField(
        definition=definition,
        visible_if=_condition(definition.visible_if, names),
        required_if=_condition(definition.required_if, names),
        items=tuple(_compile_field(f, item_names) for f in definition.fields),
        item_schemas=(
            {lang: make_schema(definition.fields, lang, definition.key) for lang in LANGUAGES}
            if definition.type == FieldType.GROUP
            else {}
        ),
    )


def _condition(source: str | None, names: Iterable[str]) -> Expression | None:
    return compile_expression(source, names) if source else None


def make_schema(definitions: Iterable[FieldDefinition], lang: str, name: str) -> AnswersSchema:
    """Return a schema loading `definitions`, whose messages are in `lang`."""
    # Attribute names are positional so that a field key can never shadow a Schema method.
    fields = {f"field_{i}": make_field(d, lang) for i, d in enumerate(definitions)}
    schema_class = AnswersSchema.from_dict(fields, name=f"{name}_{lang}")  # type: ignore[arg-type]
    return schema_class()  # type: ignore[return-value]
