"""A copy of the application as the resident sent it, as a PDF.

Not an issued document: it carries no seal and no verification code, is rendered on
request (never stored) and lists the answers exactly as the check-answers page did.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from flask import render_template

from service.cases.computed import form_of
from service.cases.models import Case
from service.cases.services import service_for
from service.definitions.services import current_city
from service.documents import rendering
from service.forms.services import summary


def submitted_time(at: datetime) -> str:
    """Return when the case came in, Berlin time: "29.11.2026, 14:05"."""
    aware = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    return aware.astimezone(rendering.BERLIN).strftime("%d.%m.%Y, %H:%M")


def application_copy(case: Case, lang: str, root: Path) -> tuple[str, bytes]:
    """Return the file name and the PDF of the case's answers in `lang`.

    `root` holds the document templates' fonts (`_fonts/`), as for issued documents.
    """
    service = service_for(case)
    city = current_city()
    html = render_template(
        "documents/application_copy.html",
        lang=lang,
        case=case,
        service_title=service.title.get(lang),
        issuer=city.name.get(lang) if city is not None else "",
        submitted=submitted_time(case.submitted_at),
        pages=summary(form_of(case), case.data or {}, lang),
    )
    return f"Antrag-{case.reference}.pdf", rendering.html_to_pdf(root, html)
