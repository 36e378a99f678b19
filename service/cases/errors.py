"""Failures of case operations that a caller can act on."""

from __future__ import annotations

from service.engine.errors import InputsInvalid, TransitionNotAllowed
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


class CaseError(Exception):
    """Base of the case package's own errors."""


class StaleCase(CaseError):
    """Someone else changed the case first; reload it and decide again."""


class IdempotencyConflict(CaseError):
    """The idempotency key was used before for a different request."""


class UnknownService(CaseError):
    """No service with that key exists."""
