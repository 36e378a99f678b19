"""Public verification of issued documents and the residents' download."""

from __future__ import annotations

from flask import Blueprint, Flask, Response, abort, g, render_template, request
from flask.typing import ResponseReturnValue

from service.audit.services import document_in_log
from service.auth.services import current_user, login_required
from service.cases.models import Case
from service.cases.services import get_case_for_applicant
from service.definitions.services import current_city
from service.documents import services
from service.documents.constants import Viewer
from service.documents.rendering import date_de
from service.extensions import db

bp = Blueprint("documents", __name__)


def _verify_page(code: str, result: str | None = None, status: int = 200) -> ResponseReturnValue:
    document = services.document_by_code(code)
    if document is None:
        abort(404)
    case = db.session.get(Case, document.case_id)
    body = render_template(
        "documents/verify.html",
        issuer=current_city().name.get(g.get("lang") or "de"),
        document=document,
        title=services.document_title(document),
        reference=case.reference if case is not None else "",
        issued_on=date_de(document.issued_at),
        code=document.verification_code,
        result=result,
        in_log=document_in_log(document.id, document.sha256),
    )
    response = Response(body, status=status)
    # The page names a case reference: keep it out of shared caches and search engines.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.get("/verify/<code>")
def verify(code: str) -> ResponseReturnValue:
    """Show who issued the document, what it is, when, and whether it is still valid."""
    return _verify_page(code)


@bp.post("/verify/<code>")
def verify_upload(code: str) -> ResponseReturnValue:
    """Answer whether an uploaded PDF is exactly the document issued under this code."""
    document = services.document_by_code(code)
    if document is None:
        abort(404)
    upload = request.files.get("file")
    data = upload.read() if upload is not None else b""
    if not data:
        return _verify_page(code, result="missing", status=400)
    return _verify_page(code, result="match" if services.matches(document, data) else "mismatch")


@bp.get("/cases/<int:case_id>/documents/<int:document_id>.pdf")
@login_required
def download(case_id: int, document_id: int) -> ResponseReturnValue:
    """Send an issued PDF to the case's applicant; everyone else gets 404."""
    user = current_user()
    case = get_case_for_applicant(case_id, user.id) if user is not None else None
    if case is None:
        abort(404)
    document = services.readable_document(case, document_id, Viewer.RESIDENT)
    response = Response(services.document_bytes(document), mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{services.download_name(document)}"'
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def init_app(app: Flask) -> None:
    """Check or create the seal key, and add the verification and download pages."""
    from service.definitions.services import EXTENSION_KEY

    city = app.extensions[EXTENSION_KEY].city
    services.seal.ensure_seal(app.config, city.seal_organisation if city else "amtsweg")
    app.register_blueprint(bp)
    app.cli.add_command(services.seal_cli)
