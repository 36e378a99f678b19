"""Failures of case operations that a caller can act on, mapped by `service.errors`."""

from __future__ import annotations

from sqlalchemy.orm.exc import StaleDataError

from service.engine.constants import Reason
from service.engine.errors import InputsInvalid, TransitionNotAllowed
from service.errors import AppError, FieldError, Text, adapt
from service.forms.errors import ValidationFailed

__all__ = [
    "CaseError",
    "IdempotencyConflict",
    "InputsInvalid",
    "StaleCase",
    "TransitionNotAllowed",
    "UnknownService",
    "ValidationFailed",
]


class CaseError(AppError):
    """Base of the case package's own errors."""


class StaleCase(CaseError):
    """Someone else changed the case first; reload it and decide again."""

    status = 409
    kind = "stale-case"
    message = Text(
        de="Jemand anderes hat diesen Fall inzwischen geändert. Ihre Aktion wurde nicht "
        "ausgeführt; bitte prüfen Sie den aktuellen Stand und entscheiden Sie erneut.",
        en="Someone else changed this case in the meantime. Your action was not carried "
        "out; please check the case as it is now and decide again.",
    )


class IdempotencyConflict(CaseError):
    """The idempotency key was used before for a different request."""

    status = 422
    kind = "idempotency-conflict"
    message = Text(
        de="Dieser Idempotency-Key wurde bereits für eine andere Anfrage verwendet.",
        en="This Idempotency-Key was already used with a different request.",
    )


class UnknownService(CaseError):
    """No service with that key exists."""

    status = 404
    kind = "unknown-service"
    message = Text(
        de="Es gibt keinen Dienst mit diesem Schlüssel.", en="There is no service with this key."
    )


@adapt(StaleDataError)
def _stale_row(exc: StaleDataError) -> AppError:
    # The version check of the ORM failed at flush or commit: another request won.
    return StaleCase(str(exc))


#: HTTP status of each refusal reason: who acts is 403, anything else about the case's state
#: (wrong state, final state, failed guard) a conflict.
TRANSITION_STATUS = {
    Reason.WRONG_ROLE: 403,
    Reason.SAME_PERSON: 403,
    Reason.ALREADY_APPROVED: 403,
    Reason.OWN_CASE: 403,
    Reason.UNKNOWN_TRANSITION: 422,
}


@adapt(TransitionNotAllowed)
def _transition_refused(exc: TransitionNotAllowed) -> AppError:
    return AppError(
        str(exc),
        message=exc.message,
        status=TRANSITION_STATUS.get(exc.reason, 409),
        kind=f"transition/{exc.reason.value}",
        extra={"reason": exc.reason.value},
    )


@adapt(InputsInvalid)
def _inputs_refused(exc: InputsInvalid) -> AppError:
    return AppError(
        str(exc),
        message=exc.message,
        status=422,
        kind="validation",
        fields=[FieldError(f"inputs.{name}", text) for name, text in exc.errors.items()],
    )
