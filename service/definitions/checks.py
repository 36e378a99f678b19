"""Checks that look at a definition as a whole and across files."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from service.definitions.credential_checks import check_credentials
from service.definitions.errors import Problems
from service.definitions.expressions import check as _check_expression
from service.definitions.expressions import list_bounds
from service.definitions.scope import (
    RESERVED,
    case_scope,
    form_scope,
    guard_scope,
    item_scope,
)
from service.definitions.types import FieldDefinition, FormDefinition, ServiceDefinition
from service.engine.types import APPLICANT
from service.rules.typecheck import CelType


def _duplicates(names: Iterable[str]) -> list[str]:
    return [name for name, count in Counter(names).items() if count > 1]


def check_form(form: FormDefinition, problems: Problems, stem: str) -> None:
    """Check a form's internal consistency: keys, pages, expressions, rules."""
    if form.key != stem:
        problems.add(1, f"form key '{form.key}' must equal the file name '{stem}'")
    top = {f.key for f in form.fields}
    scope = form_scope(form)
    for dup in _duplicates(f.key for f in form.fields):
        problems.add(
            next(f.line for f in form.fields if f.key == dup), f"duplicate field key '{dup}'"
        )
    for dup in _duplicates(p.key for p in form.pages):
        problems.add(
            next(p.line for p in form.pages if p.key == dup), f"duplicate page key '{dup}'"
        )
    for dup in _duplicates(r.key for r in form.rules):
        problems.add(
            next(r.line for r in form.rules if r.key == dup), f"duplicate rule key '{dup}'"
        )
    placed: Counter[str] = Counter()
    bounds = list_bounds(form.fields)
    for page in form.pages:
        visible = page.visible_if
        _check_expression(
            problems, page.line, f"page '{page.key}': visible_if", visible, scope, bounds=bounds
        )
        for key in page.fields:
            placed[key] += 1
            if key not in top:
                problems.add(
                    page.line, f"page '{page.key}' names field '{key}' but no field defines it"
                )
    for f in form.fields:
        if placed[f.key] == 0:
            problems.add(f.line, f"field '{f.key}' is on no page")
        elif placed[f.key] > 1:
            problems.add(f.line, f"field '{f.key}' is on more than one page")
        _check_field(f, problems, scope, bounds)
    _check_computed(form, problems, scope, bounds)
    paths = set(top) | {f"{g.key}.{s.key}" for g in form.fields for s in g.fields}
    for rule in form.rules:
        _check_expression(
            problems, rule.line, f"rule '{rule.key}'", rule.expression, scope, bounds=bounds
        )
        for path in rule.fields:
            if path not in paths:
                problems.add(
                    rule.line, f"rule '{rule.key}' names field '{path}' but no field defines it"
                )


def _check_computed(
    form: FormDefinition,
    problems: Problems,
    scope: dict[str, CelType],
    bounds: Mapping[str, int],
) -> None:
    """Type-check computed values in order: each may read the answers and those before it."""
    from service.definitions.constants import COMPUTED_TYPES
    from service.definitions.scope import computed_type

    scope = dict(scope)
    for c in form.computed:
        what = f"computed value '{c.key}'"
        _reserved(problems, c.line, what, c.key)
        if c.key in scope:
            problems.add(c.line, f"{what}: '{c.key}' is already the name of a field or value")
        expect = COMPUTED_TYPES.get(c.type)
        _check_expression(problems, c.line, what, c.expression, scope, expect=expect, bounds=bounds)
        scope[c.key] = computed_type(c)


def _reserved(problems: Problems, line: int, what: str, key: str) -> None:
    if key in RESERVED:
        problems.add(
            line,
            f"{what}: '{key}' is a name every expression reserves "
            f"({', '.join(RESERVED)}): choose another key",
        )


def _check_field(
    f: FieldDefinition,
    problems: Problems,
    scope: dict[str, CelType],
    bounds: Mapping[str, int],
) -> None:
    what = f"field '{f.key}'"
    _reserved(problems, f.line, what, f.key)
    _check_expression(problems, f.line, f"{what}: visible_if", f.visible_if, scope, bounds=bounds)
    _check_expression(problems, f.line, f"{what}: required_if", f.required_if, scope, bounds=bounds)
    if f.min_items is not None and f.max_items is not None and f.min_items > f.max_items:
        problems.add(f.line, f"{what}: min_items is larger than max_items")
    if f.type == "file" and not f.accept:
        problems.add(f.line, f"{what}: a file field needs 'accept' (the allowed MIME types)")
    if f.type == "group":
        inner = item_scope(scope, f)
        inner_bounds = {**bounds, **list_bounds(f.fields)}
        for dup in _duplicates(s.key for s in f.fields):
            problems.add(f.line, f"{what}: duplicate field key '{dup}'")
        for sub in f.fields:
            _check_field(sub, problems, inner, inner_bounds)


def check_workflow(
    service: ServiceDefinition,
    problems: Problems,
    stem: str,
    forms: dict[str, FormDefinition | None],
    templates_root: Path | None,
) -> None:
    """Check states, transitions, roles, the form and templates of a workflow."""
    wf = service.workflow
    if wf.key != stem:
        problems.add(1, f"workflow key '{wf.key}' must equal the file name '{stem}'")
    states = {s.name: s for s in wf.states}
    for dup in _duplicates(s.name for s in wf.states):
        problems.add(next(s.line for s in wf.states if s.name == dup), f"duplicate state '{dup}'")
    for dup in _duplicates(t.name for t in wf.transitions):
        problems.add(
            next(t.line for t in wf.transitions if t.name == dup), f"duplicate transition '{dup}'"
        )
    initial = [s for s in wf.states if s.initial]
    if len(initial) != 1:
        problems.add(1, f"workflow needs exactly one initial state (found {len(initial)})")
    roles = {r.name for r in service.roles} | {APPLICANT}
    transitions = {t.name for t in wf.transitions}
    documents = {d.key for d in service.documents}
    form = forms.get(service.form_key)
    if form is None and service.form_key not in forms:
        problems.add(
            getattr(service.form_key, "line", 1),
            f"workflow names form '{service.form_key}' "
            f"but forms/{service.form_key}.yaml is missing",
        )
    scope = case_scope(form) if form is not None else None
    bounds = list_bounds(form.fields) if form is not None else {}
    for t in wf.transitions:
        what = f"transition '{t.name}'"
        for source in t.sources:
            if source not in states:
                problems.add(t.line, f"{what} starts from unknown state '{source}'")
            elif states[source].final and not _final(states, t.target):
                # A decided case may still be revoked, but a closed case stays closed.
                problems.add(
                    t.line, f"{what} leaves final state '{source}' for a state that is not final"
                )
        if t.target not in states:
            problems.add(t.line, f"{what} goes to unknown state '{t.target}'")
        for role in t.roles:
            if role not in roles:
                problems.add(
                    t.line, f"{what} names role '{role}' but the workflow's roles do not define it"
                )
        for other in t.distinct_from:
            if other not in transitions:
                problems.add(t.line, f"{what}: distinct_from names unknown transition '{other}'")
        for doc in t.documents:
            if doc not in documents:
                problems.add(
                    t.line, f"{what} issues document '{doc}' but 'documents' does not define it"
                )
        if t.guard_source and scope is not None:
            names = guard_scope(scope, (i.name for i in t.inputs))
            guard = t.guard_source
            _check_expression(problems, t.line, f"{what}: guard", guard, names, bounds=bounds)
        mail = (
            templates_root / "email" / t.notify / "subject.txt"
            if templates_root and t.notify
            else None
        )
        if mail is not None and not mail.is_file():
            problems.add(t.line, f"{what}: e-mail template templates/email/{t.notify}/ is missing")
    if scope is not None and service.applicant_name:
        line = getattr(service.applicant_name, "line", 1)
        _check_expression(
            problems,
            line,
            "applicant_name",
            service.applicant_name,
            scope,
            expect="string",
            bounds=bounds,
        )
    if templates_root is not None:
        for d in service.documents:
            if not (templates_root / "pdf" / d.template / "document.html").is_file():
                problems.add(
                    d.line,
                    f"document '{d.key}': template "
                    f"templates/pdf/{d.template}/document.html is missing",
                )
    check_credentials(service, problems, scope, bounds)
    _check_graph(service, problems)


def _final(states: dict[str, Any], name: str) -> bool:
    return name in states and bool(states[name].final)


def _check_graph(service: ServiceDefinition, problems: Problems) -> None:
    wf = service.workflow
    start = next((s.name for s in wf.states if s.initial), None)
    if start is None:
        return
    reached = {start}
    frontier = [start]
    while frontier:
        current = frontier.pop()
        for t in wf.transitions:
            if current in t.sources and t.target not in reached:
                reached.add(t.target)
                frontier.append(t.target)
    for s in wf.states:
        if s.name not in reached:
            problems.add(
                s.line, f"state '{s.name}' cannot be reached from the initial state '{start}'"
            )
        if not s.final and not any(s.name in t.sources for t in wf.transitions):
            problems.add(s.line, f"state '{s.name}' is not final but no transition leaves it")
        if s.final and s.resident_text is None:
            problems.add(
                s.line,
                f"state '{s.name}' is final: give it a 'resident_text' {{de, en}} that tells "
                "the resident what happened (shown on the case page and in e-mails)",
            )


def check_templates(
    service: ServiceDefinition, form: FormDefinition | None, root: Path, seen: set[str]
) -> list[Problems]:
    """Parse the document and e-mail templates of `service`; check the fields they name.

    A template that does not parse would only fail when a case reaches the step that
    renders it. `option_label("field", value)` must name a field with options, or the
    document would print the raw value.
    """
    paths = [f"pdf/{d.template}/document.html" for d in service.documents]
    for t in service.workflow.transitions:
        if t.notify:
            paths += [
                f"email/{t.notify}/{part}" for part in ("subject.txt", "body.txt", "body.html")
            ]
    found: list[Problems] = []
    for rel in paths:
        path = root / rel
        key = f"{rel}:{form.key if form else ''}"
        if key in seen or not path.is_file():
            continue
        seen.add(key)
        text = path.read_text(encoding="utf-8")
        problems = Problems(f"templates/{rel}", text)
        _check_template(text, problems, form)
        if problems:
            found.append(problems)
    return found


def _check_template(text: str, problems: Problems, form: FormDefinition | None) -> None:
    import jinja2
    from jinja2 import nodes

    try:
        tree = jinja2.Environment(autoescape=True).parse(text)
    except jinja2.TemplateSyntaxError as exc:
        problems.add(exc.lineno or 1, f"template syntax: {exc.message}")
        return
    if form is None:
        return
    for call in tree.find_all(nodes.Call):
        if not (isinstance(call.node, nodes.Name) and call.node.name == "option_label"):
            continue
        if not call.args or not isinstance(call.args[0], nodes.Const):
            continue
        path = str(call.args[0].value)
        head, _, rest = path.partition(".")
        field = next((f for f in form.fields if f.key == head), None)
        if field is not None and rest:
            field = next((f for f in field.fields if f.key == rest), None)
        if field is None:
            problems.add(
                call.lineno,
                f"option_label names field '{path}' but form '{form.key}' does not define it",
            )
        elif not field.options:
            problems.add(call.lineno, f"option_label names field '{path}', which has no options")
