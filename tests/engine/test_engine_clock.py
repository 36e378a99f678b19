"""Deadlines and the legal clock: due dates, pauses while waiting for the resident."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from service.engine import decide, is_overdue


def test_entering_a_state_with_a_deadline_sets_the_due_date(workflow, make_case, officer, now):
    case = make_case("submitted", due_at=now + timedelta(days=1))
    decision = decide(workflow, case, "start_review", officer, {}, now)
    assert decision.due_at == now + timedelta(days=10)


def test_waiting_for_resident_pauses_the_clock(workflow, make_case, officer, now):
    due = now + timedelta(days=4)
    decision = decide(
        workflow, make_case(due_at=due), "request_info", officer, {"question": "Welche Rasse?"}, now
    )
    assert decision.to_state == "waiting_for_resident"
    assert decision.due_at == due
    assert decision.clock_paused_at == now
    assert decision.notify == "info_requested"


def test_answer_resumes_the_clock_and_the_new_deadline_overrides(
    workflow, make_case, resident, now
):
    paused_at = now - timedelta(days=5)
    case = make_case("waiting_for_resident", due_at=now, clock_paused_at=paused_at)
    decision = decide(workflow, case, "answer", resident, {}, now)
    assert decision.clock_paused_at is None
    # in_review has its own deadline of ten days, which wins over the shifted due date.
    assert decision.due_at == now + timedelta(days=10)


def test_leaving_a_pause_shifts_the_due_date_by_the_time_waited(workflow, make_case, resident, now):
    relaxed = replace(
        workflow,
        states=tuple(
            replace(s, deadline=None) if s.name == "in_review" else s for s in workflow.states
        ),
    )
    due = now + timedelta(days=2)
    case = make_case("waiting_for_resident", due_at=due, clock_paused_at=now - timedelta(days=5))
    decision = decide(relaxed, case, "answer", resident, {}, now)
    assert decision.due_at == due + timedelta(days=5)
    assert decision.clock_paused_at is None


def test_final_state_clears_the_clock(workflow, make_case, system, now):
    case = make_case("waiting_for_resident", clock_paused_at=now - timedelta(days=1))
    decision = decide(workflow, case, "expire", system, {}, now)
    assert (decision.due_at, decision.clock_paused_at) == (None, None)


def test_staying_in_the_state_keeps_the_due_date(workflow, make_case, officer, now):
    due = now + timedelta(days=3)
    decision = decide(workflow, make_case(due_at=due), "add_note", officer, {}, now)
    assert decision.to_state == "in_review"
    assert decision.due_at == due


def test_incomplete_approval_leaves_the_clock_alone(
    workflow, make_case, second_officer, entry, now
):
    due = now + timedelta(days=3)
    case = make_case(
        "waiver_proposed",
        due_at=due,
        history=(entry("propose_waiver", "officer-1", "in_review", "waiver_proposed"),),
    )
    decision = decide(workflow, case, "approve_waiver", second_officer, {}, now)
    assert (decision.due_at, decision.clock_paused_at) == (due, None)


@pytest.mark.parametrize(
    ("due_in", "paused", "overdue"),
    [
        (timedelta(days=-1), False, True),
        (timedelta(days=1), False, False),
        (timedelta(0), False, False),
        (timedelta(days=-1), True, False),
        (None, False, False),
    ],
)
def test_is_overdue(now, due_in, paused, overdue):
    due_at = None if due_in is None else now + due_in
    paused_at = now - timedelta(days=3) if paused else None
    assert is_overdue(due_at, paused_at, now) is overdue
