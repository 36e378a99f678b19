"""OpenID4VP 1.0: ask a wallet for a credential (DCQL) and check what it presents.

The SD-JWT checks (issuer signature, disclosure digests, key binding with nonce and
audience) are the `sd-jwt` library's; this module adds what it leaves to the caller:
the `typ`, every disclosure being referenced, the key binding's age, the type,
the validity period and the status list.
"""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from flask import current_app
from jwcrypto.common import JWException
from sd_jwt.verifier import SDJWTVerifier

from service.credentials import status
from service.credentials.constants import (
    CLOCK_SKEW_SECONDS,
    FORMAT,
    PRESENTATION_MINUTES,
    PRESENTATION_SCHEME,
    RESPONSE_PATH,
    SIGNING_ALG,
    STATUS_LIST_PATH,
    CheckOutcome,
)
from service.credentials.errors import WalletError
from service.credentials.issuance import issuer_url, type_url
from service.credentials.keys import issuer_key
from service.credentials.models import PresentationRequest, StatusList
from service.extensions import db, utcnow

#: Claims every presentation request asks for besides those chosen: the validity.
VALIDITY_CLAIMS = ("valid_from", "valid_until")


class UnknownRequest(WalletError):
    """The presentation request is unknown, answered or expired."""

    code = "invalid_request"


def response_uri(request_id: str) -> str:
    """Return where the wallet posts its answer to request `request_id`."""
    return f"{issuer_url()}{RESPONSE_PATH}{request_id}"


def client_id(request_id: str) -> str:
    """Return the verifier's client identifier (prefix `redirect_uri`) for a request."""
    return f"redirect_uri:{response_uri(request_id)}"


def dcql_query(key: str, claims: list[str]) -> dict[str, Any]:
    """Return the DCQL query for credential `key` disclosing `claims` and its validity."""
    return {
        "credentials": [
            {
                "id": key,
                "format": FORMAT,
                "meta": {"vct_values": [type_url(key)]},
                "claims": [{"path": [name]} for name in (*claims, *VALIDITY_CLAIMS)],
            }
        ]
    }


@dataclass(frozen=True)
class NewPresentationRequest:
    """A presentation request and the link a wallet opens (shown as a QR code)."""

    request: PresentationRequest
    uri: str


def create_request(
    key: str, claims: list[str], requested_by: str, now: datetime | None = None
) -> NewPresentationRequest:
    """Create a request for credential `key` showing `claims` (flushes)."""
    now = now or utcnow()
    request = PresentationRequest(
        id=secrets.token_urlsafe(24),
        credential_key=key,
        nonce=secrets.token_urlsafe(24),
        requested_by=requested_by[:160],
        created_at=now,
        expires_at=now + timedelta(minutes=PRESENTATION_MINUTES),
        result={"claims_requested": list(claims)},
    )
    db.session.add(request)
    db.session.flush()
    return NewPresentationRequest(request, request_uri(request))


def request_uri(request: PresentationRequest) -> str:
    """Return the `openid4vp://` link of a request (the request passed by value)."""
    claims = list((request.result or {}).get("claims_requested", []))
    params = {
        "client_id": client_id(request.id),
        "response_type": "vp_token",
        "response_mode": "direct_post",
        "response_uri": response_uri(request.id),
        "nonce": request.nonce,
        "state": request.id,
        "dcql_query": json.dumps(dcql_query(request.credential_key, claims)),
        "client_metadata": json.dumps(
            {
                "vp_formats_supported": {
                    FORMAT: {
                        "sd-jwt_alg_values": [SIGNING_ALG],
                        "kb-jwt_alg_values": [SIGNING_ALG],
                    }
                }
            }
        ),
    }
    return f"{PRESENTATION_SCHEME}?{urlencode(params)}"


def receive_response(request_id: str, form: Any, now: datetime | None = None) -> dict[str, Any]:
    """Check a wallet's direct_post answer to request `request_id`; store the result."""
    now = now or utcnow()
    request = db.session.get(PresentationRequest, request_id)
    if request is None or request.answered_at is not None or request.expires_at <= now:
        raise UnknownRequest("the presentation request is unknown, answered or expired")
    if form.get("state") not in (None, request.id):
        raise UnknownRequest("the state does not belong to this request")
    try:
        vp_token = json.loads(form.get("vp_token") or "")
        presentations = vp_token[request.credential_key]
        presentation = presentations[0] if isinstance(presentations, list) else presentations
        if not isinstance(presentation, str):
            raise TypeError
    except (ValueError, TypeError, KeyError, IndexError):
        raise WalletError(
            f"vp_token must be JSON with a presentation under '{request.credential_key}'"
        ) from None
    claims = list((request.result or {}).get("claims_requested", []))
    result = check_presentation(
        presentation, request.credential_key, claims, request.nonce, client_id(request.id), now
    )
    request.answered_at = now
    request.result = {"claims_requested": claims, **result.as_dict()}
    return {}


@dataclass(frozen=True)
class CheckResult:
    """The outcome of checking a presentation, and the claims shown when accepted."""

    outcome: CheckOutcome
    claims: dict[str, Any]
    detail: str = ""

    @property
    def accepted(self) -> bool:
        """Say whether the credential was accepted."""
        return self.outcome == CheckOutcome.ACCEPTED

    def as_dict(self) -> dict[str, Any]:
        """Return the result as stored and as the API answers it."""
        return {
            "accepted": self.accepted,
            "outcome": str(self.outcome),
            "claims": self.claims,
            "detail": self.detail,
        }


class _Verifier(SDJWTVerifier):
    """The library's verifier, noting which disclosures the payload references."""

    def get_verified_payload(self) -> Any:
        payload = super().get_verified_payload()
        referenced = set(self._duplicate_hash_check)
        for value in _array_digests(self._sd_jwt_payload):
            referenced.add(value)
        unreferenced = set(self._hash_to_disclosure) - referenced
        if unreferenced:
            raise _Refused(CheckOutcome.BAD_DISCLOSURE, "a disclosure belongs to no claim")
        return payload


def _array_digests(value: Any) -> list[str]:
    found: list[str] = []
    if isinstance(value, dict):
        if set(value) == {"..."} and isinstance(value["..."], str):
            return [value["..."]]
        for item in value.values():
            found += _array_digests(item)
    elif isinstance(value, list):
        for item in value:
            found += _array_digests(item)
    return found


class _Refused(Exception):
    def __init__(self, outcome: CheckOutcome, detail: str) -> None:
        super().__init__(detail)
        self.outcome, self.detail = outcome, detail


def check_presentation(
    presentation: str,
    key: str,
    claims: list[str],
    nonce: str,
    audience: str,
    now: datetime | None = None,
) -> CheckResult:
    """Check an SD-JWT VC presentation of credential `key` for `nonce` and `audience`."""
    now = now or utcnow()
    try:
        payload = _verified_payload(presentation, nonce, audience, now)
        _check_payload(payload, key, now)
    except _Refused as refused:
        return CheckResult(refused.outcome, {}, refused.detail)
    wanted = (*claims, *VALIDITY_CLAIMS)
    missing = [name for name in wanted if name not in payload]
    if missing:
        return CheckResult(CheckOutcome.MISSING_CLAIMS, {}, ", ".join(missing))
    return CheckResult(CheckOutcome.ACCEPTED, {name: payload[name] for name in wanted})


def _segment(token: str, index: int) -> dict[str, Any]:
    part = token.split(".")[index]
    data = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    return data


def _verified_payload(presentation: str, nonce: str, audience: str, now: datetime) -> Any:
    parts = presentation.split("~")
    if len(parts) < 2 or not parts[-1]:
        raise _Refused(CheckOutcome.KEY_BINDING, "the presentation has no key binding JWT")
    try:
        header, unverified = _segment(parts[0], 0), _segment(parts[0], 1)
        kb = _segment(parts[-1], 1)
    except (ValueError, IndexError):
        raise _Refused(CheckOutcome.MALFORMED, "the presentation is not an SD-JWT") from None
    if header.get("typ") != FORMAT:
        raise _Refused(CheckOutcome.WRONG_TYPE, f"typ is not {FORMAT}")
    if unverified.get("iss") != issuer_url():
        raise _Refused(CheckOutcome.WRONG_ISSUER, "issued by someone else")
    if kb.get("aud") != audience:
        raise _Refused(CheckOutcome.WRONG_AUDIENCE, "the key binding names another audience")
    if kb.get("nonce") != nonce:
        raise _Refused(CheckOutcome.WRONG_NONCE, "the key binding names another nonce")
    iat = kb.get("iat")
    if not isinstance(iat, int | float) or abs(now.timestamp() - iat) > CLOCK_SKEW_SECONDS:
        raise _Refused(CheckOutcome.KEY_BINDING, "the key binding is too old or from the future")
    key = issuer_key(current_app.config["CREDENTIAL_KEY_PATH"])
    try:
        verifier = _Verifier(
            presentation,
            lambda _iss, _header: key,
            expected_aud=audience,
            expected_nonce=nonce,
        )
        return verifier.get_verified_payload()
    except _Refused:
        raise
    except JWException as exc:
        raise _Refused(CheckOutcome.BAD_SIGNATURE, str(exc)) from None
    except ValueError as exc:
        outcome = (
            CheckOutcome.BAD_DISCLOSURE
            if "digest" in str(exc).lower()
            else CheckOutcome.KEY_BINDING
        )
        raise _Refused(outcome, str(exc)) from None
    except (KeyError, TypeError, IndexError) as exc:
        raise _Refused(CheckOutcome.MALFORMED, str(exc)) from None


def _check_payload(payload: Any, key: str, now: datetime) -> None:
    if payload.get("vct") != type_url(key):
        raise _Refused(CheckOutcome.WRONG_TYPE, f"not a {key} credential")
    stamp = now.timestamp()
    nbf, exp = payload.get("nbf"), payload.get("exp")
    if isinstance(nbf, int | float) and stamp + CLOCK_SKEW_SECONDS < nbf:
        raise _Refused(CheckOutcome.NOT_YET_VALID, "not valid yet")
    if not isinstance(exp, int | float) or stamp - CLOCK_SKEW_SECONDS >= exp:
        raise _Refused(CheckOutcome.EXPIRED, "expired")
    reference = (payload.get("status") or {}).get("status_list") or {}
    uri, index = reference.get("uri"), reference.get("idx")
    prefix = f"{issuer_url()}{STATUS_LIST_PATH}"
    if not isinstance(uri, str) or not uri.startswith(prefix) or not isinstance(index, int):
        raise _Refused(CheckOutcome.MALFORMED, "no status list of this issuer")
    try:
        status_list = db.session.get(StatusList, int(uri.removeprefix(prefix)))
    except ValueError:
        status_list = None
    if status_list is None or not 0 <= index < status_list.size:
        raise _Refused(CheckOutcome.MALFORMED, "unknown status list entry")
    if status.is_revoked(status_list.bits, index):
        raise _Refused(CheckOutcome.REVOKED, "revoked")
