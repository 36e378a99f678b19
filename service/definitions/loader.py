"""Turn a parsed workflow document into a frozen definition, reporting every mistake.

Each section's keys are declared by its schema in `schemas.py`; values are read with
`reader.Reader` (strict: unknown keys, missing keys and wrong types are mistakes with a
line number); forms are read by `form_loader.py`. Checks that need
more than one file (the form a workflow names, templates) live in `checks.py`.
"""

from __future__ import annotations

import re
from operator import attrgetter
from typing import Any

from service.definitions import schemas
from service.definitions.credentials import parse_credentials
from service.definitions.errors import Problems
from service.definitions.form_loader import _parse_field, parse_form
from service.definitions.reader import Reader as _Reader
from service.definitions.types import (
    DocumentDefinition,
    RoleDefinition,
    ServiceDefinition,
    ServiceInfo,
)
from service.definitions.yamlio import LineDict
from service.engine.types import State, Text, Transition, TransitionInput, Workflow

__all__ = ["_Reader", "parse_form", "parse_workflow"]


# ------------------------------------------------------------------------ workflows


def parse_workflow(doc: Any, path: str, problems: Problems) -> ServiceDefinition | None:
    """Read a workflow document; return None when it is too broken to use."""
    r = _Reader(problems)
    if not r.keys(doc, "workflow", schemas.WORKFLOW):
        return None
    states = [
        s for line, item in r.items(doc, "states", "workflow") if (s := _state(r, item, line))
    ]
    shared = getattr(doc.get("transitions"), "shared", 0)
    transitions = [
        t
        for index, (line, item) in enumerate(r.items(doc, "transitions", "workflow"))
        if (t := _transition(r, item, line, shared=index < shared))
    ]
    roles = [
        role
        for line, item in r.items(doc, "roles", "workflow", required=False)
        if (role := _role(r, item, line))
    ]
    documents = [
        d
        for line, item in r.items(doc, "documents", "workflow", required=False)
        if (d := _document(r, item, line))
    ]
    info = _parse_info(r, doc)
    prefix = _reference_prefix(r, doc)
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


def _reference_prefix(r: _Reader, doc: LineDict) -> str:
    prefix = r.string(doc, "reference_prefix", "workflow") or "XX"
    if not re.fullmatch(r"[A-Z]{2,4}", prefix):
        r.problems.add(
            doc.line_of("reference_prefix"),
            "workflow: 'reference_prefix' must be 2-4 capital letters",
        )
    return prefix


def _state(r: _Reader, item: Any, line: int) -> State | None:
    if not r.keys(item, "state", schemas.STATE, line):
        return None
    name = r.name(item, "name", "state")
    what = f"state '{name}'"
    return State(
        name=name,
        title=r.text(item, "title", what) or Text(name),
        initial=r.boolean(item, "initial", what),
        final=r.boolean(item, "final", what),
        deadline=r.duration(item, "deadline", what),
        pauses_clock=r.boolean(item, "pauses_clock", what),
        resident_text=r.text(item, "resident_text", what, required=False),
        line=item.line,
    )


def _transition(r: _Reader, item: Any, line: int, shared: bool = False) -> Transition | None:
    if not r.keys(item, "transition", schemas.TRANSITION, line):
        return None
    name = r.name(item, "name", "transition")
    what = f"transition '{name}'"
    inputs = [
        spec
        for line, inp in r.items(item, "inputs", what, required=False)
        if (spec := _parse_input(r, inp, what, line)) is not None
    ]
    guard_source = r.expression(item, "guard", what)
    return Transition(
        name=name,
        title=r.text(item, "title", what) or Text(name),
        sources=r.names(item, "from", what),
        target=str(item.get("to", "")),
        roles=r.names(item, "roles", what),
        inputs=tuple(inputs),
        guard=_compile_guard(guard_source),
        guard_source=guard_source,
        guard_message=r.text(item, "guard_message", what, required=False),
        distinct_from=r.names(item, "distinct_from", what),
        approvals=r.integer(item, "approvals", what, minimum=1) or 1,
        documents=r.names(item, "documents", what),
        events=r.names(item, "events", what),
        notify=r.string(item, "notify", what),
        line=item.line,
        shared=shared,
    )


def _compile_guard(source: str | None) -> Any:
    """Return the engine guard of `source` (None: no guard)."""
    from service.rules.services import ExpressionError, compile_expression

    if source is None:
        return None
    try:
        return _guard(compile_expression(source))
    except ExpressionError:
        # Reported with its position by the checker, which knows the form; a guard that
        # does not compile never lets a case through.
        return _never


def _role(r: _Reader, item: Any, line: int) -> RoleDefinition | None:
    if not r.keys(item, "role", schemas.ROLE, line):
        return None
    name = r.name(item, "name", "role")
    return RoleDefinition(name, r.text(item, "title", f"role '{name}'") or Text(name), item.line)


def _document(r: _Reader, item: Any, line: int) -> DocumentDefinition | None:
    if not r.keys(item, "document", schemas.DOCUMENT, line):
        return None
    key = r.name(item, "key", "document")
    what = f"document '{key}'"
    return DocumentDefinition(
        key=key,
        title=r.text(item, "title", what) or Text(key),
        template=r.name(item, "template", what),
        department=r.string(item, "department", what),
        line=item.line,
    )


def _parse_input(r: _Reader, inp: Any, what: str, line: int) -> TransitionInput | None:
    """Read a transition input: a form field whose key is written `name` (text by default)."""
    if not isinstance(inp, LineDict) or "key" in inp:
        r.problems.add(getattr(inp, "line", line), f"{what}: an input is a field with a 'name'")
        return None
    renamed = {"name": "key"}
    as_field = LineDict({renamed.get(k, k): v for k, v in inp.items()})
    as_field.line = inp.line
    as_field.lines = {renamed.get(k, k): n for k, n in inp.lines.items()}
    as_field.sources = {renamed.get(k, k): v for k, v in getattr(inp, "sources", {}).items()}
    as_field.setdefault("type", "text")
    as_field.setdefault("required", True)
    if as_field["type"] == "group":  # a file input is stored like a form's file answer
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
    if not r.keys(info, "info", schemas.INFO):
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
