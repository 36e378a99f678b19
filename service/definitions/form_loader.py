"""Turn a parsed form document into a frozen `FormDefinition`, reporting every mistake.

Checks of the form as a whole (pages, expressions, rules) live in `checks.py`.
"""

from __future__ import annotations

import re
from typing import Any

from service.definitions import schemas
from service.definitions.constants import FIELD_TYPES
from service.definitions.errors import Problems
from service.definitions.reader import Reader as _Reader
from service.definitions.types import FieldDefinition, FormDefinition, Option, Page, Rule
from service.definitions.values import limit, parse_computed
from service.definitions.yamlio import LineDict
from service.engine.types import Text


def parse_form(doc: Any, path: str, problems: Problems) -> FormDefinition | None:
    """Read a form document; return None when it is too broken to use."""
    r = _Reader(problems)
    if not r.keys(doc, "form", schemas.FORM):
        return None
    fields = tuple(
        f
        for line, item in r.items(doc, "fields", "form")
        if (f := _parse_field(r, item, line, nested=False)) is not None
    )
    pages = []
    for line, item in r.items(doc, "pages", "form"):
        if not r.keys(item, "page", schemas.PAGE, line):
            continue
        pages.append(
            Page(
                key=r.name(item, "key", "page"),
                title=r.text(item, "title", "page") or Text(""),
                intro=r.text(item, "intro", "page", required=False),
                fields=r.names(item, "fields", f"page '{item.get('key')}'"),
                visible_if=r.expression(item, "visible_if", "page"),
                line=item.line,
            )
        )
    rules = []
    for line, item in r.items(doc, "rules", "form", required=False):
        if not r.keys(item, "rule", schemas.RULE, line):
            continue
        severity = item.get("severity", "error")
        if severity not in ("error", "flag"):
            problems.add(item.line_of("severity"), "rule: 'severity' must be 'error' or 'flag'")
        rules.append(
            Rule(
                key=r.name(item, "key", "rule"),
                expression=r.expression(item, "expression", "rule") or "",
                message=r.text(item, "message", "rule") or Text(""),
                fields=r.names(item, "fields", "rule"),
                severity=str(severity),
                line=item.line,
            )
        )
    version = r.integer(doc, "version", "form", minimum=1) or 0
    return FormDefinition(
        computed=parse_computed(r, doc),
        key=r.name(doc, "key", "form"),
        version=version,
        title=r.text(doc, "title", "form") or Text(""),
        pages=tuple(pages),
        fields=fields,
        rules=tuple(rules),
        path=path,
    )


def _pattern(r: _Reader, obj: LineDict, what: str) -> str | None:
    pattern = r.string(obj, "pattern", what)
    if pattern is not None:
        try:
            re.compile(pattern)
        except re.error as exc:
            r.problems.add(
                obj.line_of("pattern"),
                f"{what}: 'pattern' is not a valid regular expression: {exc}",
            )
    return pattern


def _parse_field(r: _Reader, obj: Any, line: int, nested: bool) -> FieldDefinition | None:
    if not r.keys(obj, "field", schemas.FIELD, line):
        return None
    key = r.name(obj, "key", "field")
    what = f"field '{key}'"
    ftype = obj.get("type")
    if ftype not in FIELD_TYPES:
        r.problems.add(
            obj.line_of("type"),
            f"{what}: unknown type {ftype!r} (known: {', '.join(sorted(FIELD_TYPES))})",
        )
        ftype = "text"
    if ftype == "group" and nested:
        r.problems.add(obj.line_of("type"), f"{what}: groups cannot be nested")
    options = []
    for ol, opt in r.items(
        obj, "options", what, required=ftype in ("select", "radio", "checkboxes")
    ):
        if r.keys(opt, f"option of {what}", schemas.OPTION, ol):
            options.append(
                Option(value=str(opt.get("value")), label=r.text(opt, "label", what) or Text(""))
            )
    if ftype in ("select", "radio", "checkboxes") and "options" not in obj:
        r.problems.add(obj.line, f"{what}: type {ftype} needs 'options'")
    values = [o.value for o in options]
    if len(values) != len(set(values)):
        r.problems.add(obj.line_of("options"), f"{what}: duplicate option value")
    sub_fields: tuple[FieldDefinition, ...] = ()
    if ftype == "group":
        if "fields" not in obj:
            r.problems.add(obj.line, f"{what}: a group needs 'fields'")
        sub_fields = tuple(
            f for sl, item in r.items(obj, "fields", what) if (f := _parse_field(r, item, sl, True))
        )
    elif "fields" in obj:
        r.problems.add(obj.line_of("fields"), f"{what}: only a group has 'fields'")
    pattern = _pattern(r, obj, what)
    personal = obj.get("personal", True)
    (minimum, min_message), (maximum, max_message) = (
        limit(r, obj, k, str(ftype)) for k in ("min", "max")
    )
    return FieldDefinition(
        key=key,
        type=str(ftype),
        label=r.text(obj, "label", what) or Text(""),
        help=r.text(obj, "help", what, required=False),
        required=r.boolean(obj, "required", what),
        required_if=r.expression(obj, "required_if", what),
        visible_if=r.expression(obj, "visible_if", what),
        min_length=r.integer(obj, "min_length", what),
        max_length=r.integer(obj, "max_length", what, minimum=1),
        pattern=pattern,
        pattern_message=r.text(obj, "pattern_message", what, required=False),
        minimum=minimum,
        maximum=maximum,
        min_message=min_message,
        max_message=max_message,
        options=tuple(options),
        accept=r.names(obj, "accept", what),
        max_size=r.integer(obj, "max_size", what, minimum=1),
        fields=sub_fields,
        min_items=r.integer(obj, "min_items", what),
        max_items=r.integer(obj, "max_items", what, minimum=1),
        item_label=r.text(obj, "item_label", what, required=False),
        personal=bool(personal),
        autocomplete=r.string(obj, "autocomplete", what),
        line=obj.line,
    )
