"""IETF Token Status Lists: one bit per credential, served as a signed JWT.

The bit packing is written here: the list format is a few lines of zlib and bit
arithmetic (draft-ietf-oauth-status-list, section 4), and the one Python package for it
(`token-status-list`) is an unmaintained alpha. Signing uses joserfc.
"""

from __future__ import annotations

import base64
import secrets
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from joserfc import jwt
from joserfc.jwk import ECKey
from sqlalchemy import select

from service.credentials.constants import (
    SIGNING_ALG,
    STATUS_LIST_PATH,
    STATUS_LIST_SIZE,
    STATUS_LIST_TTL,
    STATUS_LIST_TYP,
)
from service.credentials.keys import issuer_key
from service.credentials.models import IssuedCredential, StatusList
from service.extensions import db, utcnow

#: A list takes new credentials until this share of its entries is used, so that a new
#: credential's index stays a random pick among many free ones.
_FILL_LIMIT = 0.5


def status_list_uri(list_id: int) -> str:
    """Return the public URL of status list `list_id` (also its JWT's `sub`)."""
    return current_app.config["BASE_URL"].rstrip("/") + f"{STATUS_LIST_PATH}{list_id}"


def allocate_index() -> tuple[StatusList, int]:
    """Reserve a random free entry of an open status list (the caller flushes the row)."""
    query = select(StatusList).where(StatusList.used < int(STATUS_LIST_SIZE * _FILL_LIMIT))
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update()
    status_list = db.session.scalars(query.order_by(StatusList.id).limit(1)).first()
    if status_list is None:
        status_list = StatusList(size=STATUS_LIST_SIZE, used=0, bits=bytes(STATUS_LIST_SIZE // 8))
        db.session.add(status_list)
        db.session.flush()
    taken = set(
        db.session.scalars(
            select(IssuedCredential.status_index).where(
                IssuedCredential.status_list_id == status_list.id
            )
        )
    )
    while True:
        index = secrets.randbelow(status_list.size)
        if index not in taken:
            break
    status_list.used += 1
    return status_list, index


def set_revoked(status_list_id: int, index: int, now: datetime | None = None) -> None:
    """Set the credential's bit in its list (index 0 is the lowest bit of the first byte)."""
    query = select(StatusList).where(StatusList.id == status_list_id)
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update()
    status_list = db.session.scalars(query).one()
    bits = bytearray(status_list.bits)
    bits[index // 8] |= 1 << (index % 8)
    status_list.bits = bytes(bits)
    status_list.updated_at = now or utcnow()


def is_revoked(bits: bytes, index: int) -> bool:
    """Read one entry of a list of 1-bit statuses."""
    return bool(bits[index // 8] >> (index % 8) & 1)


@dataclass(frozen=True)
class SignedStatusList:
    """A status list JWT and what HTTP caches need to know about it."""

    token: str
    etag: str
    last_modified: datetime


def signed_status_list(list_id: int, key_path: str) -> SignedStatusList | None:
    """Return status list `list_id` as a signed `statuslist+jwt`, or None if unknown."""
    status_list = db.session.get(StatusList, list_id)
    if status_list is None:
        return None
    key = issuer_key(key_path)
    now = utcnow()
    header = {"alg": SIGNING_ALG, "typ": STATUS_LIST_TYP, "kid": key.get("kid")}
    claims = {
        "sub": status_list_uri(list_id),
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(days=1)).timestamp()),
        "ttl": STATUS_LIST_TTL,
        "status_list": {
            "bits": 1,
            "lst": base64.urlsafe_b64encode(zlib.compress(status_list.bits, 9))
            .rstrip(b"=")
            .decode(),
        },
    }
    token = jwt.encode(header, claims, ECKey.import_key(key.export(as_dict=True)))
    stamp = int(status_list.updated_at.timestamp() * 1_000_000)
    return SignedStatusList(token, f'"{list_id}-{stamp}"', status_list.updated_at)


def revoked_in(token_lst: str, index: int) -> bool:
    """Read entry `index` of a list's `lst` value (for checking a presented credential)."""
    padded = token_lst + "=" * (-len(token_lst) % 4)
    bits = zlib.decompress(base64.urlsafe_b64decode(padded))
    if index >= len(bits) * 8:
        raise IndexError(index)
    return is_revoked(bits, index)
