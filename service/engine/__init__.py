"""The workflow engine: pure state-machine core, no Flask and no database."""

from service.engine.constants import SUBMIT, ActorKind, Reason
from service.engine.errors import EngineError, InputsInvalid, TransitionNotAllowed
from service.engine.services import Option, available, check, decide, is_overdue, start_case
from service.engine.types import (
    APPLICANT,
    Actor,
    CaseSnapshot,
    Decision,
    Guard,
    HistoryEntry,
    State,
    Text,
    Transition,
    TransitionInput,
    Workflow,
)

__all__ = [
    "APPLICANT",
    "SUBMIT",
    "Actor",
    "ActorKind",
    "CaseSnapshot",
    "Decision",
    "EngineError",
    "Guard",
    "HistoryEntry",
    "InputsInvalid",
    "Option",
    "Reason",
    "State",
    "Text",
    "Transition",
    "TransitionInput",
    "TransitionNotAllowed",
    "Workflow",
    "available",
    "check",
    "decide",
    "is_overdue",
    "start_case",
]
