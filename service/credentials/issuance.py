"""OpenID4VCI 1.0, pre-authorized code flow: offers, tokens, nonces and credentials.

The credential is an SD-JWT VC made by the OpenWallet Foundation's `sd-jwt` library;
proofs are checked with joserfc. Codes, PINs and tokens are kept only as keyed hashes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import quote

import isodate
from flask import current_app
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey
from jwcrypto.jwk import JWK
from sd_jwt.common import SDObj
from sd_jwt.issuer import SDJWTIssuer
from sqlalchemy import update

from service import engine
from service.cases import services as cases
from service.cases.constants import AuditAction
from service.cases.models import Case
from service.credentials import status
from service.credentials.constants import (
    CLOCK_SKEW_SECONDS,
    FORMAT,
    MAX_TX_CODE_TRIES,
    NONCE_SECONDS,
    OFFER_MINUTES,
    OFFER_SCHEME,
    PRE_AUTHORIZED_GRANT,
    PROOF_TYP,
    SIGNING_ALG,
    TOKEN_SECONDS,
    TX_CODE_LENGTH,
    TYPE_PATH,
)
from service.credentials.errors import (
    InvalidGrant,
    InvalidNonce,
    InvalidProof,
    InvalidToken,
    NotAvailable,
    UnknownCredential,
    WrongTransactionCode,
)
from service.credentials.keys import issuer_key
from service.credentials.models import CredentialOffer, IssuedCredential, WalletNonce
from service.definitions.credentials import CredentialDefinition, is_duration
from service.extensions import db, utcnow
from service.rules.dates import LOCAL_TIMEZONE


def issuer_url() -> str:
    """Return the credential issuer identifier (the instance's base URL)."""
    return str(current_app.config["BASE_URL"]).rstrip("/")


def type_url(key: str) -> str:
    """Return the `vct` of credential `key`: where its type metadata is served."""
    return f"{issuer_url()}{TYPE_PATH}{key}"


def _digest(kind: str, value: str) -> str:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def available_credentials(case: Case) -> list[CredentialDefinition]:
    """Return the credentials the case makes available now (issued, not revoked)."""
    fired = {entry.transition for entry in cases.history(case)}
    return [
        cred
        for cred in cases.service_for(case).credentials
        if fired & set(cred.issued_by) and not fired & set(cred.revoked_by)
    ]


def _available(case: Case, key: str) -> CredentialDefinition:
    for cred in available_credentials(case):
        if cred.key == key:
            return cred
    raise NotAvailable("this case does not make this credential available")


@dataclass(frozen=True)
class NewOffer:
    """An offer as the resident sees it once: the link, the PIN and when it expires."""

    uri: str
    tx_code: str
    expires_at: datetime
    credential: CredentialDefinition


def create_offer(case: Case, key: str, now: datetime | None = None) -> NewOffer:
    """Make a one-time offer of credential `key` of the case, with a new PIN (flushes)."""
    cred = _available(case, key)
    now = now or utcnow()
    code = secrets.token_urlsafe(32)
    tx_code = "".join(secrets.choice("0123456789") for _ in range(TX_CODE_LENGTH))
    offer = CredentialOffer(
        case_id=case.id,
        credential_key=key,
        code_hash=_digest("code", code),
        tx_code_hash=_digest("tx_code", code + tx_code),
        tries=0,
        created_at=now,
        expires_at=now + timedelta(minutes=OFFER_MINUTES),
    )
    db.session.add(offer)
    db.session.flush()
    payload = {
        "credential_issuer": issuer_url(),
        "credential_configuration_ids": [key],
        "grants": {
            PRE_AUTHORIZED_GRANT: {
                "pre-authorized_code": code,
                "tx_code": {
                    "input_mode": "numeric",
                    "length": TX_CODE_LENGTH,
                    "description": "PIN aus dem Bürgerportal / PIN shown in the portal",
                },
            }
        },
    }
    text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
    uri = f"{OFFER_SCHEME}?credential_offer={quote(text, safe='')}"
    return NewOffer(uri, tx_code, offer.expires_at, cred)


def exchange_code(code: str, tx_code: str, now: datetime | None = None) -> dict[str, Any]:
    """Trade a pre-authorized code and its PIN for an access token (once).

    A wrong PIN counts a try (the caller commits before answering); after
    MAX_TX_CODE_TRIES wrong ones the offer is spent.
    """
    now = now or utcnow()
    offer = db.session.scalars(
        db.select(CredentialOffer).where(CredentialOffer.code_hash == _digest("code", code))
    ).first()
    if offer is None or offer.redeemed_at is not None or offer.expires_at <= now:
        raise InvalidGrant("the pre-authorized code is unknown, used or expired")
    if not hmac.compare_digest(offer.tx_code_hash, _digest("tx_code", code + tx_code)):
        tries = offer.tries + 1
        values: dict[str, Any] = {"tries": CredentialOffer.tries + 1}
        if tries >= MAX_TX_CODE_TRIES:
            values["redeemed_at"] = now
        db.session.execute(
            update(CredentialOffer).where(CredentialOffer.id == offer.id).values(**values)
        )
        left = max(MAX_TX_CODE_TRIES - tries, 0)
        raise WrongTransactionCode(
            f"wrong transaction code; {left} tries left"
            if left
            else "wrong transaction code; the offer is spent, create a new one in the portal"
        )
    token = secrets.token_urlsafe(32)
    # One winner even when a wallet sends the code twice at once: the row is claimed.
    claimed = db.session.execute(
        update(CredentialOffer)
        .where(CredentialOffer.id == offer.id, CredentialOffer.redeemed_at.is_(None))
        .values(
            redeemed_at=now,
            token_hash=_digest("token", token),
            token_expires_at=now + timedelta(seconds=TOKEN_SECONDS),
        )
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise InvalidGrant("the pre-authorized code is unknown, used or expired")
    return {
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": TOKEN_SECONDS,
        "authorization_details": [
            {
                "type": "openid_credential",
                "credential_configuration_id": offer.credential_key,
                "credential_identifiers": [offer.credential_key],
            }
        ],
    }


def new_nonce(now: datetime | None = None) -> str:
    """Return a fresh `c_nonce` for a proof of possession (flushes)."""
    now = now or utcnow()
    value = secrets.token_urlsafe(32)
    db.session.add(
        WalletNonce(
            value_hash=_digest("nonce", value), expires_at=now + timedelta(seconds=NONCE_SECONDS)
        )
    )
    db.session.flush()
    return value


def _use_nonce(value: Any, now: datetime) -> None:
    if not isinstance(value, str):
        raise InvalidNonce("the proof has no nonce; fetch one from the nonce endpoint")
    used = db.session.execute(
        update(WalletNonce)
        .where(
            WalletNonce.value_hash == _digest("nonce", value),
            WalletNonce.used_at.is_(None),
            WalletNonce.expires_at > now,
        )
        .values(used_at=now)
    )
    if used.rowcount != 1:  # type: ignore[attr-defined]
        raise InvalidNonce("the nonce is unknown, used or expired; fetch a fresh one")


def _holder_key(proof: Any, now: datetime) -> JWK:
    """Check a `jwt` proof (OpenID4VCI 1.0, F.1) and return the holder's public key."""
    if not isinstance(proof, str):
        raise InvalidProof("a jwt proof is required")
    try:
        header = jws.extract_compact(proof.encode()).protected
        jwk = header.get("jwk")
        if not isinstance(jwk, dict) or "d" in jwk or header.get("typ") != PROOF_TYP:
            raise InvalidProof(f"the proof needs typ {PROOF_TYP} and a public jwk")
        token = jwt.decode(proof, ECKey.import_key(jwk), algorithms=[SIGNING_ALG])
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise InvalidProof(f"the proof cannot be verified: {exc}") from None
    claims = token.claims
    if claims.get("aud") != issuer_url():
        raise InvalidProof("the proof is not addressed to this credential issuer")
    iat = claims.get("iat")
    if not isinstance(iat, int | float) or abs(now.timestamp() - iat) > CLOCK_SKEW_SECONDS:
        raise InvalidProof("the proof's iat is missing or too far from now")
    _use_nonce(claims.get("nonce"), now)
    return JWK(**jwk)


def _offer_for_token(token: str, now: datetime) -> CredentialOffer:
    offer = db.session.scalars(
        db.select(CredentialOffer).where(CredentialOffer.token_hash == _digest("token", token))
    ).first()
    if (
        offer is None
        or offer.issued_at is not None
        or offer.token_expires_at is None
        or offer.token_expires_at <= now
    ):
        raise InvalidToken("the access token is unknown, used or expired")
    return offer


def issue_credential(token: str, body: Any, now: datetime | None = None) -> dict[str, Any]:
    """Answer a credential request: check token and proof, sign the credential, audit it."""
    now = now or utcnow()
    offer = _offer_for_token(token, now)
    if not isinstance(body, dict):
        raise UnknownCredential("the request must be a JSON object")
    wanted = body.get("credential_configuration_id") or body.get("credential_identifier")
    if wanted != offer.credential_key:
        raise UnknownCredential(f"this token is for '{offer.credential_key}' only")
    proofs = body.get("proofs")
    jwt_proofs = proofs.get("jwt") if isinstance(proofs, dict) else None
    if not isinstance(jwt_proofs, list) or len(jwt_proofs) != 1:
        raise InvalidProof("send exactly one proof as proofs.jwt")
    holder = _holder_key(jwt_proofs[0], now)
    case = db.session.get(Case, offer.case_id)
    if case is None:
        raise NotAvailable("the case is gone")
    cred = _available(case, offer.credential_key)
    credential, issued = _sign(case, cred, holder, now)
    offer.issued_at = now
    cases.record_event(
        case,
        AuditAction.CREDENTIAL_ISSUED,
        engine.Actor(id=str(case.applicant_id), kind="user", label="Wallet"),
        {
            "credential": cred.key,
            "credential_id": issued.id,
            "valid_until": issued.valid_until.isoformat(),
        },
    )
    return {"credentials": [{"credential": credential}]}


def _evaluate(source: str, context: dict[str, Any]) -> Any:
    from service.rules.services import EvaluationError, compile_expression

    try:
        return compile_expression(source).evaluate(context)
    except EvaluationError:
        return None


def _validity(
    cred: CredentialDefinition, context: dict[str, Any], now: datetime
) -> tuple[datetime, datetime]:
    """Return when the credential starts and ends, in UTC.

    A start date (the permit's first day) begins at midnight on the town hall's calendar
    (Europe/Berlin), and the period is added in local wall time, so a permit from today is
    valid at 00:30 in the city and a six-month permit from 1 July ends with 31 December.
    """
    start = now
    if cred.valid_from:
        value = _evaluate(cred.valid_from, context)
        if value:
            day = date.fromisoformat(str(value)[:10])
            start = datetime.combine(day, time(), tzinfo=LOCAL_TIMEZONE)
    period = cred.valid_for if is_duration(cred.valid_for) else _evaluate(cred.valid_for, context)
    until = start + isodate.parse_duration(str(period or "P1Y"))
    return start.astimezone(UTC), until.astimezone(UTC)


def _local_day(moment: datetime) -> str:
    """Return the date of `moment` on the town hall's calendar, as YYYY-MM-DD."""
    return moment.astimezone(LOCAL_TIMEZONE).date().isoformat()


def _plain(value: Any) -> Any:
    """Return `value` as JSON: dates as YYYY-MM-DD, also inside lists and maps."""
    if isinstance(value, datetime | date):
        return value.isoformat()[:10]
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


def _sign(
    case: Case, cred: CredentialDefinition, holder: JWK, now: datetime
) -> tuple[str, IssuedCredential]:
    from service.cases.computed import expression_context

    context = {
        **expression_context(case),
        "case": {"reference": case.reference, "submitted_on": case.submitted_at.date().isoformat()},
    }
    valid_from, valid_until = _validity(cred, context, now)
    status_list, index = status.allocate_index()
    issued = IssuedCredential(
        case_id=case.id,
        credential_key=cred.key,
        status_list_id=status_list.id,
        status_index=index,
        issued_at=now,
        valid_from=valid_from,
        valid_until=valid_until,
    )
    db.session.add(issued)
    db.session.flush()
    claims: dict[Any, Any] = {
        "iss": issuer_url(),
        "vct": type_url(cred.key),
        "iat": int(now.timestamp()),
        "nbf": int(valid_from.timestamp()),
        "exp": int(valid_until.timestamp()),
        "status": {"status_list": {"idx": index, "uri": status.status_list_uri(status_list.id)}},
        "valid_from": _local_day(valid_from),
        "valid_until": _local_day(valid_until - timedelta(seconds=1)),
    }
    for claim in cred.claims:
        value = _plain(_evaluate(claim.value, context))
        if value is None:
            continue
        if claim.disclosable == "items" and isinstance(value, list):
            claims[claim.name] = [SDObj(item) for item in value]
        elif claim.disclosable == "never":
            claims[claim.name] = value
        else:
            claims[SDObj(claim.name)] = value
    key = issuer_key(current_app.config["CREDENTIAL_KEY_PATH"])
    sd_jwt = SDJWTIssuer(
        claims,
        key,
        holder_key=holder,
        sign_alg=SIGNING_ALG,
        add_decoy_claims=True,
        extra_header_parameters={"typ": FORMAT, "kid": key.get("kid")},
    )
    return sd_jwt.sd_jwt_issuance, issued
