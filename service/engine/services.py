"""Decide what firing a transition does to a case: the public API of the engine.

Every function is pure: it reads a `Workflow` and a `CaseSnapshot` and returns a
`Decision` or raises. Storing the result, locking and the audit trail are the cases
package's business.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from service.engine.constants import SUBMIT, ActorKind, Reason
from service.engine.errors import InputsInvalid, TransitionNotAllowed
from service.engine.roles import holds_any, roles_in
from service.engine.types import (
    APPLICANT,
    Actor,
    CaseSnapshot,
    Decision,
    State,
    Text,
    Transition,
    Workflow,
)


@dataclass(frozen=True)
class Option:
    """A transition as offered to an actor: allowed, or disabled with the reason."""

    transition: Transition
    allowed: bool
    reason: TransitionNotAllowed | None = None


def start_case(workflow: Workflow, now: datetime) -> Decision:
    """Return the decision that opens a new case in the workflow's initial state."""
    initial = workflow.initial_state
    return Decision(
        transition=SUBMIT,
        from_state="",
        to_state=initial.name,
        completed=True,
        due_at=now + initial.deadline if initial.deadline is not None else None,
        clock_paused_at=None,
    )


def check(workflow: Workflow, case: CaseSnapshot, transition_name: str, actor: Actor) -> None:
    """Raise TransitionNotAllowed unless `actor` may fire `transition_name` on `case` now.

    The guard sees no inputs here; `decide` evaluates it again with the real ones.
    """
    transition = _transition(workflow, transition_name)
    refusal = _refusal(workflow, case, transition, actor) or _guard_refusal(transition, case, {})
    if refusal is not None:
        raise refusal


def available(workflow: Workflow, case: CaseSnapshot, actor: Actor) -> list[Option]:
    """List the transitions out of the case's state that concern `actor`, allowed or not."""
    options = []
    for transition in workflow.listed_from(case.state):
        if not _concerns(transition, case, actor):
            continue
        refusal = _refusal(workflow, case, transition, actor) or _guard_refusal(
            transition, case, {}
        )
        options.append(Option(transition, refusal is None, refusal))
    return options


def decide(
    workflow: Workflow,
    case: CaseSnapshot,
    transition_name: str,
    actor: Actor,
    inputs: Mapping[str, str],
    now: datetime,
) -> Decision:
    """Fire `transition_name` and return what the case becomes, or raise why it may not."""
    transition = _transition(workflow, transition_name)
    refusal = _refusal(workflow, case, transition, actor)
    if refusal is not None:
        raise refusal
    cleaned = _clean_inputs(transition, inputs)
    refusal = _guard_refusal(transition, case, cleaned)
    if refusal is not None:
        raise refusal

    if transition.approvals > 1:
        approvers = _approvers(case, transition.name) | {actor.id}
        if len(approvers) < transition.approvals:
            # One approval recorded; the case stays put and the clock runs on unchanged.
            return Decision(
                transition=transition.name,
                from_state=case.state,
                to_state=case.state,
                completed=False,
                due_at=case.due_at,
                clock_paused_at=case.clock_paused_at,
                inputs=cleaned,
            )

    due_at, clock_paused_at = _clock(case, workflow.state(transition.target), now)
    return Decision(
        transition=transition.name,
        from_state=case.state,
        to_state=transition.target,
        completed=True,
        due_at=due_at,
        clock_paused_at=clock_paused_at,
        inputs=cleaned,
        documents=transition.documents,
        events=transition.events,
        notify=transition.notify,
    )


def is_overdue(due_at: datetime | None, clock_paused_at: datetime | None, now: datetime) -> bool:
    """Say whether a case is past its due date; never while its clock is paused."""
    return clock_paused_at is None and due_at is not None and now > due_at


# --- rules -----------------------------------------------------------------------------


def _transition(workflow: Workflow, name: str) -> Transition:
    try:
        return workflow.transition(name)
    except KeyError:
        raise TransitionNotAllowed(
            Reason.UNKNOWN_TRANSITION,
            Text(
                de=f"Die Aktion „{name}“ gibt es im Verfahren {_de(workflow.title)} nicht.",
                en=f"There is no action “{name}” in the workflow {_en(workflow.title)}.",
            ),
        ) from None


def _refusal(
    workflow: Workflow, case: CaseSnapshot, transition: Transition, actor: Actor
) -> TransitionNotAllowed | None:
    """Return the first reason, guard aside, why `actor` may not fire `transition`."""
    action_de, action_en = _de(transition.title), _en(transition.title)
    state = _state_title(workflow, case.state)
    # A closed case can only be left by a transition that names its state (a revocation).
    if _is_final(workflow, case.state) and case.state not in transition.sources:
        return TransitionNotAllowed(
            Reason.FINAL_STATE,
            Text(
                de=f"Der Vorgang ist abgeschlossen ({_de(state)}); "
                "es ist keine Aktion mehr möglich.",
                en=f"The case is closed ({_en(state)}); no further action is possible.",
            ),
        )
    if case.state not in transition.sources:
        return TransitionNotAllowed(
            Reason.WRONG_STATE,
            Text(
                de=f"{action_de} ist im Status {_de(state)} nicht möglich.",
                en=f"{action_en} is not possible in the state {_en(state)}.",
            ),
        )
    if not _holds_role(workflow, transition, case, actor):
        return _wrong_role(workflow, transition, actor)
    if actor.id == case.applicant_id and APPLICANT not in transition.roles:
        return TransitionNotAllowed(
            Reason.OWN_CASE,
            Text(
                de=f"{action_de} ist bei Ihrem eigenen Antrag nicht erlaubt; "
                "eine andere Person muss entscheiden.",
                en=f"You may not carry out {action_en} on your own application; "
                "someone else must decide.",
            ),
        )
    for entry in case.history:
        if entry.transition in transition.distinct_from and entry.actor_id == actor.id:
            earlier = _transition_title(workflow, entry.transition)
            return TransitionNotAllowed(
                Reason.SAME_PERSON,
                Text(
                    de=f"Vier-Augen-Prinzip: Sie haben bereits {_de(earlier)} ausgeführt; "
                    f"{action_de} muss eine andere Person ausführen.",
                    en=f"Four eyes: you already carried out {_en(earlier)}; "
                    f"a different person must carry out {action_en}.",
                ),
            )
    if transition.approvals > 1:
        approvers = _approvers(case, transition.name)
        if actor.id in approvers:
            missing = transition.approvals - len(approvers)
            return TransitionNotAllowed(
                Reason.ALREADY_APPROVED,
                Text(
                    de=f"Sie haben {action_de} in diesem Vorgang bereits ausgeführt; "
                    + (
                        "es fehlt noch die Freigabe einer weiteren Person."
                        if missing == 1
                        else f"es fehlen noch die Freigaben von {missing} weiteren Personen."
                    ),
                    en=f"You already carried out {action_en} on this case; "
                    + (
                        "one more person must approve."
                        if missing == 1
                        else f"{missing} more people must approve."
                    ),
                ),
            )
    return None


def _holds_role(
    workflow: Workflow, transition: Transition, case: CaseSnapshot, actor: Actor
) -> bool:
    """Say whether `actor` holds one of the transition's roles in this service."""
    if not transition.roles:
        return actor.kind == ActorKind.SYSTEM
    if APPLICANT in transition.roles and actor.id == case.applicant_id:
        return True
    staff = [role for role in transition.roles if role != APPLICANT]
    return holds_any(actor.roles, workflow.key, staff)


def _concerns(transition: Transition, case: CaseSnapshot, actor: Actor) -> bool:
    """Say whether `actor` should see `transition` at all, even disabled.

    Staff see every staff transition (the back office shows the ones their roles lack
    as disabled); residents see only what is theirs to do on their own case.
    """
    if not transition.roles:
        return actor.kind == ActorKind.SYSTEM
    if APPLICANT in transition.roles and actor.id == case.applicant_id:
        return True
    has_staff_roles = any(role != APPLICANT for role in transition.roles)
    return has_staff_roles and bool(actor.roles)


def _wrong_role(workflow: Workflow, transition: Transition, actor: Actor) -> TransitionNotAllowed:
    """Say who may fire `transition`, by role title, and which roles `actor` holds here."""
    action_de, action_en = _de(transition.title), _en(transition.title)
    if not transition.roles:
        message = Text(
            de=f"{action_de} wird nur automatisch vom System ausgeführt.",
            en=f"{action_en} is carried out by the system only.",
        )
        return TransitionNotAllowed(Reason.WRONG_ROLE, message)
    who_de, who_en = [], []
    if APPLICANT in transition.roles:
        who_de.append("die antragstellende Person")
        who_en.append("the applicant")
    staff = [workflow.role_title(role) for role in transition.roles if role != APPLICANT]
    if len(staff) == 1:
        who_de.append(f"jemand mit der Rolle {_de(staff[0])}")
        who_en.append(f"someone with the role {_en(staff[0])}")
    elif staff:
        who_de.append("jemand mit einer der Rollen " + ", ".join(_de(t) for t in staff))
        who_en.append("someone with one of the roles " + ", ".join(_en(t) for t in staff))
    named = {r for t in workflow.transitions for r in t.roles} | {
        r for r, _ in workflow.role_titles
    }
    held = sorted(roles_in(actor.roles, workflow.key) & (named - {APPLICANT}))
    titles = [workflow.role_title(role) for role in held]
    if not staff or not actor.roles:
        mine_de = mine_en = ""
    elif titles:
        mine_de = " Ihre Rollen in diesem Verfahren: " + ", ".join(_de(t) for t in titles) + "."
        mine_en = " Your roles in this workflow: " + ", ".join(_en(t) for t in titles) + "."
    else:
        mine_de = " Sie haben in diesem Verfahren keine Rolle."
        mine_en = " You hold no role in this workflow."
    message = Text(
        de=f"Nur {' oder '.join(who_de)} darf {action_de} ausführen.{mine_de}",
        en=f"Only {' or '.join(who_en)} may carry out {action_en}.{mine_en}",
    )
    return TransitionNotAllowed(Reason.WRONG_ROLE, message)


def _approvers(case: CaseSnapshot, transition_name: str) -> set[str]:
    """Return who approved `transition_name` since the case last entered its state."""
    start = 0
    for index, entry in enumerate(case.history):
        if entry.to_state == case.state and entry.from_state != case.state:
            start = index + 1
    return {
        entry.actor_id
        for entry in case.history[start:]
        if entry.transition == transition_name and entry.from_state == entry.to_state == case.state
    }


def _guard_refusal(
    transition: Transition, case: CaseSnapshot, inputs: Mapping[str, str]
) -> TransitionNotAllowed | None:
    if transition.guard is None:
        return None
    try:
        passed = bool(transition.guard({"data": case.data, "inputs": inputs}))
    except Exception:
        # A guard that cannot be evaluated (an answer it needs is missing) must not let
        # the case through.
        passed = False
    if passed:
        return None
    return TransitionNotAllowed(
        Reason.GUARD_FAILED,
        transition.guard_message
        or Text(
            de=f"Die Voraussetzungen für {_de(transition.title)} sind nicht erfüllt.",
            en=f"The conditions for {_en(transition.title)} are not met.",
        ),
    )


TEXT_INPUTS = ("text", "textarea")


def _clean_inputs(transition: Transition, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Return the declared inputs, stripped; raise InputsInvalid for missing or too long."""
    cleaned: dict[str, Any] = {}
    errors: dict[str, Text] = {}
    for spec in transition.inputs:
        if spec.type not in TEXT_INPUTS:  # validated by the form engine (cases.inputs)
            cleaned[spec.name] = inputs.get(spec.name)
            continue
        value = (inputs.get(spec.name) or "").strip()
        if spec.required and not value:
            errors[spec.name] = Text(
                de=f"Bitte {_de(spec.label)} ausfüllen.",
                en=f"Please fill in {_en(spec.label)}.",
            )
        elif len(value) > spec.max_length:
            errors[spec.name] = Text(
                de=f"{_de(spec.label)} darf höchstens {spec.max_length} Zeichen lang sein "
                f"(jetzt {len(value)}).",
                en=f"{_en(spec.label)} may be at most {spec.max_length} characters long "
                f"(now {len(value)}).",
            )
        # Every declared input is present, so a guard may name an optional one.
        cleaned[spec.name] = value
    if errors:
        raise InputsInvalid(errors)
    return cleaned


def _clock(
    case: CaseSnapshot, target: State, now: datetime
) -> tuple[datetime | None, datetime | None]:
    """Return the due date and pause time after the case moves to `target`."""
    if target.final:
        return None, None
    due_at, paused_at = case.due_at, case.clock_paused_at
    if target.pauses_clock:
        # Moving between two waiting states keeps the pause that began first.
        paused_at = paused_at or now
    elif paused_at is not None:
        # Time spent waiting for the resident does not count against the authority.
        if due_at is not None:
            due_at += now - paused_at
        paused_at = None
    # A transition that stays in its state (a note, one approval) does not restart the step.
    if target.deadline is not None and target.name != case.state:
        due_at = now + target.deadline
    return due_at, paused_at


# --- texts -----------------------------------------------------------------------------


def _de(text: Text) -> str:
    return f"„{text.get('de')}“"


def _en(text: Text) -> str:
    return f"“{text.get('en')}”"


def _is_final(workflow: Workflow, state_name: str) -> bool:
    try:
        return workflow.state(state_name).final
    except KeyError:
        return False


def _state_title(workflow: Workflow, name: str) -> Text:
    try:
        return workflow.state(name).title
    except KeyError:
        return Text(de=name, en=name)


def _transition_title(workflow: Workflow, name: str) -> Text:
    try:
        return workflow.transition(name).title
    except KeyError:
        return Text(de=name, en=name)
