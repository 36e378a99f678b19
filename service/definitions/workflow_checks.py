"""The checks of one workflow, as small named rules.

Each rule looks at one thing (states, transitions, roles, the form, templates, the state
graph) and reports every mistake it finds with its line into `WorkflowCheck.problems`.
`WORKFLOW_RULES` lists them in the order they run; the order does not change what is
reported (problems are sorted by file and line). A new check is a new function added to
the list, not another branch in a long function.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from service.definitions.credential_checks import check_credentials
from service.definitions.errors import Problems
from service.definitions.expressions import check as check_expression
from service.definitions.expressions import list_bounds
from service.definitions.form_checks import duplicates
from service.definitions.scope import case_scope, form_scope, guard_scope
from service.definitions.types import FieldDefinition, FormDefinition, Page, ServiceDefinition
from service.engine.types import APPLICANT, State, Transition, Workflow
from service.rules.typecheck import CelType


@dataclass(frozen=True)
class WorkflowCheck:
    """What the workflow rules look at: the service, its form, where templates live."""

    service: ServiceDefinition
    problems: Problems
    stem: str
    forms: Mapping[str, FormDefinition | None]
    templates_root: Path | None

    @property
    def workflow(self) -> Workflow:
        return self.service.workflow

    @cached_property
    def states(self) -> dict[str, State]:
        return {s.name: s for s in self.workflow.states}

    @cached_property
    def form(self) -> FormDefinition | None:
        return self.forms.get(self.service.form_key)

    @cached_property
    def scope(self) -> dict[str, CelType] | None:
        """The names a case's expressions read, or None when the form is unusable."""
        return case_scope(self.form) if self.form is not None else None

    @cached_property
    def bounds(self) -> Mapping[str, int]:
        return list_bounds(self.form.fields) if self.form is not None else {}

    def each_transition(self) -> list[tuple[str, Transition]]:
        """Each transition with the words its mistakes start with."""
        return [(f"transition '{t.name}'", t) for t in self.workflow.transitions]


WorkflowRule = Callable[[WorkflowCheck], None]


def key_matches_file(c: WorkflowCheck) -> None:
    if c.workflow.key != c.stem:
        c.problems.add(1, f"workflow key '{c.workflow.key}' must equal the file name '{c.stem}'")


def states_are_unique(c: WorkflowCheck) -> None:
    states = c.workflow.states
    for dup in duplicates(s.name for s in states):
        c.problems.add(next(s.line for s in states if s.name == dup), f"duplicate state '{dup}'")


def transitions_are_unique(c: WorkflowCheck) -> None:
    transitions = c.workflow.transitions
    for dup in duplicates(t.name for t in transitions):
        line = next(t.line for t in transitions if t.name == dup)
        c.problems.add(line, f"duplicate transition '{dup}'")


def one_initial_state(c: WorkflowCheck) -> None:
    initial = [s for s in c.workflow.states if s.initial]
    if len(initial) != 1:
        c.problems.add(1, f"workflow needs exactly one initial state (found {len(initial)})")


def form_exists(c: WorkflowCheck) -> None:
    # A form file too broken to read stands as None: its own mistakes are reported.
    key = c.service.form_key
    if key not in c.forms:
        c.problems.add(
            getattr(key, "line", 1),
            f"workflow names form '{key}' but forms/{key}.yaml is missing",
        )


def transitions_start_from_known_states(c: WorkflowCheck) -> None:
    for what, t in c.each_transition():
        for source in t.sources:
            if source not in c.states:
                c.problems.add(t.line, f"{what} starts from unknown state '{source}'")


def final_states_stay_final(c: WorkflowCheck) -> None:
    """A decided case may still be revoked, but a closed case stays closed."""
    for what, t in c.each_transition():
        target = c.states.get(t.target)
        for source in t.sources:
            if source in c.states and c.states[source].final and not (target and target.final):
                c.problems.add(
                    t.line, f"{what} leaves final state '{source}' for a state that is not final"
                )


def transitions_go_to_known_states(c: WorkflowCheck) -> None:
    for what, t in c.each_transition():
        if t.target not in c.states:
            c.problems.add(t.line, f"{what} goes to unknown state '{t.target}'")


def transition_roles_are_defined(c: WorkflowCheck) -> None:
    roles = {r.name for r in c.service.roles} | {APPLICANT}
    for what, t in c.each_transition():
        for role in t.roles:
            if role not in roles:
                c.problems.add(
                    t.line, f"{what} names role '{role}' but the workflow's roles do not define it"
                )


def distinct_from_names_transitions(c: WorkflowCheck) -> None:
    names = {t.name for t in c.workflow.transitions}
    for what, t in c.each_transition():
        for other in t.distinct_from:
            if other not in names:
                c.problems.add(t.line, f"{what}: distinct_from names unknown transition '{other}'")


def transition_documents_are_defined(c: WorkflowCheck) -> None:
    documents = {d.key for d in c.service.documents}
    for what, t in c.each_transition():
        for doc in t.documents:
            if doc not in documents:
                c.problems.add(
                    t.line, f"{what} issues document '{doc}' but 'documents' does not define it"
                )


def guards_type_check(c: WorkflowCheck) -> None:
    if c.scope is None:
        return
    for what, t in c.each_transition():
        if t.guard_source:
            names = guard_scope(c.scope, (i.name for i in t.inputs))
            check_expression(
                c.problems, t.line, f"{what}: guard", t.guard_source, names, bounds=c.bounds
            )


def inputs_type_check(c: WorkflowCheck) -> None:
    """An input's `visible_if` and `required_if` read the transition's inputs, like a
    form's conditions read its answers (its `min`/`max` are checked when it is read)."""
    for what, t in c.each_transition():
        fields = tuple(i.field for i in t.inputs if isinstance(i.field, FieldDefinition))
        if not fields:
            continue
        page = Page(key="inputs", title=t.title, fields=tuple(f.key for f in fields))
        form = FormDefinition(key=t.name, version=1, title=t.title, pages=(page,), fields=fields)
        scope, bounds = form_scope(form), list_bounds(fields)
        for f in fields:
            for key, source in (("visible_if", f.visible_if), ("required_if", f.required_if)):
                check_expression(
                    c.problems,
                    f.line,
                    f"{what}: input '{f.key}': {key}",
                    source,
                    scope,
                    bounds=bounds,
                )


def notify_templates_exist(c: WorkflowCheck) -> None:
    if c.templates_root is None:
        return
    for what, t in c.each_transition():
        if t.notify and not (c.templates_root / "email" / t.notify / "subject.txt").is_file():
            c.problems.add(
                t.line, f"{what}: e-mail template templates/email/{t.notify}/ is missing"
            )


def applicant_name_type_checks(c: WorkflowCheck) -> None:
    name = c.service.applicant_name
    if c.scope is not None and name:
        line = getattr(name, "line", 1)
        check_expression(
            c.problems, line, "applicant_name", name, c.scope, expect="string", bounds=c.bounds
        )


def document_templates_exist(c: WorkflowCheck) -> None:
    if c.templates_root is None:
        return
    for d in c.service.documents:
        if not (c.templates_root / "pdf" / d.template / "document.html").is_file():
            c.problems.add(
                d.line,
                f"document '{d.key}': template templates/pdf/{d.template}/document.html is missing",
            )


def credentials_are_consistent(c: WorkflowCheck) -> None:
    check_credentials(c.service, c.problems, c.scope, c.bounds)


def _reachable(workflow: Workflow) -> tuple[str | None, set[str]]:
    """Return the initial state and every state a case can reach from it."""
    start = next((s.name for s in workflow.states if s.initial), None)
    reached = {start} if start else set()
    frontier = list(reached)
    while frontier:
        current = frontier.pop()
        for t in workflow.transitions:
            if current in t.sources and t.target not in reached:
                reached.add(t.target)
                frontier.append(t.target)
    return start, reached


def states_are_reachable(c: WorkflowCheck) -> None:
    start, reached = _reachable(c.workflow)
    if start is None:
        return  # reported by one_initial_state
    for s in c.workflow.states:
        if s.name not in reached:
            c.problems.add(
                s.line, f"state '{s.name}' cannot be reached from the initial state '{start}'"
            )


def states_are_left_or_final(c: WorkflowCheck) -> None:
    if not any(s.initial for s in c.workflow.states):
        return
    left = {source for t in c.workflow.transitions for source in t.sources}
    for s in c.workflow.states:
        if not s.final and s.name not in left:
            c.problems.add(s.line, f"state '{s.name}' is not final but no transition leaves it")


def final_states_tell_the_resident(c: WorkflowCheck) -> None:
    if not any(s.initial for s in c.workflow.states):
        return
    for s in c.workflow.states:
        if s.final and s.resident_text is None:
            c.problems.add(
                s.line,
                f"state '{s.name}' is final: give it a 'resident_text' {{de, en}} that tells "
                "the resident what happened (shown on the case page and in e-mails)",
            )


WORKFLOW_RULES: tuple[WorkflowRule, ...] = (
    key_matches_file,
    states_are_unique,
    transitions_are_unique,
    one_initial_state,
    form_exists,
    transitions_start_from_known_states,
    final_states_stay_final,
    transitions_go_to_known_states,
    transition_roles_are_defined,
    distinct_from_names_transitions,
    transition_documents_are_defined,
    guards_type_check,
    inputs_type_check,
    notify_templates_exist,
    applicant_name_type_checks,
    document_templates_exist,
    credentials_are_consistent,
    states_are_reachable,
    states_are_left_or_final,
    final_states_tell_the_resident,
)
