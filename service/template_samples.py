"""Render every document and e-mail template of each current workflow on a sample case.

`definitions check` runs this after the definitions load cleanly: a template that names a
field the form lacks (`data.dog_nmae`), a filter Jinja does not know or a value that is
not there fails here, with file and line, not when a case reaches the step that renders
it. The sample case answers every field of the form (optional and hidden ones too,
`forms.examples.example_answers`), computes the form's computed values, and carries a
decision of the transition that issues the document or sends the e-mail, its inputs
answered the same way. The contexts are the ones real rendering builds
(`documents.rendering.build_context`, `mail.services.build_context`); the environments
are the real ones with Jinja's StrictUndefined. Documents are rendered to HTML only.

It lives outside `service.definitions` because it renders with documents and mail,
which import the definitions.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any
from zoneinfo import ZoneInfo

import jinja2

from service.definitions.errors import Problem
from service.definitions.registry import Registry
from service.definitions.template_files import EMAIL_PARTS, SUBMITTED_EMAIL, email_names
from service.definitions.types import FormDefinition, ServiceDefinition
from service.engine import APPLICANT, Transition

#: The language the sample case is rendered in (every template renders in both).
LANGS = ("de", "en")
SAMPLE_REFERENCE = "SAMPLE-2026-000001"
SAMPLE_CODE = "SAMPLE0000CODE"
SAMPLE_LINK = "https://example.org/cases/1"


def sample_time() -> datetime:
    """The sample case's submission, decision and issue time (Europe/Berlin)."""
    return datetime(2026, 5, 12, 10, 30, tzinfo=ZoneInfo("Europe/Berlin"))


class SampleAnswers(dict[str, Any]):
    """The sample case's answers: a dict, named `data` in messages."""


class _Strict(jinja2.StrictUndefined):
    """StrictUndefined naming the template's variable: "'data' has no attribute 'x'"."""

    @property
    def _undefined_message(self) -> str:
        from service.cases.decisions import Decision
        from service.definitions.city import City

        names = {SampleAnswers: "data", Decision: "decision", City: "city"}
        name = names.get(type(self._undefined_obj))
        if self._undefined_hint or name is None or not isinstance(self._undefined_name, str):
            return str(super()._undefined_message)
        return f"'{name}' has no attribute {self._undefined_name!r}"


def check_rendering(registry: Registry, root: Path) -> list[Problem]:
    """Render the templates under `root` of every current workflow; return the failures."""
    problems: set[Problem] = set()
    for service in registry.current():
        form = registry.form(service.form_key)
        for lang in LANGS:
            problems.update(_check_documents(service, form, root, registry.city, lang))
            problems.update(_check_mails(service, form, root, registry.city, lang))
    return sorted(problems)


def _decisions(service: ServiceDefinition, issuing: list[Transition], lang: str) -> list[Any]:
    """Return a sample decision of each of the `issuing` transitions; [None] for none."""
    from service.cases.decisions import input_fields, make_decision
    from service.forms.examples import example_answers

    found: list[Any] = []
    for t in issuing:
        staff = [r for r in t.roles if r != APPLICANT]
        found.append(
            make_decision(
                service,
                t,
                service.workflow.state(t.target),
                example_answers(input_fields(t)),
                lang,
                role=staff[0] if staff else None,
                by="Erika Mustermann",
                at=sample_time(),
            )
        )
    return found or [None]


def _computed(form: FormDefinition, data: dict[str, Any], lang: str) -> dict[str, Any]:
    from service.forms.computed import computed_values

    return {c.key: c for c in computed_values(form, data, lang)} if form.computed else {}


def _check_documents(
    service: ServiceDefinition, form: FormDefinition, root: Path, city: Any, lang: str
) -> Iterator[Problem]:
    from service.documents import rendering
    from service.forms.examples import example_answers

    pdf = root / "pdf"
    env = rendering.environment(pdf).overlay(undefined=_Strict, cache_size=0)
    data = SampleAnswers(example_answers(form.fields))
    for document in service.documents:
        rel = f"{document.template}/document.html"
        issuing = [t for t in service.workflow.transitions if document.key in t.documents]
        for decision in _decisions(service, issuing, lang):
            context = rendering.build_context(
                data=data,
                reference=SAMPLE_REFERENCE,
                service_title=service.title.get(lang),
                document_title=document.title.get(lang),
                submitted_at=sample_time(),
                issued_at=sample_time(),
                verification_code=SAMPLE_CODE,
                verify_url=f"{SAMPLE_LINK}/verify",
                form=form,
                lang=lang,
                computed=_computed(form, data, lang),
                city=city,
                department=document.department,
                decision=decision,
            )
            problem = _render(env, rel, pdf, context)
            if problem is not None:
                yield problem


def _mail_environment(root: Path, city: Any) -> jinja2.Environment:
    """The app's e-mail rendering (filters `day`, `day_time`, global `city`), but strict."""
    from service.forms.display import day_filter, day_time_filter

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(root)),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=_Strict,
    )
    env.filters.update(day=day_filter, day_time=day_time_filter)
    env.globals["city"] = city
    return env


def _check_mails(
    service: ServiceDefinition, form: FormDefinition, root: Path, city: Any, lang: str
) -> Iterator[Problem]:
    from service.forms.examples import example_answers
    from service.mail.services import build_context

    env = _mail_environment(root, city)
    computed = _computed(form, example_answers(form.fields), lang)
    for name in email_names(service):
        # The e-mail on submission has no decision; the others are sent by a transition.
        issuing = [t for t in service.workflow.transitions if t.notify == name]
        for decision in _decisions(service, [] if name == SUBMITTED_EMAIL else issuing, lang):
            state = decision.state.title if decision is not None else ""
            context = build_context(
                lang=lang,
                name="Erika Mustermann",
                reference=SAMPLE_REFERENCE,
                service_title=service.title.get(lang),
                state_title=state or service.workflow.initial_state.title.get(lang),
                link=SAMPLE_LINK,
                computed=computed,
                decision=decision,
            )
            for part in EMAIL_PARTS:
                rel = f"email/{name}/{part}"
                if (root / rel).is_file():
                    problem = _render(env, rel, root, context)
                    if problem is not None:
                        yield problem


def _shown(where: str, base: Path) -> str:
    """Name a template under `base` the way every definitions problem names files."""
    return "templates/pdf/" + where if base.name == "pdf" else "templates/" + where


def _render(
    env: jinja2.Environment, rel: str, base: Path, context: dict[str, Any]
) -> Problem | None:
    """Render `rel` (under `base`); return the mistake as a problem in its file and line."""
    try:
        env.get_template(rel).render(context)
    except jinja2.TemplateError as exc:
        where, line = _location(exc, rel, base)
        message = exc.message or type(exc).__name__
        return Problem(_shown(where, base), line, f"{message} (rendered on a sample case)")
    except Exception as exc:  # a filter or a value's method failing on the sample
        where, line = _location(exc, rel, base)
        return Problem(
            _shown(where, base), line, f"{type(exc).__name__}: {exc} (rendered on a sample case)"
        )
    return None


def _location(exc: BaseException, rel: str, root: Path) -> tuple[str, int]:
    """Return the template file (under `root`) and line an error was raised in."""
    name = getattr(exc, "name", None)
    lineno = getattr(exc, "lineno", None)
    if isinstance(exc, jinja2.TemplateSyntaxError) and name and lineno:
        return str(name), int(lineno)
    # Jinja rewrites tracebacks: a template's frames carry its file name and line.
    prefix = str(root.resolve()) + "/"
    found: tuple[str, int] | None = None
    tb: TracebackType | None = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.startswith(prefix):
            found = (filename[len(prefix) :], tb.tb_lineno)
        elif filename == str(root / rel):
            found = (rel, tb.tb_lineno)
        tb = tb.tb_next
    return found or (rel, 1)
