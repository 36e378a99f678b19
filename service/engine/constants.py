"""Codes the engine and its callers share."""

from __future__ import annotations

from enum import StrEnum

#: Name recorded for the transition that opens a case (it is not in the workflow file).
SUBMIT = "submit"


class Reason(StrEnum):
    """Why a transition may not fire; stable codes for the API and the audit trail."""

    UNKNOWN_TRANSITION = "unknown_transition"
    FINAL_STATE = "final_state"
    WRONG_STATE = "wrong_state"
    WRONG_ROLE = "wrong_role"
    #: Four eyes: the actor already fired a transition this one must be distinct from.
    SAME_PERSON = "same_person"
    #: The actor already gave one of several required approvals in this round.
    ALREADY_APPROVED = "already_approved"
    GUARD_FAILED = "guard_failed"
    #: Separation of duties: staff may not decide on a case they applied for themselves.
    OWN_CASE = "own_case"


class ActorKind(StrEnum):
    """Who acts on a case."""

    USER = "user"
    CLIENT = "client"
    SYSTEM = "system"
