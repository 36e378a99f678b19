"""Find active content in a PDF: scripts, actions run on opening, launches, embedded files.

Such PDFs are refused, not sanitised. Stripping keys is a block list over a large
specification (annotation actions, form field actions, XFA, rich media): a key it misses
leaves a script in a file we then call clean. Rewriting also breaks the signature of a
signed document (a landlord's signed Wohnungsgeberbestätigung) and makes the stored file
differ from the one the resident holds. Residents' scans and printed-to-PDF documents do
not carry any of this; the message tells them to save the file again as a plain PDF.

A PDF that is also an HTML page (a polyglot) is refused too: served or sniffed as HTML it
would run its script in our origin.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pikepdf

from service.engine.types import Text

JAVASCRIPT = Text(de="JavaScript", en="JavaScript")
AUTOMATIC = Text(de="automatische Aktionen /AA", en="automatic actions /AA")
ON_OPEN = Text(de="eine Aktion beim Öffnen /OpenAction", en="an action on opening /OpenAction")
LAUNCH = Text(de="Programmstart /Launch", en="a program launch /Launch")
EMBEDDED = Text(de="eingebettete Dateien", en="embedded files")
MEDIA = Text(de="Rich Media", en="rich media")
XFA = Text(de="ein XFA-Formular", en="an XFA form")
SUBMIT = Text(de="Formularversand", en="a form submission")
IMPORT = Text(de="Datenimport", en="a data import")
MARKUP = Text(
    de="HTML (eine PDF-Datei, die zugleich eine Webseite ist)",
    en="HTML (a PDF that is also a web page)",
)
UNREADABLE = Text(de="keine lesbare PDF-Datei", en="not a readable PDF")

#: Keys whose presence anywhere makes a PDF active.
_ACTIVE_KEYS = {
    "/JS": JAVASCRIPT,
    "/JavaScript": JAVASCRIPT,
    "/AA": AUTOMATIC,
    "/Launch": LAUNCH,
    "/EmbeddedFiles": EMBEDDED,
    "/EmbeddedFile": EMBEDDED,
    "/RichMedia": MEDIA,
    "/XFA": XFA,
}
#: Action types (`/S`) that run something or leave the document.
_ACTIVE_ACTIONS = {
    "/JavaScript": JAVASCRIPT,
    "/Launch": LAUNCH,
    "/SubmitForm": SUBMIT,
    "/ImportData": IMPORT,
    "/GoToE": EMBEDDED,
    "/RichMediaExecute": MEDIA,
}
#: Markup that makes a browser take the file for HTML (or SVG) when it sniffs it.
_MARKUP = re.compile(
    rb"<(?:!doctype\s+html|html|head|body|script|iframe|object|embed|svg|meta|img)[\s>/]",
    re.IGNORECASE,
)


def active_content(content: bytes) -> list[Text]:
    """Return what makes the PDF `content` active (empty when it is a plain document).

    A file pikepdf cannot open at all is UNREADABLE.
    """
    found: list[Text] = []
    if _MARKUP.search(content):
        found.append(MARKUP)
    try:
        with pikepdf.open(io.BytesIO(content)) as pdf:
            root = pdf.Root
            open_action = root.get("/OpenAction")
            if isinstance(open_action, pikepdf.Dictionary) and open_action.get("/S") != "/GoTo":
                found.append(ON_OPEN)
            for reason in _walk(pdf):
                if reason not in found:
                    found.append(reason)
    except pikepdf.PdfError:
        return [UNREADABLE]
    return found


def _walk(pdf: pikepdf.Pdf) -> Iterator[Text]:
    """Yield the reasons found in every object of the file, direct objects included."""
    seen: set[tuple[int, int]] = set()
    stack: list[object] = [pdf.trailer, *pdf.objects]
    while stack:
        obj = stack.pop()
        if isinstance(obj, pikepdf.Object) and obj.is_indirect:
            if obj.objgen in seen:
                continue
            seen.add(obj.objgen)
        if isinstance(obj, pikepdf.Stream):
            obj = obj.stream_dict
        if isinstance(obj, pikepdf.Dictionary):
            for key in obj.keys():  # noqa: SIM118 (pikepdf iterates differently)
                if key in _ACTIVE_KEYS:
                    yield _ACTIVE_KEYS[key]
            action = obj.get("/S")
            if isinstance(action, pikepdf.Name) and str(action) in _ACTIVE_ACTIONS:
                yield _ACTIVE_ACTIONS[str(action)]
            stack.extend(obj.values())
        elif isinstance(obj, pikepdf.Array):
            stack.extend(obj)
