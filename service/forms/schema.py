"""Compile a form definition once per version: marshmallow schemas and CEL programs."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

from marshmallow import EXCLUDE, Schema

from service.definitions.types import FieldDefinition, FormDefinition, Page, Rule
from service.forms.constants import FieldType
from service.forms.registry import make_field
from service.i18n import DEFAULT_LANGUAGE, LANGUAGES
from service.rules.services import Expression, compile_expression

#: Compiled forms kept per process; each is a few kilobytes.
CACHE_SIZE = 256


class AnswersSchema(Schema):
    """Base of every generated schema: keys the form does not define are dropped."""

    class Meta:
        unknown = EXCLUDE


@dataclass(frozen=True, eq=False)
class CompiledField:
    """A field with its conditions compiled; a group also has its items' fields."""

    definition: FieldDefinition
    visible_if: Expression | None = None
    required_if: Expression | None = None
    items: tuple[CompiledField, ...] = ()
    #: Group only: the schema loading one item, per language.
    item_schemas: Mapping[str, Schema] = field(default_factory=dict)
    # Copied from the definition once: read in every loop of every validation.
    key: str = field(init=False)
    type: str = field(init=False)
    is_group: bool = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", self.definition.key)
        object.__setattr__(self, "type", self.definition.type)
        object.__setattr__(self, "is_group", self.definition.type == FieldType.GROUP)


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
    schemas: Mapping[str, Schema]
    #: Top-level field key -> key of the page that asks it.
    page_of: Mapping[str, str]

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

    def schema(self, lang: str) -> Schema:
        """Return the top-level schema speaking `lang`."""
        return self.schemas.get(lang) or self.schemas[DEFAULT_LANGUAGE]


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


def make_schema(definitions: Iterable[FieldDefinition], lang: str, name: str) -> Schema:
    """Return a schema loading `definitions`, whose messages are in `lang`."""
    # Attribute names are positional so that a field key can never shadow a Schema method.
    fields = {f"field_{i}": make_field(d, lang) for i, d in enumerate(definitions)}
    return AnswersSchema.from_dict(fields, name=f"{name}_{lang}")()  # type: ignore[arg-type]
