"""Render every document and e-mail template of each current workflow on a sample case.

`definitions check` runs this after the definitions load cleanly: a template that names a
field the form lacks (`data.dog_nmae`), a filter Jinja does not know or a value that is
not there fails here, with file and line, not when a case reaches the step that renders
it. Each template is rendered on sample cases, each only while the earlier ones pass: one
that answers every field of the form (optional and hidden ones too, each choice with its
first option, `forms.examples.example_answers`); one that answers only what the form
requires (`forms.samples.required_answers`), so a template reading an optional answer
without `{% if %}` fails too; one that answers everything but each choice with its last
option, then one with its 2nd, 3rd, ... option (the last if it has fewer) for as many as
the service's choices need (`forms.samples.chosen_answers`), so every option of every
choice is answered once and a branch only another option reaches is rendered too. Each
sample computes the form's computed values and carries a decision of the transition that
issues the document or sends the e-mail, its inputs answered the same way. The contexts
are the ones real rendering builds (`documents.rendering.build_context`,
`mail.services.build_context`); the environments are the real ones with Jinja's
StrictUndefined, one per check (each template is compiled once for all samples).
Documents are rendered to HTML only.

It lives outside `service.definitions` because it renders with documents and mail,
which import the definitions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
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
from service.sample_cases import Sample, samples

#: The language the sample case is rendered in (every template renders in both).
LANGS = ("de", "en")
SAMPLE_REFERENCE = "SAMPLE-2026-000001"
SAMPLE_CODE = "SAMPLE0000CODE"
SAMPLE_LINK = "https://example.org/cases/1"


def sample_time() -> datetime:
    """The sample case's submission, decision and issue time (Europe/Berlin)."""
    return datetime(2026, 5, 12, 10, 30, tzinfo=ZoneInfo("Europe/Berlin"))


class SampleAnswers(dict[str, Any]):
    """The sample case's answers (or one group item's): a dict that knows which keys its
    form could hold, named `data` (or "an item of 'dogs'") in messages."""

    def __init__(self, answers: dict[str, Any], form_keys: frozenset[str], name: str) -> None:
        super().__init__(answers)
        self.form_keys, self.name = form_keys, name

    @classmethod
    def of(cls, form: FormDefinition, answers: dict[str, Any]) -> SampleAnswers:
        """Return `answers` of `form`, each group item a SampleAnswers of its own."""
        data = dict(answers)
        for f in form.fields:
            if f.fields and isinstance(data.get(f.key), list):
                keys = frozenset(i.key for i in f.fields)
                name = f"an item of '{f.key}'"
                data[f.key] = [cls(item, keys, name) for item in data[f.key]]
        return cls(data, frozenset(f.key for f in form.fields), "'data'")


class _Strict(jinja2.Undefined):
    """Jinja's StrictUndefined, naming the variable: "'data' has no attribute 'x'".

    An answer the form knows but the sample case lacks (an optional or hidden question)
    behaves as in real rendering, where a case may lack it: it is false, equal to nothing,
    empty, so `{% if data.x %}`, `data.x or "-"` and `data.x|default("-")` guard it. Printing
    it, reading from it or handing it to one of our filters is refused: a case without
    the answer would print nothing there, or fail. Anything else undefined is refused
    whatever is done with it (as StrictUndefined does).
    """

    __slots__ = ()

    def _absent_answer(self) -> bool:
        obj = self._undefined_obj
        return isinstance(obj, SampleAnswers) and self._undefined_name in obj.form_keys

    def _only_absent(self) -> None:
        if not self._absent_answer():
            self._fail_with_undefined_error()

    def __str__(self) -> str:
        self._fail_with_undefined_error()

    def __bool__(self) -> bool:
        self._only_absent()
        return False

    def __eq__(self, other: object) -> bool:
        self._only_absent()
        return super().__eq__(other)

    def __hash__(self) -> int:
        self._only_absent()
        return super().__hash__()

    def __len__(self) -> int:
        self._only_absent()
        return 0

    def __iter__(self) -> Iterator[Any]:
        self._only_absent()
        return super().__iter__()

    def __contains__(self, item: object) -> bool:
        self._only_absent()
        return False

    @property
    def _undefined_message(self) -> str:
        from service.cases.decisions import Decision
        from service.definitions.city import City

        obj = self._undefined_obj
        names = {Decision: "'decision'", City: "'city'"}
        name = obj.name if isinstance(obj, SampleAnswers) else names.get(type(obj))
        if self._undefined_hint or name is None or not isinstance(self._undefined_name, str):
            return str(super()._undefined_message)
        if self._absent_answer():
            return (
                f"{name} has no attribute {self._undefined_name!r}, an answer a case may"
                " leave out: guard it with {% if %}"
            )
        return f"{name} has no attribute {self._undefined_name!r}"


def _refusing_absent(env: jinja2.Environment, names: Iterable[str]) -> jinja2.Environment:
    """Return `env` whose filters `names` refuse an absent answer (as printing it does)."""

    def strict(function: Callable[..., Any]) -> Callable[..., Any]:
        def checked(value: Any, *args: Any, **kwargs: Any) -> Any:
            if isinstance(value, jinja2.Undefined):
                value._fail_with_undefined_error()
            return function(value, *args, **kwargs)

        return checked

    # A copy: an overlay shares its filters with the environment real rendering uses.
    env.filters = {**env.filters, **{n: strict(env.filters[n]) for n in names}}
    return env


def check_rendering(registry: Registry, root: Path) -> list[Problem]:
    """Render the templates under `root` of every current workflow; return the failures.

    A template that fails on one sample is not rendered on the later ones: its first
    mistake is the one to mend.
    """
    from service.documents import rendering

    # One environment each for the whole check, with a cache of its own: a template is
    # compiled once for all samples, and never shared with real rendering's environment.
    documents = rendering.environment(root / "pdf").overlay(undefined=_Strict, cache_size=400)
    envs = (_refusing_absent(documents, rendering.FILTERS), _mail_environment(root, registry.city))
    problems: set[Problem] = set()
    for sample in samples(registry):
        failed = {p.path for p in problems}
        for service in registry.current():
            form = registry.form(service.form_key)
            if not sample.covers(service, form):
                continue
            for lang in LANGS:
                found = [
                    *_check_documents(envs[0], service, form, root, registry.city, lang, sample),
                    *_check_mails(envs[1], service, form, root, lang, sample),
                ]
                problems.update(p for p in found if p.path not in failed)
    return sorted(problems)


def _decisions(
    service: ServiceDefinition, issuing: list[Transition], lang: str, sample: Sample
) -> list[Any]:
    """Return a sample decision of each of the `issuing` transitions; [None] for none."""
    from service.cases.decisions import make_decision

    found: list[Any] = []
    for t in issuing:
        staff = [r for r in t.roles if r != APPLICANT]
        found.append(
            make_decision(
                service,
                t,
                service.workflow.state(t.target),
                sample.inputs(t),
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
    env: jinja2.Environment,
    service: ServiceDefinition,
    form: FormDefinition,
    root: Path,
    city: Any,
    lang: str,
    sample: Sample,
) -> Iterator[Problem]:
    from service.documents import rendering

    pdf = root / "pdf"
    data = SampleAnswers.of(form, sample.answers(form))
    for document in service.documents:
        rel = f"{document.template}/document.html"
        issuing = [t for t in service.workflow.transitions if document.key in t.documents]
        for decision in _decisions(service, issuing, lang, sample):
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
            problem = _render(env, rel, pdf, context, sample.said)
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
    return _refusing_absent(env, ("day", "day_time"))


def _check_mails(
    env: jinja2.Environment,
    service: ServiceDefinition,
    form: FormDefinition,
    root: Path,
    lang: str,
    sample: Sample,
) -> Iterator[Problem]:
    from service.mail.services import build_context

    computed = _computed(form, sample.answers(form), lang)
    for name in email_names(service):
        # The e-mail on submission has no decision; the others are sent by a transition.
        issuing = [t for t in service.workflow.transitions if t.notify == name]
        on = [] if name == SUBMITTED_EMAIL else issuing
        for decision in _decisions(service, on, lang, sample):
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
                    problem = _render(env, rel, root, context, sample.said)
                    if problem is not None:
                        yield problem


def _shown(where: str, base: Path) -> str:
    """Name a template under `base` the way every definitions problem names files."""
    return "templates/pdf/" + where if base.name == "pdf" else "templates/" + where


def _render(
    env: jinja2.Environment, rel: str, base: Path, context: dict[str, Any], said: str
) -> Problem | None:
    """Render `rel` (under `base`); return the mistake as a problem in its file and line."""
    try:
        env.get_template(rel).render(context)
    except jinja2.TemplateError as exc:
        where, line = _location(exc, rel, base)
        message = exc.message or type(exc).__name__
        return Problem(_shown(where, base), line, f"{message} ({said})")
    except Exception as exc:  # a filter or a value's method failing on the sample
        where, line = _location(exc, rel, base)
        return Problem(_shown(where, base), line, f"{type(exc).__name__}: {exc} ({said})")
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
