"""View models of form pages for templates (no Flask): fields, options, values, errors."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from service.definitions.types import FormDefinition, Page
from service.forms.answers import Answers, Context, Item, is_required, load_answers, resolve_item
from service.forms.constants import NO, YES, FieldType
from service.forms.display import country_names, item_label, yes_no_labels
from service.forms.examples import example_day
from service.forms.parsing import parse_yesno
from service.forms.reveal import page_spec
from service.forms.schema import CompiledField, CompiledForm, compile_form

Errors = Mapping[str, list[str]]


@dataclass(frozen=True)
class OptionView:
    """One choice of a select, radio, checkboxes, yes/no or country field."""

    value: str
    label: str
    selected: bool = False


@dataclass(frozen=True)
class ItemView:
    """One item of a repeatable group, e.g. "Person 2", with its fields."""

    index: int
    label: str
    fields: tuple[FieldView, ...]
    #: Every field of the item in order, hidden ones flagged (the page script may show them).
    rendered: tuple[FieldView, ...] = ()


@dataclass(frozen=True)
class FieldView:
    """What a template needs to render one field."""

    key: str
    path: str  # key of its error messages: "persons[0].family_name"
    name: str  # HTML name: "persons-0-family_name"
    id: str  # HTML id, the target of the error summary's links
    type: str
    label: str
    help: str | None
    required: bool
    value: str  # the answer as text for re-display ("" when none)
    errors: tuple[str, ...] = ()
    options: tuple[OptionView, ...] = ()
    autocomplete: str | None = None
    max_length: int | None = None
    accept: tuple[str, ...] = ()
    #: File fields: the current upload {id, name, content_type, size}, if any.
    upload: Mapping[str, Any] | None = None
    #: Groups: the items, and whether one more may be added.
    items: tuple[ItemView, ...] = ()
    can_add_item: bool = False
    #: Shown only when a condition holds; `hidden` when it does not now (rendered empty).
    conditional: bool = False
    hidden: bool = False
    #: Date fields: an allowed day as typed into the boxes, "17 5 1990", for the hint.
    example: str = ""

    @property
    def date_parts(self) -> tuple[str, str, str]:
        """A date's day, month and year as typed, for the three boxes of a date field."""
        return date_parts(self.value)


@dataclass(frozen=True)
class ErrorLink:
    """An entry of the error summary at the top of a page."""

    href: str
    message: str


@dataclass(frozen=True)
class PageView:
    """What a template needs to render one page of the form."""

    key: str
    title: str
    intro: str | None
    fields: tuple[FieldView, ...]
    errors: tuple[ErrorLink, ...] = ()
    #: Every field of the page in order, hidden ones flagged, for questions that appear.
    rendered: tuple[FieldView, ...] = ()
    #: The conditions for `static/reveal.js` (None when nothing on the page is conditional).
    reveal: Mapping[str, Any] | None = None

    @property
    def shown_conditional(self) -> tuple[str, ...]:
        """Return the paths of the conditional questions shown now (posted back as `_shown`)."""
        return tuple(
            v.path for v in _walk(self.rendered, rendered=True) if v.conditional and not v.hidden
        )


def shown_pages(compiled: CompiledForm, answers: Answers) -> list[Page]:
    """Return the pages to show: not hidden, and with a shown field if they have fields."""
    return [
        p.page
        for p in compiled.pages
        if p.key not in answers.hidden_pages
        and (not p.page.fields or any(k not in answers.hidden for k in p.page.fields))
    ]


def build_page_view(
    form: FormDefinition, page_key: str, data: Mapping[str, Any], errors: Errors, lang: str
) -> PageView:
    """Return the view of page `page_key` for `data` (raw or stored answers)."""
    compiled = compile_form(form)
    answers = load_answers(compiled, data, lang)
    view = _page_view(compiled, page_key, answers, data, errors, lang)
    return replace(view, reveal=page_spec(compiled, page_key, answers, lang))


def build_view_model(
    form: FormDefinition, data: Mapping[str, Any], errors: Errors, lang: str
) -> list[PageView]:
    """Return the views of all pages shown for `data`."""
    compiled = compile_form(form)
    answers = load_answers(compiled, data, lang)
    return [
        _page_view(compiled, page.key, answers, data, errors, lang)
        for page in shown_pages(compiled, answers)
    ]


def _page_view(
    compiled: CompiledForm,
    page_key: str,
    answers: Answers,
    data: Mapping[str, Any],
    errors: Errors,
    lang: str,
) -> PageView:
    page = compiled.page(page_key).page
    views = _Views(answers, errors, lang)
    rendered = tuple(
        views.field(compiled.field(key), data.get(key), key, answers.context)
        if key not in answers.hidden
        else views.hidden(compiled.field(key), key, answers.context)
        for key in page.fields
    )
    fields = tuple(v for v in rendered if not v.hidden)
    links = tuple(ErrorLink(f"#{view.id}", m) for view in _walk(fields) for m in view.errors)
    return PageView(
        key=page.key,
        title=page.title.get(lang),
        intro=page.intro.get(lang) if page.intro else None,
        fields=fields,
        errors=links,
        rendered=rendered,
    )


def _walk(fields: tuple[FieldView, ...], rendered: bool = False) -> list[FieldView]:
    """Return the fields with each group followed by its items' fields, in page order."""
    flat: list[FieldView] = []
    for view in fields:
        flat.append(view)
        for item in view.items:
            flat.extend(item.rendered if rendered else item.fields)
    return flat


class _Views:
    def __init__(self, answers: Answers, errors: Errors, lang: str) -> None:
        self.answers, self.errors, self.lang = answers, errors, lang

    def hidden(self, f: CompiledField, path: str, context: Context) -> FieldView:
        """Return the view of a question hidden now: empty, without errors or items."""
        view = self.field(f, None, path, context, errors=False)
        return replace(view, hidden=True, items=(), can_add_item=False)

    def field(
        self, f: CompiledField, raw: Any, path: str, context: Context, errors: bool = True
    ) -> FieldView:
        d, lang = f.definition, self.lang
        name = path.replace("[", "-").replace("].", "-")
        return FieldView(
            key=f.key,
            path=path,
            name=name,
            id=f"f-{name}",
            type=f.type,
            label=d.label.get(lang),
            help=d.help.get(lang) if d.help else None,
            required=is_required(f, context),
            value=input_value(raw),
            errors=tuple(self.errors.get(path, ())) if errors else (),
            options=options(f, raw, lang),
            autocomplete=d.autocomplete,
            max_length=d.max_length,
            accept=d.accept,
            upload=raw if f.type == FieldType.FILE and isinstance(raw, Mapping) else None,
            items=self.items(f, raw) if f.is_group else (),
            can_add_item=f.is_group and (d.max_items is None or _count(raw) < d.max_items),
            conditional=f.visible_if is not None,
            example=_example(f),
        )

    def items(self, group: CompiledField, raw: Any) -> tuple[ItemView, ...]:
        loaded = self.answers.items.get(group.key, [])
        raw_items = [i if isinstance(i, Mapping) else {} for i in raw] if _count(raw) else []
        # Without script, an empty item to fill in is shown when there are not enough.
        shown = max(len(raw_items), group.definition.min_items or 0, 1)
        views = []
        for index in range(shown):
            values = raw_items[index] if index < len(raw_items) else {}
            item = loaded[index] if index < len(loaded) else self.empty_item(group)
            rendered = tuple(
                self.field(f, values.get(f.key), f"{group.key}[{index}].{f.key}", item.context)
                if f.key not in item.hidden
                else self.hidden(f, f"{group.key}[{index}].{f.key}", item.context)
                for f in group.items
            )
            fields = tuple(v for v in rendered if not v.hidden)
            label = item_label(group.definition, index, self.lang)
            views.append(ItemView(index, label, fields, rendered))
        return tuple(views)

    def empty_item(self, group: CompiledField) -> Item:
        item = Item(values={}, errors={})
        resolve_item(group, item, self.answers.context)
        return item


def _example(f: CompiledField) -> str:
    if f.type != FieldType.DATE:
        return ""
    day = example_day(f.definition)
    return f"{day.day} {day.month} {day.year}"


def _count(raw: Any) -> int:
    return len(raw) if isinstance(raw, list | tuple) else 0


def date_parts(value: str) -> tuple[str, str, str]:
    """Split "YYYY-MM-DD" (or what was typed, joined by `parse_post`) into day, month, year.

    Leading zeros are dropped for display ("05" shows as "5"); what cannot be split
    shows in the year box, so nothing the person typed is lost.
    """
    if not value:
        return "", "", ""
    parts = value.split("-")
    if len(parts) != 3:
        return "", "", value
    year, month, day = (p.lstrip("0") if p.isdigit() and p.strip("0") else p for p in parts)
    return day, month, year


def input_value(raw: Any) -> str:
    """Return an answer as the text an input shows again (dates stay ISO, as date inputs need)."""
    if raw is None or isinstance(raw, list | tuple | Mapping):
        return ""
    if isinstance(raw, bool):
        return YES if raw else NO
    return str(raw)


def options(f: CompiledField, raw: Any, lang: str) -> tuple[OptionView, ...]:
    """Return the choices of a field in `lang`, with the answered ones selected."""
    if f.type == FieldType.YESNO:
        words = yes_no_labels(lang)
        try:
            answer: bool | None = parse_yesno(raw)
        except ValueError:
            answer = None
        return (
            OptionView(YES, words[True], answer is True),
            OptionView(NO, words[False], answer is False),
        )
    values = raw if isinstance(raw, list | tuple) else [] if raw is None else [raw]
    chosen = {str(v).strip() for v in values}
    if f.type == FieldType.COUNTRY:
        chosen = {c.upper() for c in chosen}
        if not f.definition.options:
            return tuple(OptionView(c, n, c in chosen) for c, n in country_names(lang).items())
    return tuple(
        OptionView(o.value, o.label.get(lang), o.value in chosen) for o in f.definition.options
    )
