"""Errors of upload scanning."""

from __future__ import annotations

from service.errors import AppError, Text

#: Seconds after which a client may try the upload again.
RETRY_AFTER_SECONDS = 30


class ScannerUnavailable(AppError):
    """The virus scanner could not scan a file: the upload is refused (503), not stored.

    The detail (for the log) says why; the person sees only that the check is unavailable.
    """

    status = 503
    kind = "scanner-unavailable"
    message = Text(
        de="Die Virenprüfung für hochgeladene Dateien ist gerade nicht erreichbar; die Datei "
        "wurde nicht gespeichert. Bitte versuchen Sie es in einigen Minuten noch einmal.",
        en="The virus check for uploaded files is unavailable right now; the file was not "
        "stored. Please try again in a few minutes.",
    )
    page_back = False

    def __init__(self, detail: str) -> None:
        super().__init__(detail, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
        self.detail = detail
