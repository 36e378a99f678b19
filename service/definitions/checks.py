"""Checks that look at a definition as a whole and across files.

The checks of a form and of a workflow are small named rules in `form_checks.py` and
`workflow_checks.py`; `check_form` and `check_workflow` run them all. Template checks
(syntax, the fields `option_label` names) are here.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

from service.definitions.errors import Problems
from service.definitions.form_checks import FORM_RULES, FormCheck
from service.definitions.template_files import EMAIL_PARTS, email_names
from service.definitions.types import FormDefinition, ServiceDefinition
from service.definitions.workflow_checks import WORKFLOW_RULES, WorkflowCheck


def check_form(form: FormDefinition, problems: Problems, stem: str) -> None:
    """Check a form's internal consistency: keys, pages, expressions, rules."""
    check = FormCheck(form, problems, stem)
    for rule in FORM_RULES:
        rule(check)


def check_workflow(
    service: ServiceDefinition,
    problems: Problems,
    stem: str,
    forms: Mapping[str, FormDefinition | None],
    templates_root: Path | None,
) -> None:
    """Check states, transitions, roles, the form and templates of a workflow."""
    check = WorkflowCheck(service, problems, stem, forms, templates_root)
    for rule in WORKFLOW_RULES:
        rule(check)


def check_templates(
    service: ServiceDefinition, form: FormDefinition | None, root: Path, seen: set[str]
) -> list[Problems]:
    """Parse the document and e-mail templates of `service`; check the fields they name.

    A template that does not parse would only fail when a case reaches the step that
    renders it. `option_label("field", value)` must name a field with options, or the
    document would print the raw value.
    """
    # Every document extends pdf/_layout.html; every case sends email/submitted/.
    paths = [f"pdf/{d.template}/document.html" for d in service.documents] + ["pdf/_layout.html"]
    for name in email_names(service):
        paths += [f"email/{name}/{part}" for part in EMAIL_PARTS]
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


def check_unused_templates(root: Path, seen: set[str]) -> list[Problems]:
    """Parse every e-mail template no workflow sends (yet): `check_templates` saw the rest."""
    checked = {key.rpartition(":")[0] for key in seen}
    found: list[Problems] = []
    for path in sorted(root.glob("email/*/*")):
        rel = path.relative_to(root).as_posix()
        if path.name not in EMAIL_PARTS or rel in checked:
            continue
        text = path.read_text(encoding="utf-8")
        problems = Problems(f"templates/{rel}", text)
        _check_template(text, problems, None)
        if problems:
            found.append(problems)
    return found


class _Parsed(NamedTuple):
    """What the checks need of a template: its syntax error or its `option_label` calls."""

    #: (line, message) when the template does not parse.
    error: tuple[int, str] | None
    #: (line, field path) of each `option_label("field", ...)` call.
    option_labels: tuple[tuple[int, str], ...]


@functools.lru_cache(maxsize=512)
def _parsed(text: str) -> _Parsed:
    """Parse a template for the checks.

    Parsing is most of what loading the definitions costs, and every app start (each
    test's app, each worker process, each reload) parses the same texts again: one parse
    per distinct text is kept (the result depends on the text only).
    """
    import jinja2
    from jinja2 import nodes

    try:
        tree = jinja2.Environment(autoescape=True).parse(text)
    except jinja2.TemplateSyntaxError as exc:
        return _Parsed((exc.lineno or 1, f"template syntax: {exc.message}"), ())
    return _Parsed(
        None,
        tuple(
            (call.lineno, str(call.args[0].value))
            for call in tree.find_all(nodes.Call)
            if isinstance(call.node, nodes.Name)
            and call.node.name == "option_label"
            and call.args
            and isinstance(call.args[0], nodes.Const)
        ),
    )


def _check_template(text: str, problems: Problems, form: FormDefinition | None) -> None:
    parsed = _parsed(text)
    if parsed.error is not None:
        problems.add(*parsed.error)
        return
    if form is None:
        return
    for lineno, path in parsed.option_labels:
        head, _, rest = path.partition(".")
        field = next((f for f in form.fields if f.key == head), None)
        if field is not None and rest:
            field = next((f for f in field.fields if f.key == rest), None)
        if field is None:
            problems.add(
                lineno,
                f"option_label names field '{path}' but form '{form.key}' does not define it",
            )
        elif not field.options:
            problems.add(lineno, f"option_label names field '{path}', which has no options")
