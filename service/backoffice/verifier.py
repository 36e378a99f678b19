"""Back office "Nachweis prüfen": ask a wallet for a credential and show the check in words.

For parking enforcement or a counter clerk: the role `credential_verifier` (or an
administrator) opens these pages; they need no role in any workflow.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, abort, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from service.auth.services import current_user, roles_required
from service.credentials import services as credentials
from service.credentials.constants import VERIFIER_ROLE
from service.web import current_lang

bp = Blueprint("verifier", __name__, url_prefix="/backoffice/verify")
ROLES = (VERIFIER_ROLE, "admin")


def _requester() -> str:
    user = current_user()
    if user is None:
        abort(404)
    return f"user:{user.id}"


def _choices(lang: str) -> list[tuple[Any, dict[str, str]]]:
    return [
        (cred, credentials.claim_labels(key, lang))
        for key, cred in sorted(credentials.current_credentials().items())
    ]


@bp.get("/")
@roles_required(*ROLES)
def start() -> str:
    """Offer a presentation request for each credential type, claim by claim."""
    lang = current_lang()
    return render_template("backoffice/verify.html", choices=_choices(lang), errors={}, lang=lang)


@bp.post("/<key>")
@roles_required(*ROLES)
def create(key: str) -> Any:
    """Create a request for the chosen claims and show it."""
    lang = current_lang()
    cred = credentials.current_credentials().get(key)
    if cred is None:
        abort(404)
    known = {claim.name for claim in cred.claims}
    chosen = [name for name in request.form.getlist("claims") if name in known]
    if not chosen:
        message = (
            "Choose at least one detail to check."
            if lang == "en"
            else "Wählen Sie mindestens eine Angabe, die geprüft werden soll."
        )
        page = render_template(
            "backoffice/verify.html", choices=_choices(lang), errors={key: message}, lang=lang
        )
        return page, 400
    made = credentials.create_request(key, chosen, _requester())
    return redirect(url_for(".show", request_id=made.request.id), code=303)


@bp.get("/requests/<request_id>")
@roles_required(*ROLES)
def show(request_id: str) -> str | BaseResponse:
    """Show the request as a QR code until the wallet answers, then the result in words."""
    lang = current_lang()
    found = credentials.get_request(request_id, _requester())
    if found is None:
        abort(404)
    result = found.result or {}
    uri = credentials.request_uri(found)
    labels = credentials.claim_labels(found.credential_key, lang)
    return render_template(
        "backoffice/verify_request.html",
        found=found,
        uri=uri,
        qr=None if found.answered_at else credentials.qr_data_uri(uri),
        result=result,
        outcome=credentials.outcome_text(result, lang),
        labels=labels,
        requested=[labels.get(name, name) for name in result.get("claims_requested", [])],
        title=credentials.current_credentials()[found.credential_key].title.get(lang),
        lang=lang,
    )


def may_verify_credentials() -> bool:
    """Say whether the logged-in user may open "Nachweis prüfen" (for the navigation)."""
    user = current_user()
    return user is not None and bool(set(user.roles or ()) & set(ROLES))


def init_app(app: Flask) -> None:
    """Register the verifier pages and the navigation's check."""
    app.register_blueprint(bp)
    app.add_template_global(may_verify_credentials)
