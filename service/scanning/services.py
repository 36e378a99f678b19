"""Public API of upload scanning: what is wrong with a file before it may be stored.

Every path that accepts a file (portal answers and replies, the API's uploads) calls
`file_problems` after the type and size checks. A file is stored only when it comes back
without problems; when the scanner cannot say, `ScannerUnavailable` refuses the upload
(503) rather than storing a file nobody scanned.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Protocol

from flask import Flask, current_app, g

from service.engine.types import Text
from service.scanning import images
from service.scanning.clamav import ClamdScanner
from service.scanning.errors import ScannerUnavailable
from service.scanning.pdf import UNREADABLE, active_content

__all__ = ["ClamdScanner", "Scanner", "ScannerUnavailable", "file_problems", "init_app"]

log = logging.getLogger(__name__)

EXTENSION_KEY = "amtsweg.scanner"
#: Environments where uploads may go unscanned when no scanner is configured.
UNSCANNED_ENVIRONMENTS = frozenset({"development", "test"})

_INFECTED = Text(
    de="die Datei „{name}“ enthält Schadsoftware und wurde nicht angenommen.",
    en="the file “{name}” contains malware and was not accepted.",
)
_UNREADABLE = Text(
    de="die Datei „{name}“ ist keine lesbare PDF-Datei (sie ist beschädigt, verschlüsselt "
    "oder hat keine Seiten).",
    en="the file “{name}” is not a readable PDF (it is damaged, encrypted or has no pages).",
)
_ACTIVE_PDF = Text(
    de="die PDF-Datei „{name}“ enthält aktive Inhalte ({what}) und wurde nicht angenommen. "
    "Bitte speichern Sie sie als einfache PDF-Datei neu (zum Beispiel mit „Als PDF drucken“).",
    en="the PDF file “{name}” contains active content ({what}) and was not accepted. "
    "Please save it again as a plain PDF (for example with “Print to PDF”).",
)

_ACTIVE_IMAGE = Text(
    de="die Bilddatei „{name}“ enthält außer dem Bild weitere Inhalte ({what}) und wurde nicht "
    "angenommen. Bitte speichern Sie das Bild neu (zum Beispiel als Bildschirmfoto oder mit "
    "„Exportieren als JPEG oder PNG“).",
    en="the image file “{name}” contains more than the picture ({what}) and was not accepted. "
    "Please save the picture again (for example as a screenshot, or exported as JPEG or PNG).",
)


class Scanner(Protocol):
    """A virus scanner: the signature's name for an infected file, None for a clean one."""

    def scan(self, content: bytes) -> str | None: ...


class _Unconfigured:
    """Stands in for a missing scanner outside development: refuses every upload."""

    def scan(self, content: bytes) -> str | None:
        raise ScannerUnavailable("no virus scanner is configured (AMTSWEG_CLAMD_URL)")


def scanner_for(config: dict[str, object]) -> Scanner | None:
    """Return the scanner the settings name; None when uploads go unscanned on purpose.

    Unscanned only with `AMTSWEG_UPLOAD_SCAN=off` or in development and tests; anywhere
    else a missing scanner refuses uploads (and the production checks refuse to start).
    """
    url = config.get("CLAMD_URL")
    if url:
        return ClamdScanner(str(url), timeout=float(str(config.get("CLAMD_TIMEOUT") or 30)))
    if str(config.get("UPLOAD_SCAN", "on")).lower() == "off":
        return None
    if config.get("AMTSWEG_ENV") in UNSCANNED_ENVIRONMENTS or config.get("TESTING"):
        return None
    return _Unconfigured()


def init_app(app: Flask) -> None:
    """Choose the app's scanner from its settings."""
    app.extensions[EXTENSION_KEY] = scanner_for(dict(app.config))


def file_problems(content: bytes, content_type: str, name: str, lang: str) -> list[str]:
    """Return why the file must not be stored (messages without the field's label).

    Raises ScannerUnavailable when the virus scanner cannot scan it.
    """
    if content_type == "application/pdf":
        active = active_content(content)
        if active == [UNREADABLE]:
            return [_UNREADABLE.get(lang).format(name=name)]
        if active:
            log.warning("upload refused: active PDF content: %s", ", ".join(t.en for t in active))
            what = ", ".join(t.get(lang) for t in active)
            return [_ACTIVE_PDF.get(lang).format(name=name, what=what)]
    if content_type.startswith("image/"):
        found = images.active_content(content, content_type)
        if found:
            log.warning("upload refused: image carries %s", ", ".join(t.en for t in found))
            what = ", ".join(t.get(lang) for t in found)
            return [_ACTIVE_IMAGE.get(lang).format(name=name, what=what)]
    scanner: Scanner | None = current_app.extensions.get(EXTENSION_KEY)
    if scanner is None:
        return []
    # A reply checks its files before firing the transition and again when storing them:
    # within one request the same bytes are sent to the scanner once.
    digest = hashlib.sha256(content).hexdigest()
    verdicts: dict[str, str | None] = g.setdefault("amtsweg_scan_verdicts", {})
    if digest not in verdicts:
        try:
            verdicts[digest] = scanner.scan(content)
        except ScannerUnavailable as exc:
            log.error("upload refused, not scanned: %s", exc.detail)
            raise
    signature = verdicts[digest]
    if signature is not None:
        log.warning("upload refused: %s found in a file with sha256 %s", signature, digest)
        return [_INFECTED.get(lang).format(name=name)]
    return []
