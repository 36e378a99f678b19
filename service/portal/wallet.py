"""Resident pages for wallet credentials: "In Wallet speichern" with a QR code and a PIN."""

from __future__ import annotations

from flask import abort, render_template

from service.auth.services import login_required
from service.cases.models import Case
from service.credentials import services as credentials
from service.definitions.credentials import CredentialDefinition
from service.portal import services
from service.portal.views import _case_or_404, bp
from service.web import current_lang


@bp.app_template_global("wallet_credentials")
def wallet_credentials(case: Case) -> list[CredentialDefinition]:
    """Return the credentials the case page offers to save to a wallet."""
    return credentials.available_credentials(case)


@bp.post("/cases/<int:case_id>/wallet/<key>")
@login_required
def wallet_offer(case_id: int, key: str) -> str:
    """Make a fresh one-time offer of the credential and show its QR code, link and PIN."""
    case = _case_or_404(case_id)
    if key not in {c.key for c in credentials.available_credentials(case)}:
        abort(404)
    offer = credentials.create_offer(case, key)
    return render_template(
        "portal/wallet.html",
        case=case,
        service=services.service_for_case(case),
        offer=offer,
        qr=credentials.qr_data_uri(offer.uri),
        lang=current_lang(),
    )
