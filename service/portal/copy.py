"""The resident's "Kopie Ihres Antrags (PDF)": their answers as sent, as a PDF download."""

from __future__ import annotations

from flask import Response

from service.auth.services import login_required
from service.documents import services as documents
from service.portal.views import _case_or_404, bp
from service.web import current_lang


@bp.get("/cases/<int:case_id>/application.pdf")
@login_required
def application_copy(case_id: int) -> Response:
    """Send the resident a PDF of their submitted answers; anyone else gets 404."""
    case = _case_or_404(case_id)
    name, pdf = documents.application_copy(case, current_lang())
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
