"""available(): what the portal and the back office offer, enabled or disabled."""

from __future__ import annotations

from dataclasses import replace

from service.engine import Reason, available


def names(options):
    return [option.transition.name for option in options]


def test_officer_sees_staff_transitions_out_of_the_current_state(workflow, make_case, officer):
    options = available(workflow, make_case("in_review"), officer)
    assert names(options) == [
        "request_info", "add_note", "approve", "reject", "propose_waiver", "withdraw",
    ]  # fmt: skip
    assert all(option.allowed and option.reason is None for option in options)


def shared_review(workflow):
    """Return `workflow` as if it took its review steps from a shared file (`uses:`)."""
    review = {"start_review", "request_info", "answer", "reject"}
    transitions = tuple(replace(t, shared=t.name in review) for t in workflow.transitions)
    return replace(workflow, transitions=transitions)


def test_the_workflows_own_transitions_come_before_the_shared_review_steps(
    workflow, make_case, officer
):
    options = available(shared_review(workflow), make_case("in_review"), officer)
    assert names(options) == [
        "add_note", "approve", "propose_waiver", "withdraw", "request_info", "reject",
    ]  # fmt: skip


def test_the_applicants_shared_reply_stays_before_withdrawing(workflow, make_case, resident):
    options = available(shared_review(workflow), make_case("waiting_for_resident"), resident)
    assert names(options) == ["answer", "withdraw"]


def test_wrong_role_transitions_are_shown_disabled_with_reason(
    workflow, make_case, parking_officer
):
    options = available(workflow, make_case("in_review"), parking_officer)
    approve = next(o for o in options if o.transition.name == "approve")
    assert not approve.allowed
    assert approve.reason is not None
    assert approve.reason.reason == Reason.WRONG_ROLE
    assert "tax_officer" in approve.reason.message.de


def test_guard_failure_is_shown_disabled_with_guard_message(workflow, make_case, officer):
    case = make_case(data={"breed_certificate": None})
    approve = next(o for o in available(workflow, case, officer) if o.transition.name == "approve")
    assert not approve.allowed
    assert approve.reason is not None
    assert approve.reason.message.de == "Der Rassenachweis fehlt."


def test_applicant_sees_only_own_transitions(workflow, make_case, resident):
    options = available(workflow, make_case("waiting_for_resident"), resident)
    assert names(options) == ["answer", "withdraw"]
    assert all(option.allowed for option in options)


def test_other_resident_sees_nothing(workflow, make_case, other_resident):
    assert available(workflow, make_case("waiting_for_resident"), other_resident) == []


def test_staff_do_not_see_applicant_only_or_system_transitions(workflow, make_case, officer):
    options = available(workflow, make_case("waiting_for_resident"), officer)
    assert names(options) == ["withdraw"]


def test_system_sees_system_transitions(workflow, make_case, system):
    assert names(available(workflow, make_case("waiting_for_resident"), system)) == ["expire"]


def test_four_eyes_is_shown_disabled(workflow, make_case, officer, entry):
    case = make_case(
        "waiver_proposed",
        history=(entry("propose_waiver", officer.id, "in_review", "waiver_proposed"),),
    )
    [option] = available(workflow, case, officer)
    assert not option.allowed
    assert option.reason is not None
    assert option.reason.reason == Reason.SAME_PERSON


def test_final_state_has_no_transitions(workflow, make_case, officer, resident):
    assert available(workflow, make_case("approved"), officer) == []
    assert available(workflow, make_case("rejected"), resident) == []


def test_listed_from_a_state_is_the_listed_order_cut_to_that_state(workflow):
    for flow in (workflow, shared_review(workflow)):
        for state in [s.name for s in flow.states] + ["no_such_state"]:
            expected = [t for t in flow.listed_transitions() if state in t.sources]
            assert list(flow.listed_from(state)) == expected
    assert flow.listed_from("in_review") is flow.listed_from("in_review")  # kept
    assert [t.name for t in shared_review(workflow).listed_from("in_review")][-2:] == [
        "request_info", "reject",
    ]  # fmt: skip


def test_has_guards_says_whether_any_transition_reads_the_answers(workflow):
    assert workflow.has_guards
    unguarded = replace(
        workflow, transitions=tuple(replace(t, guard=None) for t in workflow.transitions)
    )
    assert not unguarded.has_guards
