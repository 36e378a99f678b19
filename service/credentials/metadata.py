"""What wallets and verifiers read: issuer metadata, issuer keys and type metadata."""

from __future__ import annotations

from typing import Any

from flask import current_app

from service.credentials.constants import FORMAT, SIGNING_ALG
from service.credentials.issuance import issuer_url, type_url
from service.credentials.keys import public_jwk
from service.definitions.credentials import CredentialDefinition
from service.definitions.services import current_city, current_registry

LOCALES = (("de", "de-DE"), ("en", "en-GB"))


def current_credentials() -> dict[str, CredentialDefinition]:
    """Return the credentials the current workflow versions declare, by key."""
    return {
        cred.key: cred for service in current_registry().current() for cred in service.credentials
    }


def _claims(cred: CredentialDefinition) -> list[dict[str, Any]]:
    claims = [
        {
            "path": [name],
            "display": [{"name": label, "locale": locale} for label, locale in labels],
        }
        for name, labels in (
            ("valid_from", (("Gültig ab", "de-DE"), ("Valid from", "en-GB"))),
            ("valid_until", (("Gültig bis", "de-DE"), ("Valid until", "en-GB"))),
        )
    ]
    for claim in cred.claims:
        path: list[Any] = [claim.name, None] if claim.disclosable == "items" else [claim.name]
        claims.append(
            {
                "path": path,
                "display": [
                    {"name": claim.label.get(lang), "locale": locale} for lang, locale in LOCALES
                ],
            }
        )
    return claims


def issuer_metadata() -> dict[str, Any]:
    """Return the credential issuer metadata (OpenID4VCI 1.0, section 12.2)."""
    base = issuer_url()
    configurations = {
        key: {
            "format": FORMAT,
            "vct": type_url(key),
            "scope": key,
            "cryptographic_binding_methods_supported": ["jwk"],
            "credential_signing_alg_values_supported": [SIGNING_ALG],
            "proof_types_supported": {"jwt": {"proof_signing_alg_values_supported": [SIGNING_ALG]}},
            "credential_metadata": {
                "display": [
                    {"name": cred.title.get(lang), "locale": locale} for lang, locale in LOCALES
                ],
                "claims": _claims(cred),
            },
        }
        for key, cred in current_credentials().items()
    }
    return {
        "credential_issuer": base,
        "credential_endpoint": f"{base}/credentials/credential",
        "nonce_endpoint": f"{base}/credentials/nonce",
        "display": [
            {"name": current_city().name.get(lang), "locale": locale} for lang, locale in LOCALES
        ],
        "credential_configurations_supported": configurations,
    }


def authorization_server_metadata() -> dict[str, Any]:
    """Return the OAuth metadata of the token endpoint (the issuer is its own server)."""
    base = issuer_url()
    return {
        "issuer": base,
        "token_endpoint": f"{base}/credentials/token",
        "grant_types_supported": ["urn:ietf:params:oauth:grant-type:pre-authorized_code"],
        "pre-authorized_grant_anonymous_access_supported": True,
    }


def jwt_vc_issuer() -> dict[str, Any]:
    """Return the JWT VC issuer metadata: the issuer and its public keys."""
    return {
        "issuer": issuer_url(),
        "jwks": {"keys": [public_jwk(current_app.config["CREDENTIAL_KEY_PATH"])]},
    }


def type_metadata(key: str) -> dict[str, Any] | None:
    """Return the SD-JWT VC type metadata of credential `key`, or None if unknown."""
    cred = current_credentials().get(key)
    if cred is None:
        return None
    sd = {"never": "never", "always": "always", "items": "never"}
    claims = []
    for claim in cred.claims:
        display = [{"locale": locale, "label": claim.label.get(lang)} for lang, locale in LOCALES]
        claims.append({"path": [claim.name], "display": display, "sd": sd[claim.disclosable]})
        if claim.disclosable == "items":
            claims.append({"path": [claim.name, None], "sd": "always"})
    display = []
    for lang, locale in LOCALES:
        entry = {"locale": locale, "name": cred.title.get(lang)}
        if cred.description:
            entry["description"] = cred.description.get(lang)
        display.append(entry)
    return {
        "vct": type_url(key),
        "name": cred.title.get("en"),
        "description": cred.description.get("en") if cred.description else cred.title.get("en"),
        "display": display,
        "claims": claims,
    }
