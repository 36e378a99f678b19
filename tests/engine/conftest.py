"""A small hand-built workflow and the people who act on it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from service.engine import (
    APPLICANT,
    Actor,
    CaseSnapshot,
    HistoryEntry,
    State,
    Text,
    Transition,
    TransitionInput,
    Workflow,
)

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def workflow() -> Workflow:
    """Return a dog-tax workflow with a waiting state, a guard, four eyes and two approvals."""
    return Workflow(
        key="dog_tax",
        version=1,
        title=Text(de="Hundesteuer", en="Dog tax"),
        states=(
            State("submitted", Text("Eingegangen", "Submitted"), initial=True,
                  deadline=timedelta(days=14)),
            State("in_review", Text("In Prüfung", "In review"), deadline=timedelta(days=10)),
            State("waiting_for_resident", Text("Rückfrage", "Waiting for resident"),
                  pauses_clock=True),
            State("waiver_proposed", Text("Befreiung vorgeschlagen", "Waiver proposed")),
            State("approved", Text("Genehmigt", "Approved"), final=True),
            State("rejected", Text("Abgelehnt", "Rejected"), final=True),
        ),
        transitions=(
            Transition("start_review", Text("Prüfung beginnen", "Start review"),
                       ("submitted",), "in_review", ("tax_officer",)),
            Transition(
                "request_info", Text("Rückfrage stellen", "Request information"),
                ("in_review",), "waiting_for_resident", ("tax_officer",),
                inputs=(TransitionInput("question", Text("Frage", "Question"), "textarea",
                                        max_length=20),),
                notify="info_requested",
            ),
            Transition("answer", Text("Rückfrage beantworten", "Answer"),
                       ("waiting_for_resident",), "in_review", (APPLICANT,)),
            Transition("add_note", Text("Notiz hinzufügen", "Add note"),
                       ("in_review",), "in_review", ("tax_officer",)),
            Transition(
                "approve", Text("Genehmigen", "Approve"), ("in_review",), "approved",
                ("tax_officer",),
                guard=lambda ctx: ctx["data"]["breed_certificate"] is not None,
                guard_message=Text("Der Rassenachweis fehlt.", "The breed certificate is missing."),
                documents=("tax_notice",), events=("case.approved",), notify="decided",
            ),
            Transition(
                "reject", Text("Ablehnen", "Reject"), ("in_review",), "rejected",
                ("tax_officer",),
                inputs=(TransitionInput("reason", Text("Begründung", "Reason"), "textarea"),
                        TransitionInput("note", Text("Vermerk", "Note"), required=False)),
                # check() and available() show guards no inputs; this one copes.
                guard=lambda ctx: ctx["inputs"].get("reason") != "no reason",
            ),
            Transition("propose_waiver", Text("Befreiung vorschlagen", "Propose waiver"),
                       ("in_review",), "waiver_proposed", ("tax_officer",)),
            Transition(
                "approve_waiver", Text("Befreiung genehmigen", "Approve waiver"),
                ("waiver_proposed",), "approved", ("tax_officer", "head_of_unit"),
                distinct_from=("propose_waiver",), approvals=2, documents=("waiver_notice",),
            ),
            Transition("withdraw", Text("Zurückziehen", "Withdraw"),
                       ("submitted", "in_review", "waiting_for_resident"), "rejected",
                       (APPLICANT, "tax_officer")),
            Transition("expire", Text("Frist abgelaufen", "Expire"),
                       ("waiting_for_resident",), "rejected", ()),
        ),
    )  # fmt: skip


@pytest.fixture
def resident() -> Actor:
    return Actor("resident-1", roles=frozenset())


@pytest.fixture
def other_resident() -> Actor:
    return Actor("resident-2", roles=frozenset())


@pytest.fixture
def officer() -> Actor:
    return Actor("officer-1", roles=frozenset({"tax_officer"}))


@pytest.fixture
def second_officer() -> Actor:
    return Actor("officer-2", roles=frozenset({"tax_officer"}))


@pytest.fixture
def head_of_unit() -> Actor:
    return Actor("head-1", roles=frozenset({"head_of_unit"}))


@pytest.fixture
def parking_officer() -> Actor:
    return Actor("parking-1", roles=frozenset({"parking_officer"}))


@pytest.fixture
def system() -> Actor:
    return Actor("system", kind="system")


MakeCase = Callable[..., CaseSnapshot]


@pytest.fixture
def make_case() -> MakeCase:
    """Return a factory for case snapshots of resident-1 with a breed certificate."""

    def make(
        state: str = "in_review",
        *,
        data: dict[str, Any] | None = None,
        history: tuple[HistoryEntry, ...] = (),
        due_at: datetime | None = NOW + timedelta(days=10),
        clock_paused_at: datetime | None = None,
    ) -> CaseSnapshot:
        return CaseSnapshot(
            state=state,
            applicant_id="resident-1",
            data={"breed_certificate": {"name": "cert.pdf"}} if data is None else data,
            history=history,
            due_at=due_at,
            clock_paused_at=clock_paused_at,
        )

    return make


MakeEntry = Callable[[str, str, str, str], HistoryEntry]


@pytest.fixture
def entry() -> MakeEntry:
    """Return a factory for history entries: (transition, actor id, from state, to state)."""

    def make(transition: str, actor_id: str, from_state: str, to_state: str) -> HistoryEntry:
        return HistoryEntry(transition, actor_id, NOW, from_state, to_state)

    return make


@pytest.fixture
def now() -> datetime:
    """Return the fixed moment every test acts at."""
    return NOW
