"""The resident's downloads: their own uploads and "Kopie Ihres Antrags (PDF)"."""

from __future__ import annotations

from urllib.parse import quote

from flask import Response, abort

from service.auth.services import login_required
from service.documents import services as documents
from service.forms.constants import MIME_NAMES
from service.portal import services
from service.portal.views import _case_or_404, _user, bp
from service.web import current_lang


@bp.get("/cases/<int:case_id>/application.pdf")
@login_required
def application_copy(case_id: int) -> Response:
    """Send the resident a PDF of their submitted answers; anyone else gets 404."""
    case = _case_or_404(case_id)
    name, pdf = documents.application_copy(case, current_lang())
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = _attachment(name)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/uploads/<upload_id>")
@login_required
def download_upload(upload_id: str) -> Response:
    """Send one of the resident's own files, as a download."""
    upload = services.upload_for_owner(upload_id, _user().id)
    if upload is None:
        abort(404)
    response = Response(services.read_upload(upload), mimetype=upload.content_type)
    response.headers["Content-Disposition"] = _attachment(upload.original_name)
    response.headers["Cache-Control"] = "no-store"
    return response


def _attachment(name: str) -> str:
    ascii_name = name.encode("ascii", "replace").decode().replace('"', "").replace("?", "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"


@bp.app_template_filter("mime_name")
def mime_name(content_type: str) -> str:
    """Return a file type as people know it ("PDF") for the upload hints."""
    return MIME_NAMES.get(content_type, content_type)
