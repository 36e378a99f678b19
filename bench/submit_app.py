"""amtsweg as an integrator sees it: POST /api/v1/cases with a signed access token.

The bench plays the identity provider: it makes an RSA key, hands the public key set to
the app (the static `API_JWKS` setting, so no discovery request is needed) and signs one
RFC 9068 access token for the load generator. The app then does everything a real call
does: token check, Idempotency-Key record, applicant look-up, validation, case, audit
event, outbox rows, the response body, commit and the JSON log line.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from typing import Any

from flask import Flask

ISSUER = "https://bench.invalid/realms/city"
AUDIENCE = "amtsweg-api"
KEY_ID = "bench-key-1"
#: Where the public key set travels from the bench to the gunicorn workers.
JWKS_ENV = "AMTSWEG_BENCH_JWKS"


def bench_credentials(lifetime: int = 3600) -> tuple[str, str]:
    """Return (public JWKS as JSON, an access token with cases:write) for a fresh key."""
    from joserfc import jwt
    from joserfc.jwk import RSAKey

    key = RSAKey.generate_key(2048, parameters={"kid": KEY_ID, "use": "sig", "alg": "RS256"})
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "sub": "bench-register",
        "aud": AUDIENCE,
        "client_id": "bench-register",
        "scope": "cases:write cases:read",
        "iat": now,
        "exp": now + lifetime,
        "jti": uuid.uuid4().hex,
    }
    token = jwt.encode({"alg": "RS256", "typ": "at+jwt", "kid": KEY_ID}, claims, key)
    return json.dumps({"keys": [key.as_dict(private=False)]}), token


def bench_environment(jwks: str) -> dict[str, str]:
    """Return the environment that makes amtsweg trust the bench's issuer."""
    return {
        "AMTSWEG_ENV": "development",
        # One bench client sends thousands of submissions a minute: no API rate limit.
        "AMTSWEG_RATELIMIT_ENABLED": "false",
        "AMTSWEG_API_ISSUER": ISSUER,
        "AMTSWEG_API_AUDIENCE": AUDIENCE,
        JWKS_ENV: jwks,
    }


def create_bench_app() -> Flask:
    """Return amtsweg (from the environment), trusting the bench's signing key."""
    from service import create_app

    return create_app({"API_JWKS": json.loads(os.environ[JWKS_ENV])})


def submission_body(data: dict[str, Any]) -> dict[str, Any]:
    """Return the POST /api/v1/cases body for a residence registration."""
    return {
        "service": "residence_registration",
        "applicant": {"subject": "bench-resident", "name": "Bench Resident"},
        "data": data,
        "lang": "de",
    }


def prepare_database() -> None:
    """Create the tables and store the definitions (run once, before the workers start)."""
    from service import create_app
    from service.extensions import db
    from service.transactions import ensure_definitions_synced

    app = create_app()
    with app.app_context():
        db.create_all()
        ensure_definitions_synced()
        db.session.commit()
