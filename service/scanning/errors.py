"""Errors of upload scanning."""

from __future__ import annotations

from werkzeug.exceptions import ServiceUnavailable

#: Seconds after which a client may try the upload again.
RETRY_AFTER_SECONDS = 30


class ScannerUnavailable(ServiceUnavailable):
    """The virus scanner could not scan a file: the upload is refused (503), not stored.

    `detail` says why, for the log; the person sees only that the scan is unavailable.
    """

    description = (
        "Die Virenprüfung für hochgeladene Dateien ist gerade nicht erreichbar; die Datei "
        "wurde nicht gespeichert. Bitte versuchen Sie es in einigen Minuten erneut. / "
        "The virus check for uploaded files is unavailable right now; the file was not "
        "stored. Please try again in a few minutes."
    )

    def __init__(self, detail: str) -> None:
        super().__init__(retry_after=RETRY_AFTER_SECONDS)
        self.detail = detail

    def __str__(self) -> str:
        return f"503 Service Unavailable: {self.detail}"
