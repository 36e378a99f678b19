"""Webhook signing secrets: kept encrypted, rotated with an overlap, signing each message.

Signatures follow Standard Webhooks (`webhook-signature: v1,<base64>`), one per secret
that is valid now: the current one and, for a day after a rotation, the previous one.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import datetime

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app
from standardwebhooks.webhooks import Webhook

from service.extensions import utcnow
from service.webhooks.constants import SECRET_PREFIX
from service.webhooks.models import Subscription


def _fernet() -> Fernet:
    # Derived from SECRET_KEY: a database dump alone does not reveal the signing secrets.
    digest = hashlib.sha256(b"amtsweg-webhook-secrets:" + current_app.secret_key.encode()).digest()  # type: ignore[union-attr]
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt(secret: str) -> str:
    """Return `secret` encrypted for the database (the key derives from SECRET_KEY)."""
    return _fernet().encrypt(secret.encode()).decode()


def decrypt(token: str) -> str:
    """Return the secret `encrypt` gave `token` for."""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise RuntimeError("webhook secret cannot be decrypted (was SECRET_KEY changed?)") from None


def new_secret() -> str:
    """Return a new signing secret in the Standard Webhooks format (whsec_ + base64)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def signing_secrets(sub: Subscription, now: datetime | None = None) -> list[str]:
    """Return the secrets that sign now: the current one, and the previous one for 24 h."""
    now = now or utcnow()
    keys = [decrypt(sub.secret_encrypted)]
    valid_until = sub.previous_valid_until
    if sub.previous_secret_encrypted and valid_until and valid_until > now:
        keys.append(decrypt(sub.previous_secret_encrypted))
    return keys


def sign(sub: Subscription, message_id: str, timestamp: datetime, body: str) -> str:
    """Return the webhook-signature header: one signature per valid secret, space-separated."""
    return " ".join(Webhook(s).sign(message_id, timestamp, body) for s in signing_secrets(sub))
