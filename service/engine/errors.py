"""Errors the engine raises; each carries a message a case worker can read."""

from __future__ import annotations

from service.engine.constants import Reason
from service.engine.types import Text


class EngineError(Exception):
    """Base of every error the engine raises."""

    def __init__(self, message: Text) -> None:
        # English in str() so logs read the same whatever the user's language.
        super().__init__(message.get("en"))
        self.message = message


class TransitionNotAllowed(EngineError):
    """Refuse a transition; `reason` is a `Reason` code, `message` says why in words."""

    def __init__(self, reason: str, message: Text) -> None:
        super().__init__(message)
        self.reason = Reason(reason)


class InputsInvalid(EngineError):
    """Refuse a transition whose inputs are missing or too long; `errors` maps input names."""

    def __init__(self, errors: dict[str, Text]) -> None:
        super().__init__(
            Text(de="Bitte prüfen Sie Ihre Eingaben.", en="Please check your entries.")
        )
        self.errors = errors
