"""check(): who may fire which transition, and the first reason why not."""

from __future__ import annotations

from dataclasses import replace

import pytest

from service.engine import Actor, Reason, Text, TransitionNotAllowed, Workflow, available, check


def allowed(workflow: Workflow, case, name: str, actor: Actor) -> bool:
    """Say whether `check` lets `actor` fire `name` (it raises otherwise), as `available` does."""
    check(workflow, case, name, actor)
    offered = {o.transition.name: o.allowed for o in available(workflow, case, actor)}
    return offered[name]


def refusal(workflow: Workflow, case, name: str, actor: Actor) -> TransitionNotAllowed:
    with pytest.raises(TransitionNotAllowed) as info:
        check(workflow, case, name, actor)
    return info.value


def test_officer_may_approve_a_case_in_review(workflow, make_case, officer):
    assert allowed(workflow, make_case("in_review"), "approve", officer)


def test_unknown_transition_is_refused(workflow, make_case, officer):
    error = refusal(workflow, make_case(), "teleport", officer)
    assert error.reason == Reason.UNKNOWN_TRANSITION
    assert "„teleport“" in error.message.de


def test_final_state_refuses_every_transition(workflow, make_case, officer):
    error = refusal(workflow, make_case("approved"), "approve", officer)
    assert error.reason == Reason.FINAL_STATE
    assert "„Genehmigt“" in error.message.de
    assert "“Approved”" in error.message.en


def test_transition_from_another_state_is_refused_with_both_titles(workflow, make_case, officer):
    error = refusal(workflow, make_case("submitted"), "approve", officer)
    assert error.reason == Reason.WRONG_STATE
    assert error.message.de == "„Genehmigen“ ist im Status „Eingegangen“ nicht möglich."
    assert error.message.en == "“Approve” is not possible in the state “Submitted”."


def test_officer_without_the_role_is_refused_naming_the_role(workflow, make_case, parking_officer):
    error = refusal(workflow, make_case(), "approve", parking_officer)
    assert error.reason == Reason.WRONG_ROLE
    assert error.message.de == (
        "Nur jemand mit der Rolle „tax_officer“ darf „Genehmigen“ ausführen. "
        "Sie haben in diesem Verfahren keine Rolle."
    )
    assert error.message.en == (
        "Only someone with the role “tax_officer” may carry out “Approve”. "
        "You hold no role in this workflow."
    )


def test_refusal_names_roles_by_their_titles_and_what_the_person_holds(workflow, make_case):
    titled = replace(
        workflow,
        role_titles=(
            ("tax_officer", Text("Steueramt", "Tax office")),
            ("head_of_unit", Text("Amtsleitung", "Head of unit")),
        ),
    )
    # The role is held for another service only: it does not count here.
    clerk = Actor("clerk-1", roles=frozenset({"head_of_unit", "other_service:tax_officer"}))
    error = refusal(titled, make_case(), "approve", clerk)
    assert error.message.de == (
        "Nur jemand mit der Rolle „Steueramt“ darf „Genehmigen“ ausführen. "
        "Ihre Rollen in diesem Verfahren: „Amtsleitung“."
    )
    assert error.message.en == (
        "Only someone with the role “Tax office” may carry out “Approve”. "
        "Your roles in this workflow: “Head of unit”."
    )
    scoped = Actor("clerk-2", roles=frozenset({f"{workflow.key}:tax_officer"}))
    check(titled, make_case(), "approve", scoped)


def test_wrong_state_is_reported_before_wrong_role(workflow, make_case, resident):
    assert refusal(workflow, make_case("submitted"), "approve", resident).reason == (
        Reason.WRONG_STATE
    )


def test_applicant_may_fire_applicant_transition_only_on_own_case(
    workflow, make_case, resident, other_resident
):
    case = make_case("waiting_for_resident")
    check(workflow, case, "answer", resident)
    error = refusal(workflow, case, "answer", other_resident)
    assert error.reason == Reason.WRONG_ROLE
    assert error.message.en == "Only the applicant may carry out “Answer”."


def test_staff_may_not_fire_applicant_only_transition(workflow, make_case, officer):
    error = refusal(workflow, make_case("waiting_for_resident"), "answer", officer)
    assert error.reason == Reason.WRONG_ROLE


def test_transition_open_to_applicant_and_staff_accepts_both(
    workflow, make_case, resident, officer, other_resident
):
    case = make_case("in_review")
    check(workflow, case, "withdraw", resident)
    check(workflow, case, "withdraw", officer)
    error = refusal(workflow, case, "withdraw", other_resident)
    assert error.message.de == (
        "Nur die antragstellende Person oder jemand mit der Rolle „tax_officer“ "
        "darf „Zurückziehen“ ausführen."
    )


def test_transition_without_roles_is_for_the_system_only(workflow, make_case, officer, system):
    case = make_case("waiting_for_resident")
    check(workflow, case, "expire", system)
    error = refusal(workflow, case, "expire", officer)
    assert error.reason == Reason.WRONG_ROLE
    assert error.message.en == "“Expire” is carried out by the system only."


def test_one_of_several_roles_is_enough(workflow, make_case, head_of_unit):
    assert allowed(workflow, make_case("waiver_proposed"), "approve_waiver", head_of_unit)


def test_several_roles_are_all_named(workflow, make_case, parking_officer):
    error = refusal(workflow, make_case("waiver_proposed"), "approve_waiver", parking_officer)
    assert "einer der Rollen „tax_officer“, „head_of_unit“" in error.message.de


def test_four_eyes_refuses_the_officer_who_proposed(workflow, make_case, officer, entry):
    case = make_case(
        "waiver_proposed",
        history=(entry("propose_waiver", officer.id, "in_review", "waiver_proposed"),),
    )
    error = refusal(workflow, case, "approve_waiver", officer)
    assert error.reason == Reason.SAME_PERSON
    assert error.message.de == (
        "Vier-Augen-Prinzip: Sie haben bereits „Befreiung vorschlagen“ ausgeführt; "
        "„Befreiung genehmigen“ muss eine andere Person ausführen."
    )
    assert error.message.en == (
        "Four eyes: you already carried out “Propose waiver”; "
        "a different person must carry out “Approve waiver”."
    )


def test_four_eyes_accepts_a_different_officer(workflow, make_case, officer, second_officer, entry):
    case = make_case(
        "waiver_proposed",
        history=(entry("propose_waiver", officer.id, "in_review", "waiver_proposed"),),
    )
    assert allowed(workflow, case, "approve_waiver", second_officer)


def test_second_approval_by_same_person_is_refused(workflow, make_case, second_officer, entry):
    case = make_case(
        "waiver_proposed",
        history=(
            entry("propose_waiver", "officer-1", "in_review", "waiver_proposed"),
            entry("approve_waiver", second_officer.id, "waiver_proposed", "waiver_proposed"),
        ),
    )
    error = refusal(workflow, case, "approve_waiver", second_officer)
    assert error.reason == Reason.ALREADY_APPROVED
    assert error.message.en == (
        "You already carried out “Approve waiver” on this case; one more person must approve."
    )


def test_four_eyes_is_reported_before_already_approved(workflow, make_case, officer, entry):
    case = make_case(
        "waiver_proposed",
        history=(
            entry("propose_waiver", officer.id, "in_review", "waiver_proposed"),
            entry("approve_waiver", officer.id, "waiver_proposed", "waiver_proposed"),
        ),
    )
    assert refusal(workflow, case, "approve_waiver", officer).reason == Reason.SAME_PERSON


def test_guard_false_is_refused_with_message(workflow, make_case, officer):
    case = make_case(data={"breed_certificate": None})
    error = refusal(workflow, case, "approve", officer)
    assert error.reason == Reason.GUARD_FAILED
    assert error.message.de == "Der Rassenachweis fehlt."
    assert error.message.get("en") == "The breed certificate is missing."


def test_guard_that_raises_counts_as_refused(workflow, make_case, officer):
    error = refusal(workflow, make_case(data={}), "approve", officer)
    assert error.reason == Reason.GUARD_FAILED


def test_guard_is_checked_last(workflow, make_case, parking_officer):
    case = make_case(data={"breed_certificate": None})
    assert refusal(workflow, case, "approve", parking_officer).reason == Reason.WRONG_ROLE


def test_guard_needing_an_input_it_has_not_got_is_refused_by_check(workflow, make_case, officer):
    # check() runs before the actor has typed anything: the guard sees no inputs.
    strict = replace(
        workflow.transition("reject"), guard=lambda ctx: ctx["inputs"]["reason"] != "no reason"
    )
    strict_workflow = replace(workflow, transitions=(strict,))
    assert refusal(strict_workflow, make_case(), "reject", officer).reason == Reason.GUARD_FAILED


def test_refusal_reads_in_english_when_printed(workflow, make_case, officer):
    error = refusal(workflow, make_case("submitted"), "approve", officer)
    assert str(error) == "“Approve” is not possible in the state “Submitted”."


def test_unknown_reason_code_is_a_programming_error():
    with pytest.raises(ValueError):
        TransitionNotAllowed("bad_luck", Text("Pech", "Bad luck"))


def test_staff_may_not_decide_their_own_application() -> None:
    """Separation of duties: an officer who applied as a resident cannot approve it."""
    from service.engine import Actor, CaseSnapshot, State, Text, Transition, Workflow, check
    from service.engine.errors import TransitionNotAllowed

    workflow = Workflow(
        key="w",
        version=1,
        title=Text("W", "W"),
        states=(
            State("submitted", Text("Eingegangen", "Submitted"), initial=True),
            State("approved", Text("Genehmigt", "Approved"), final=True),
        ),
        transitions=(
            Transition(
                "approve", Text("Genehmigen", "Approve"), ("submitted",), "approved", ("officer",)
            ),
        ),
    )
    case = CaseSnapshot(state="submitted", applicant_id="7", data={})
    officer = Actor(id="7", roles=frozenset({"officer"}))
    try:
        check(workflow, case, "approve", officer)
    except TransitionNotAllowed as refused:
        assert refused.reason == "own_case"
        assert "own application" in refused.message.get("en")
    else:
        raise AssertionError("an officer approved their own application")
