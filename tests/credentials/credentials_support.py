"""A minimal holder for the refusal tests: proofs with joserfc, presentations with sd-jwt.

The interoperability test uses an independent wallet (tests/credentials/wallet/); this
holder only exists to send what that wallet never would (stale nonces, tampering).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from joserfc import jwt
from joserfc.jwk import ECKey
from jwcrypto.jwk import JWK
from sd_jwt.holder import SDJWTHolder

PRE_AUTH = "urn:ietf:params:oauth:grant-type:pre-authorized_code"


@dataclass
class Holder:
    """A wallet's key pair and the steps of the pre-authorized code flow."""

    key: JWK = field(default_factory=lambda: JWK.generate(kty="EC", crv="P-256"))

    def proof(
        self, nonce: str | None, aud: str = "http://localhost", iat: float | None = None
    ) -> str:
        header = {
            "alg": "ES256",
            "typ": "openid4vci-proof+jwt",
            "jwk": self.key.export_public(as_dict=True),
        }
        claims: dict[str, Any] = {"aud": aud, "iat": int(iat or time.time())}
        if nonce is not None:
            claims["nonce"] = nonce
        return jwt.encode(header, claims, ECKey.import_key(self.key.export(as_dict=True)))

    def present(self, credential: str, disclose: dict[str, Any], nonce: str, aud: str) -> str:
        holder = SDJWTHolder(credential)
        holder.create_presentation(
            disclose, nonce=nonce, aud=aud, holder_key=self.key, sign_alg="ES256"
        )
        return str(holder.sd_jwt_presentation)


def offer_code(uri: str) -> str:
    """Return the pre-authorized code of an `openid-credential-offer://` link."""
    offer = json.loads(unquote(parse_qs(urlsplit(uri).query)["credential_offer"][0]))
    return str(offer["grants"][PRE_AUTH]["pre-authorized_code"])


def token(client: Any, code: str, pin: str) -> Any:
    return client.post(
        "/credentials/token",
        data={"grant_type": PRE_AUTH, "pre-authorized_code": code, "tx_code": pin},
    )


def nonce(client: Any) -> str:
    return str(client.post("/credentials/nonce").get_json()["c_nonce"])


def request_credential(
    client: Any, access_token: str, proof: str, key: str = "parking_permit"
) -> Any:
    return client.post(
        "/credentials/credential",
        json={"credential_configuration_id": key, "proofs": {"jwt": [proof]}},
        headers={"Authorization": f"Bearer {access_token}"},
    )
