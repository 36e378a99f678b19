"""Plain data types of the workflow engine.

The engine is the pure core of amtsweg: no Flask, no database, no other package of
ours. The definitions loader builds these objects from `workflows/<key>.yaml`; the
cases package hands the engine a `CaseSnapshot` and gets a `Decision` back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

#: Role name that stands for "the person who submitted this case".
APPLICANT = "applicant"

#: A guard receives {"data": <case data>, "inputs": <transition inputs>} and says yes or no.
Guard = Callable[[Mapping[str, Any]], bool]


@dataclass(frozen=True)
class Text:
    """A text in German and English; German is the default."""

    de: str
    en: str = ""

    def get(self, lang: str | None = None) -> str:
        """Return the text in `lang`, falling back to German."""
        if lang == "en" and self.en:
            return self.en
        return self.de


@dataclass(frozen=True)
class State:
    """One state of a workflow."""

    name: str
    title: Text
    initial: bool = False
    final: bool = False
    #: Time allowed for this step; entering the state sets the case's due date.
    deadline: timedelta | None = None
    #: While a case is here (waiting for the resident) the legal clock stands still.
    pauses_clock: bool = False
    #: What the resident reads about a case in this state (portal, e-mails); required
    #: on final states, so that a rejected or withdrawn case says what happened.
    resident_text: Text | None = None
    line: int = 0


@dataclass(frozen=True)
class TransitionInput:
    """An input the actor must (or may) give when firing a transition, e.g. a reason."""

    name: str
    label: Text
    type: str = "text"  # a form field type: text, textarea, date, number, select, yesno, ...
    required: bool = True
    max_length: int = 2000
    #: The input as a form field (service.definitions' FieldDefinition), opaque here: typed
    #: inputs are validated by the form engine before the engine sees them.
    field: Any = None


@dataclass(frozen=True)
class Transition:
    """A named move from one of `sources` to `target`."""

    name: str
    title: Text
    sources: tuple[str, ...]
    target: str
    #: Who may fire it: workflow roles and/or APPLICANT. Empty means nobody (system only).
    roles: tuple[str, ...]
    inputs: tuple[TransitionInput, ...] = ()
    guard: Guard | None = None
    guard_source: str | None = None
    guard_message: Text | None = None
    #: Four eyes: the actor must differ from whoever fired any of these transitions before.
    distinct_from: tuple[str, ...] = ()
    #: Number of distinct approvers needed before the case moves (each firing counts one).
    approvals: int = 1
    #: Document keys rendered after the transition commits.
    documents: tuple[str, ...] = ()
    #: Extra event types emitted besides the generic `case.transitioned`.
    events: tuple[str, ...] = ()
    #: E-mail the applicant about this transition (template key), if any.
    notify: str | None = None
    line: int = 0
    #: Taken from a shared file (`uses:`), perhaps changed by the workflow. Only where it is
    #: listed depends on it (`Workflow.listed_transitions`), not the stored version.
    shared: bool = False


@dataclass(frozen=True)
class Workflow:
    """States and transitions of one workflow version, read top to bottom."""

    key: str
    version: int
    title: Text
    states: tuple[State, ...]
    transitions: tuple[Transition, ...]
    #: The titles of the workflow's staff roles (`roles:`), for what people read.
    role_titles: tuple[tuple[str, Text], ...] = ()

    def role_title(self, name: str) -> Text:
        """Return the title of role `name` ("Meldebehörde"), or the name when it has none."""
        return next((title for key, title in self.role_titles if key == name), Text(name, name))

    def state(self, name: str) -> State:
        """Return the state called `name` or raise KeyError."""
        for s in self.states:
            if s.name == name:
                return s
        raise KeyError(name)

    def listed_transitions(self) -> list[Transition]:
        """Return the transitions in the order people are offered them.

        The workflow's own come first in their written order, the staff steps it took from
        a shared file (ask the applicant, reject) after them: a case worker finds the
        decision first. The applicant's shared reply keeps its place, before withdrawing.
        """
        return sorted(self.transitions, key=lambda t: t.shared and APPLICANT not in t.roles)

    def listed_from(self, state: str) -> tuple[Transition, ...]:
        """Return the transitions out of `state`, in `listed_transitions` order.

        Kept per state: every case view asks, and sorting all transitions each time cost
        more than the rest of the engine's answer.
        """
        found = self._listed_by_source.get(state)
        if found is None:
            return tuple(t for t in self.listed_transitions() if state in t.sources)
        return found

    @cached_property
    def _listed_by_source(self) -> dict[str, tuple[Transition, ...]]:
        listed = self.listed_transitions()
        return {s.name: tuple(t for t in listed if s.name in t.sources) for s in self.states}

    @cached_property
    def has_guards(self) -> bool:
        """Whether any transition has a guard (reads the case's answers)."""
        return any(t.guard is not None for t in self.transitions)

    def transition(self, name: str) -> Transition:
        """Return the transition called `name` or raise KeyError."""
        for t in self.transitions:
            if t.name == name:
                return t
        raise KeyError(name)

    @property
    def initial_state(self) -> State:
        """Return the one initial state."""
        return next(s for s in self.states if s.initial)


@dataclass(frozen=True)
class Actor:
    """Someone who acts on a case: a resident, a staff member, an API client or the system."""

    id: str
    kind: str = "user"  # "user", "client" or "system"
    roles: frozenset[str] = frozenset()
    label: str = ""


@dataclass(frozen=True)
class HistoryEntry:
    """A transition fired earlier on the case (from the audit trail)."""

    transition: str
    actor_id: str
    at: datetime
    from_state: str
    to_state: str


@dataclass(frozen=True)
class CaseSnapshot:
    """What the engine needs to know about a case to decide a transition."""

    state: str
    applicant_id: str
    data: Mapping[str, Any]
    history: tuple[HistoryEntry, ...] = ()
    due_at: datetime | None = None
    clock_paused_at: datetime | None = None


@dataclass(frozen=True)
class Decision:
    """The outcome of firing a transition: what the case becomes and what follows."""

    transition: str
    from_state: str
    to_state: str
    #: False when the transition only recorded one of several required approvals.
    completed: bool
    due_at: datetime | None
    clock_paused_at: datetime | None
    inputs: Mapping[str, str] = field(default_factory=dict)
    documents: tuple[str, ...] = ()
    events: tuple[str, ...] = ()
    notify: str | None = None
