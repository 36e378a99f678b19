"""Public API of credentials: offers, issuance, revocation, presentation checks.

Faces (portal, back office, API, the wallet endpoints in views.py) call these; the
revocation runs inside the transaction of the transition that revokes (a hook that
cases calls without importing this package; `views.init_app` registers it).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select, update

from service.cases.models import Case
from service.credentials import status
from service.credentials.constants import OUTCOME_TEXT, CheckOutcome
from service.credentials.errors import WalletError, WrongTransactionCode
from service.credentials.issuance import (
    NewOffer,
    available_credentials,
    create_offer,
    exchange_code,
    issue_credential,
    new_nonce,
)
from service.credentials.metadata import current_credentials
from service.credentials.models import (
    CredentialOffer,
    IssuedCredential,
    PresentationRequest,
    WalletNonce,
)
from service.credentials.verification import (
    CheckResult,
    NewPresentationRequest,
    check_presentation,
    create_request,
    receive_response,
    request_uri,
)
from service.definitions.types import ServiceDefinition
from service.extensions import db
from service.jobs import services as jobs

__all__ = [
    "CheckResult",
    "NewOffer",
    "NewPresentationRequest",
    "WalletError",
    "WrongTransactionCode",
    "available_credentials",
    "check_presentation",
    "claim_labels",
    "create_offer",
    "create_request",
    "current_credentials",
    "exchange_code",
    "get_request",
    "issue_credential",
    "new_nonce",
    "outcome_text",
    "purge_expired",
    "qr_data_uri",
    "receive_response",
    "request_uri",
    "revoke_for_transition",
]


def revoke_for_transition(
    case: Case, service: ServiceDefinition, transition: str, now: datetime
) -> None:
    """Revoke the case's credentials that `transition` revokes, and spend open offers."""
    keys_revoked = [c.key for c in service.credentials if transition in c.revoked_by]
    if not keys_revoked:
        return
    issued = db.session.scalars(
        select(IssuedCredential).where(
            IssuedCredential.case_id == case.id,
            IssuedCredential.credential_key.in_(keys_revoked),
            IssuedCredential.revoked_at.is_(None),
        )
    )
    for credential in issued:
        status.set_revoked(credential.status_list_id, credential.status_index, now)
        credential.revoked_at = now
    db.session.execute(
        update(CredentialOffer)
        .where(
            CredentialOffer.case_id == case.id,
            CredentialOffer.credential_key.in_(keys_revoked),
            CredentialOffer.issued_at.is_(None),
        )
        .values(redeemed_at=now, token_expires_at=now)
    )


@jobs.periodic("credentials", every=timedelta(hours=1))
def purge_expired(now: datetime) -> int:
    """Delete offers nobody can use any more and spent or expired nonces; return how many.

    An offer goes when both its code and its access token have expired. A deleted code,
    token or nonce is refused as unknown, just as it was refused as spent or expired.
    """
    offers = db.session.execute(
        delete(CredentialOffer).where(
            CredentialOffer.expires_at <= now,
            or_(
                CredentialOffer.token_expires_at.is_(None),
                CredentialOffer.token_expires_at <= now,
            ),
        )
    )
    nonces = db.session.execute(
        delete(WalletNonce).where(
            or_(WalletNonce.used_at.is_not(None), WalletNonce.expires_at <= now)
        )
    )
    return int(offers.rowcount or 0) + int(nonces.rowcount or 0)  # type: ignore[attr-defined]


def get_request(request_id: str, requested_by: str) -> PresentationRequest | None:
    """Return a presentation request to the one who made it, else None."""
    request = db.session.get(PresentationRequest, request_id)
    return request if request is not None and request.requested_by == requested_by else None


def qr_data_uri(text: str) -> str:
    """Return a QR code of `text` as an SVG data URI (for an `<img>` with alt text)."""
    import segno

    return str(segno.make(text, error="m", micro=False).svg_data_uri(border=2, omitsize=True))


def outcome_text(result: dict[str, Any], lang: str) -> str:
    """Return a stored check result's outcome in words (German or English)."""
    try:
        de, en = OUTCOME_TEXT[CheckOutcome(result.get("outcome", ""))]
    except ValueError:
        return (
            "Noch keine Antwort der Wallet." if lang == "de" else "No answer from the wallet yet."
        )
    return en if lang == "en" else de


def claim_labels(key: str, lang: str) -> dict[str, str]:
    """Return the labels of credential `key`'s claims (and its validity) in `lang`."""
    labels = {"valid_from": "Valid from", "valid_until": "Valid until"}
    if lang != "en":
        labels = {"valid_from": "Gültig ab", "valid_until": "Gültig bis"}
    cred = current_credentials().get(key)
    for claim in cred.claims if cred else ():
        labels[claim.name] = claim.label.get(lang)
    return labels
