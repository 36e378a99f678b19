"""Turn one parsed YAML document into a frozen definition, reporting every mistake.

The parser is deliberately strict: unknown keys, missing keys and wrong types are
mistakes with a line number, so a typo never silently does nothing. Checks that need
more than one file (the form a workflow names, templates) live in `checks.py`.
"""

from __future__ import annotations

import re
from operator import attrgetter
from typing import Any

import isodate

from service.definitions.constants import FIELD_TYPES, KEY_PATTERN
from service.definitions.credentials import parse_credentials
from service.definitions.errors import Problems
from service.definitions.types import (
    DocumentDefinition,
    FieldDefinition,
    FormDefinition,
    Option,
    Page,
    RoleDefinition,
    Rule,
    ServiceDefinition,
    ServiceInfo,
)
from service.definitions.values import limit, parse_computed
from service.definitions.yamlio import LineDict, LineList
from service.engine.types import State, Text, Transition, TransitionInput, Workflow

_KEY_RE = re.compile(KEY_PATTERN)


class _Reader:
    """Helpers that read typed values from a LineDict and report what is wrong."""

    def __init__(self, problems: Problems) -> None:
        self.problems = problems

    def keys(self, obj: Any, what: str, allowed: set[str], required: set[str]) -> bool:
        if not isinstance(obj, LineDict):
            line = getattr(obj, "line", 1)
            self.problems.add(line, f"{what} must be a mapping")
            return False
        for key in obj:
            if key not in allowed:
                hint = ", ".join(sorted(allowed))
                self.problems.add(
                    obj.line_of(key), f"unknown key '{key}' in {what} (allowed: {hint})"
                )
        for key in sorted(required - set(obj)):
            self.problems.add(obj.line, f"{what} is missing '{key}'")
        return True

    def text(self, obj: LineDict, key: str, what: str, required: bool = True) -> Text | None:
        value = obj.get(key)
        if value is None:
            if required and key in obj:
                self.problems.add(obj.line_of(key), f"{what}: '{key}' must not be empty")
            return None
        if isinstance(value, str):
            self.problems.add(
                obj.line_of(key), f"{what}: '{key}' needs both languages: {{de: ..., en: ...}}"
            )
            return Text(de=value, en=value)
        if not isinstance(value, LineDict) or set(value) - {"de", "en"}:
            self.problems.add(obj.line_of(key), f"{what}: '{key}' must be {{de: ..., en: ...}}")
            return None
        de, en = value.get("de"), value.get("en")
        for lang, text in (("de", de), ("en", en)):
            if not isinstance(text, str) or not text.strip():
                self.problems.add(value.line, f"{what}: '{key}' is missing its '{lang}' text")
        return Text(de=str(de or ""), en=str(en or ""))

    def name(self, obj: LineDict, key: str, what: str) -> str:
        value = obj.get(key)
        if not isinstance(value, str) or not _KEY_RE.fullmatch(value):
            self.problems.add(
                obj.line_of(key),
                f"{what}: '{key}' must be a name of a-z, 0-9 and _ (got {value!r})",
            )
            return str(value)
        return value

    def integer(self, obj: LineDict, key: str, what: str, minimum: int = 0) -> int | None:
        value = obj.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self.problems.add(
                obj.line_of(key), f"{what}: '{key}' must be a whole number >= {minimum}"
            )
            return None
        return value

    def boolean(self, obj: LineDict, key: str, what: str) -> bool:
        value = obj.get(key, False)
        if not isinstance(value, bool):
            self.problems.add(obj.line_of(key), f"{what}: '{key}' must be true or false")
            return False
        return value

    def string(self, obj: LineDict, key: str, what: str) -> str | None:
        value = obj.get(key)
        if value is None:
            return None
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            self.problems.add(obj.line_of(key), f"{what}: '{key}' must be a string")
            return None
        return str(value)

    def expression(self, obj: LineDict, key: str, what: str) -> str | None:
        """Return the CEL text of `key`, remembering where it stands (for carets)."""
        value = self.string(obj, key, what)
        source = obj.source(key)
        return source if source is not None and value is not None else value

    def names(self, obj: LineDict, key: str, what: str) -> tuple[str, ...]:
        value = obj.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problems.add(obj.line_of(key), f"{what}: '{key}' must be a list of names")
            return ()
        return tuple(value)

    def duration(self, obj: LineDict, key: str, what: str) -> Any:
        value = obj.get(key)
        if value is None:
            return None
        try:
            parsed = isodate.parse_duration(str(value))
        except (isodate.ISO8601Error, ValueError):
            self.problems.add(
                obj.line_of(key),
                f"{what}: '{key}' must be an ISO 8601 duration like P14D (got {value!r})",
            )
            return None
        if isinstance(parsed, isodate.Duration):
            # Months and years: an approximation is enough for deadlines and retention.
            return parsed.totimedelta(start=isodate.parse_date("2000-01-01"))
        return parsed

    def items(
        self, obj: LineDict, key: str, what: str, required: bool = True
    ) -> list[tuple[int, Any]]:
        value = obj.get(key)
        if value is None:
            return []
        if not isinstance(value, LineList):
            self.problems.add(obj.line_of(key), f"{what}: '{key}' must be a list")
            return []
        if required and not value:
            self.problems.add(obj.line_of(key), f"{what}: '{key}' must not be empty")
        return [(value.line_of(i), item) for i, item in enumerate(value)]


# ---------------------------------------------------------------------------- forms

_FORM_KEYS = {"key", "version", "title", "pages", "fields", "rules", "computed"}
_PAGE_KEYS = {"key", "title", "intro", "fields", "visible_if"}
_FIELD_KEYS = {
    "key", "type", "label", "help", "required", "required_if", "visible_if", "min_length",
    "max_length", "pattern", "pattern_message", "min", "max", "options", "accept", "max_size",
    "fields", "min_items", "max_items", "item_label", "personal", "autocomplete",
}  # fmt: skip
_RULE_KEYS = {"key", "expression", "message", "fields", "severity"}


def parse_form(doc: Any, path: str, problems: Problems) -> FormDefinition | None:
    """Read a form document; return None when it is too broken to use."""
    r = _Reader(problems)
    if not r.keys(doc, "form", _FORM_KEYS, {"key", "version", "title", "pages", "fields"}):
        return None
    fields = tuple(
        f
        for line, item in r.items(doc, "fields", "form")
        if (f := _parse_field(r, item, line, nested=False)) is not None
    )
    pages = []
    for _line, item in r.items(doc, "pages", "form"):
        if not r.keys(item, "page", _PAGE_KEYS, {"key", "title", "fields"}):
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
    for _line, item in r.items(doc, "rules", "form", required=False):
        if not r.keys(item, "rule", _RULE_KEYS, {"key", "expression", "message"}):
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
    if not r.keys(obj, "field", _FIELD_KEYS, {"key", "type", "label"}):
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
    for _ol, opt in r.items(
        obj, "options", what, required=ftype in ("select", "radio", "checkboxes")
    ):
        if r.keys(opt, f"option of {what}", {"value", "label"}, {"value", "label"}):
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


# ------------------------------------------------------------------------ workflows

_WORKFLOW_KEYS = {
    "key", "version", "title", "form", "reference_prefix", "applicant_name", "retention",
    "draft_ttl", "draft", "info", "roles", "states", "transitions", "documents", "credentials",
}  # fmt: skip
_INFO_KEYS = {"summary", "requirements", "duration", "legal_basis", "fee"}
_STATE_KEYS = {
    "name", "title", "initial", "final", "deadline", "pauses_clock", "resident_text",
}  # fmt: skip
_TRANSITION_KEYS = {
    "name", "title", "from", "to", "roles", "inputs", "guard", "guard_message", "distinct_from",
    "approvals", "documents", "events", "notify",
}  # fmt: skip
_DOCUMENT_KEYS = {"key", "title", "template", "department"}


def parse_workflow(doc: Any, path: str, problems: Problems) -> ServiceDefinition | None:
    """Read a workflow document; return None when it is too broken to use."""
    from service.rules.services import ExpressionError, compile_expression

    r = _Reader(problems)
    required = {"key", "version", "title", "form", "reference_prefix", "states", "transitions"}
    if not r.keys(doc, "workflow", _WORKFLOW_KEYS, required):
        return None
    states = []
    for _line, item in r.items(doc, "states", "workflow"):
        if not r.keys(item, "state", _STATE_KEYS, {"name", "title"}):
            continue
        name = r.name(item, "name", "state")
        states.append(
            State(
                name=name,
                title=r.text(item, "title", f"state '{name}'") or Text(name),
                initial=r.boolean(item, "initial", f"state '{name}'"),
                final=r.boolean(item, "final", f"state '{name}'"),
                deadline=r.duration(item, "deadline", f"state '{name}'"),
                pauses_clock=r.boolean(item, "pauses_clock", f"state '{name}'"),
                resident_text=r.text(item, "resident_text", f"state '{name}'", required=False),
                line=item.line,
            )
        )
    transitions = []
    for _line, item in r.items(doc, "transitions", "workflow"):
        if not r.keys(
            item, "transition", _TRANSITION_KEYS, {"name", "title", "from", "to", "roles"}
        ):
            continue
        name = r.name(item, "name", "transition")
        what = f"transition '{name}'"
        inputs = [
            spec
            for _il, inp in r.items(item, "inputs", what, required=False)
            if (spec := _parse_input(r, inp, what)) is not None
        ]
        guard_source = r.expression(item, "guard", what)
        guard = None
        if guard_source is not None:
            try:
                guard = _guard(compile_expression(guard_source))
            except ExpressionError:
                # Reported with its position by the checker, which knows the form; a guard
                # that does not compile never lets a case through.
                guard = _never
        transitions.append(
            Transition(
                name=name,
                title=r.text(item, "title", what) or Text(name),
                sources=r.names(item, "from", what),
                target=str(item.get("to", "")),
                roles=r.names(item, "roles", what),
                inputs=tuple(inputs),
                guard=guard,
                guard_source=guard_source,
                guard_message=r.text(item, "guard_message", what, required=False),
                distinct_from=r.names(item, "distinct_from", what),
                approvals=r.integer(item, "approvals", what, minimum=1) or 1,
                documents=r.names(item, "documents", what),
                events=r.names(item, "events", what),
                notify=r.string(item, "notify", what),
                line=item.line,
            )
        )
    roles = []
    for _line, item in r.items(doc, "roles", "workflow", required=False):
        if r.keys(item, "role", {"name", "title"}, {"name", "title"}):
            name = r.name(item, "name", "role")
            roles.append(
                RoleDefinition(
                    name, r.text(item, "title", f"role '{name}'") or Text(name), item.line
                )
            )
    documents = []
    for _line, item in r.items(doc, "documents", "workflow", required=False):
        if r.keys(item, "document", _DOCUMENT_KEYS, {"key", "title", "template"}):
            key = r.name(item, "key", "document")
            documents.append(
                DocumentDefinition(
                    key=key,
                    title=r.text(item, "title", f"document '{key}'") or Text(key),
                    template=r.name(item, "template", f"document '{key}'"),
                    department=r.string(item, "department", f"document '{key}'"),
                    line=item.line,
                )
            )
    info = _parse_info(r, doc)
    prefix = r.string(doc, "reference_prefix", "workflow") or "XX"
    if not re.fullmatch(r"[A-Z]{2,4}", prefix):
        problems.add(
            doc.line_of("reference_prefix"),
            "workflow: 'reference_prefix' must be 2-4 capital letters",
        )
    workflow = Workflow(
        key=r.name(doc, "key", "workflow"),
        version=r.integer(doc, "version", "workflow", minimum=1) or 0,
        title=r.text(doc, "title", "workflow") or Text(""),
        states=tuple(states),
        transitions=tuple(transitions),
        role_titles=tuple(map(attrgetter("name", "title"), roles)),
    )
    return ServiceDefinition(
        workflow=workflow,
        form_key=doc.source("form") or str(doc.get("form", "")),
        reference_prefix=prefix,
        info=info,
        roles=tuple(roles),
        documents=tuple(documents),
        credentials=parse_credentials(r, doc),
        applicant_name=r.expression(doc, "applicant_name", "workflow"),
        retention=r.duration(doc, "retention", "workflow"),
        draft_ttl=r.duration(doc, "draft_ttl", "workflow"),
        draft=r.boolean(doc, "draft", "workflow"),
        path=path,
    )


def _parse_input(r: _Reader, inp: Any, what: str) -> TransitionInput | None:
    """Read a transition input: a form field whose key is written `name` (text by default)."""
    if not isinstance(inp, LineDict) or "key" in inp:
        r.problems.add(getattr(inp, "line", 0), f"{what}: an input is a field with a 'name'")
        return None
    renamed = {"name": "key"}
    as_field = LineDict({renamed.get(k, k): v for k, v in inp.items()})
    as_field.line = inp.line
    as_field.lines = {renamed.get(k, k): n for k, n in inp.lines.items()}
    as_field.sources = {renamed.get(k, k): v for k, v in getattr(inp, "sources", {}).items()}
    as_field.setdefault("type", "text")
    as_field.setdefault("required", True)
    if as_field["type"] in ("file", "group"):
        r.problems.add(
            inp.line_of("type"), f"{what}: an input cannot be of type {as_field['type']}"
        )
        return None
    field = _parse_field(r, as_field, inp.line, True)
    if field is None:
        return None
    return TransitionInput(
        name=field.key,
        label=field.label,
        type=field.type,
        required=field.required,
        max_length=field.max_length or 2000,
        field=field,
    )


def _guard(expression: Any) -> Any:
    """Wrap a compiled expression as an engine guard: only a clear `true` lets it pass."""

    def guard(context: Any) -> bool:
        # The same names as every other expression: answers by bare name, `data`, `inputs`.
        data = context.get("data") or {}
        return expression.test({**data, "data": data, "inputs": context.get("inputs")}) is True

    return guard


def _never(context: Any) -> bool:
    return False


def _parse_info(r: _Reader, doc: LineDict) -> ServiceInfo:
    info = doc.get("info")
    if info is None:
        r.problems.add(doc.line, "workflow is missing 'info' (the portal's start page)")
        return ServiceInfo(summary=Text(""))
    if not r.keys(info, "info", _INFO_KEYS, {"summary"}):
        return ServiceInfo(summary=Text(""))
    requirements = []
    for line, item in r.items(info, "requirements", "info", required=False):
        holder = LineDict(item=item)
        holder.line, holder.lines = line, {"item": line}
        if (text := r.text(holder, "item", "info requirement")) is not None:
            requirements.append(text)
    return ServiceInfo(
        summary=r.text(info, "summary", "info") or Text(""),
        requirements=tuple(requirements),
        duration=r.text(info, "duration", "info", required=False),
        legal_basis=r.text(info, "legal_basis", "info", required=False),
        fee=r.text(info, "fee", "info", required=False),
    )
