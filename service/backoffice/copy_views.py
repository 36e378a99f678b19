"""The staff's view of the resident's application copy (PDF), reached through the case.

`views.py` registers it on the back office blueprint.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, g

from service.backoffice import services
from service.cases.models import Case
from service.documents import services as documents
from service.extensions import db


def application_copy(case_id: int) -> Response:
    """Send the PDF of the answers as the resident sent them (who may see the case)."""
    case = db.session.get(Case, case_id)
    if case is None:
        abort(404)
    if not services.can_see_case(g.staff, case):
        abort(403)
    name, pdf = documents.application_copy(case, "de")
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def register(bp: Blueprint) -> None:
    """Add the download to the back office blueprint (behind its staff log-in check)."""
    bp.add_url_rule("/cases/<int:case_id>/application.pdf", "application_copy", application_copy)
