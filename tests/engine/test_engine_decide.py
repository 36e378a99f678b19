"""decide() and start_case(): what firing a transition does to a case."""

from __future__ import annotations

from datetime import timedelta

import pytest

from service.engine import (
    SUBMIT,
    InputsInvalid,
    Reason,
    TransitionNotAllowed,
    decide,
    start_case,
)


def test_new_case_starts_in_the_initial_state_with_its_deadline(workflow, now):
    decision = start_case(workflow, now)
    assert decision.transition == SUBMIT == "submit"
    assert (decision.from_state, decision.to_state) == ("", "submitted")
    assert decision.completed
    assert decision.due_at == now + timedelta(days=14)
    assert decision.clock_paused_at is None


def test_approve_moves_the_case_and_names_its_effects(workflow, make_case, officer, now):
    decision = decide(workflow, make_case(), "approve", officer, {}, now)
    assert decision.completed
    assert (decision.from_state, decision.to_state) == ("in_review", "approved")
    assert decision.documents == ("tax_notice",)
    assert decision.events == ("case.approved",)
    assert decision.notify == "decided"


def test_decide_refuses_what_check_refuses(workflow, make_case, parking_officer, now):
    with pytest.raises(TransitionNotAllowed) as info:
        decide(workflow, make_case(), "approve", parking_officer, {}, now)
    assert info.value.reason == Reason.WRONG_ROLE


def test_required_reason_missing_is_refused(workflow, make_case, officer, now):
    with pytest.raises(InputsInvalid) as info:
        decide(workflow, make_case(), "reject", officer, {"reason": "   "}, now)
    assert set(info.value.errors) == {"reason"}
    assert info.value.errors["reason"].de == "Bitte „Begründung“ ausfüllen."
    assert info.value.errors["reason"].en == "Please fill in “Reason”."


def test_too_long_input_is_refused_with_the_limit(workflow, make_case, officer, now):
    with pytest.raises(InputsInvalid) as info:
        decide(workflow, make_case(), "request_info", officer, {"question": "x" * 21}, now)
    assert info.value.errors["question"].en == (
        "“Question” may be at most 20 characters long (now 21)."
    )


def test_inputs_are_stripped_and_unknown_ones_dropped(workflow, make_case, officer, now):
    decision = decide(
        workflow, make_case(), "reject", officer, {"reason": "  No dog.\n", "extra": "x"}, now
    )
    assert decision.inputs == {"reason": "No dog.", "note": ""}


def test_inputs_are_checked_before_the_guard(workflow, make_case, officer, now):
    # The reject guard reads inputs["reason"]; a missing reason must say so, not "guard".
    with pytest.raises(InputsInvalid):
        decide(workflow, make_case(), "reject", officer, {}, now)


def test_guard_sees_the_inputs(workflow, make_case, officer, now):
    with pytest.raises(TransitionNotAllowed) as info:
        decide(workflow, make_case(), "reject", officer, {"reason": "no reason"}, now)
    assert info.value.reason == Reason.GUARD_FAILED
    assert info.value.message.en == "The conditions for “Reject” are not met."


def test_two_distinct_approvers_needed_before_case_moves(
    workflow, make_case, officer, second_officer, head_of_unit, entry, now
):
    proposed = entry("propose_waiver", officer.id, "in_review", "waiver_proposed")
    first = decide(
        workflow, make_case("waiver_proposed", history=(proposed,)), "approve_waiver",
        second_officer, {}, now,
    )  # fmt: skip
    assert not first.completed
    assert (first.from_state, first.to_state) == ("waiver_proposed", "waiver_proposed")
    assert (first.documents, first.events, first.notify) == ((), (), None)

    approved_once = entry("approve_waiver", second_officer.id, "waiver_proposed", "waiver_proposed")
    case = make_case("waiver_proposed", history=(proposed, approved_once))
    second = decide(workflow, case, "approve_waiver", head_of_unit, {}, now)
    assert second.completed
    assert second.to_state == "approved"
    assert second.documents == ("waiver_notice",)


def test_approvals_from_an_earlier_round_do_not_count(
    workflow, make_case, officer, second_officer, head_of_unit, entry, now
):
    history = (
        entry("propose_waiver", officer.id, "in_review", "waiver_proposed"),
        entry("approve_waiver", head_of_unit.id, "waiver_proposed", "waiver_proposed"),
        # Sent back for review and proposed again: a new round of approvals begins.
        entry("reopen", head_of_unit.id, "waiver_proposed", "in_review"),
        entry("propose_waiver", officer.id, "in_review", "waiver_proposed"),
    )
    case = make_case("waiver_proposed", history=history)
    assert not decide(workflow, case, "approve_waiver", second_officer, {}, now).completed
    # The head of unit approved only in the earlier round, so may approve again.
    assert not decide(workflow, case, "approve_waiver", head_of_unit, {}, now).completed
