"""Sealed checkpoints: the log's size and root at a time, signed with the city's seal key.

The signature uses the same key material as the PDF seal (`AMTSWEG_SEAL_KEY_PATH`): a
city already guards that key and publishes its certificate, so a witness ties a
checkpoint to the city with the certificate it already trusts for documents
(`GET /audit/key`). The signed text follows the C2SP checkpoint layout (origin, tree
size, base64 root hash) with the time as an extension line.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select

from service.audit import log
from service.audit.constants import AUDIT_CHECKPOINT
from service.audit.models import Checkpoint
from service.cases.constants import Effect
from service.extensions import db, insert_unless_exists, utcnow
from service.jobs import services as jobs

_KEY_CACHE = "amtsweg.audit_signing_key"


def origin() -> str:
    """Name this log: the host of the public base URL followed by /audit."""
    return f"{urlsplit(current_app.config['BASE_URL']).netloc}/audit"


def checkpoint_body(log_origin: str, tree_size: int, root: bytes, at: datetime) -> str:
    """Return the signed text of a checkpoint."""
    stamp = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{log_origin}\n{tree_size}\n{base64.b64encode(root).decode()}\ntime {stamp}\n"


def certificate_pem() -> bytes:
    """Return the seal certificate that verifies checkpoint signatures."""
    return Path(current_app.config["SEAL_CERT_PATH"]).read_bytes()


def _private_key() -> Any:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    key = app.extensions.get(_KEY_CACHE)
    if key is None:
        from cryptography.hazmat.primitives.serialization import load_pem_private_key

        key = load_pem_private_key(Path(app.config["SEAL_KEY_PATH"]).read_bytes(), None)
        app.extensions[_KEY_CACHE] = key
    return key


def key_id() -> str:
    """Return the SHA-256 of the seal's public key (DER), naming the signing key."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    spki = _private_key().public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(spki).hexdigest()


def sign(body: str) -> tuple[str, str]:
    """Sign `body` with the seal key; return (base64 signature, algorithm name)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

    key = _private_key()
    data = body.encode()
    if isinstance(key, ec.EllipticCurvePrivateKey):
        signature, algorithm = key.sign(data, ec.ECDSA(hashes.SHA256())), "ecdsa-sha256"
    elif isinstance(key, rsa.RSAPrivateKey):
        signature = key.sign(data, padding.PKCS1v15(), hashes.SHA256())
        algorithm = "rsa-pkcs1v15-sha256"
    else:
        raise RuntimeError("the seal key must be an EC or RSA key to sign checkpoints")
    return base64.b64encode(signature).decode(), algorithm


def as_json(checkpoint: Checkpoint) -> dict[str, Any]:
    """Return the published form of a checkpoint (no personal data)."""
    return {
        "origin": checkpoint.body.split("\n", 1)[0],
        "tree_size": checkpoint.tree_size,
        "root_hash": checkpoint.root_hash,
        "timestamp": checkpoint.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "body": checkpoint.body,
        "signature": checkpoint.signature,
        "algorithm": checkpoint.algorithm,
        "key_id": checkpoint.key_id,
    }


def latest() -> Checkpoint | None:
    """Return the newest checkpoint, or None before the first."""
    return db.session.scalar(select(Checkpoint).order_by(Checkpoint.tree_size.desc()).limit(1))


def at_size(tree_size: int) -> Checkpoint | None:
    """Return the checkpoint of `tree_size` leaves, or None."""
    return db.session.get(Checkpoint, tree_size)


def covering(leaf_index: int) -> Checkpoint | None:
    """Return the newest checkpoint that includes leaf `leaf_index`, or None."""
    newest = latest()
    return newest if newest is not None and newest.tree_size > leaf_index else None


def create_checkpoint(now: datetime | None = None, *, force: bool = False) -> Checkpoint | None:
    """Seal a checkpoint of the log when it grew and the interval passed (or `force`).

    Announces it to witnesses (webhook `audit.checkpoint`) and, when configured, copies
    it to file storage, in the same transaction. Returns None when nothing was due.
    """
    now = now or utcnow()
    tree_size = log.size()
    newest = latest()
    if tree_size == 0 or (newest is not None and newest.tree_size >= tree_size):
        return None
    interval = timedelta(minutes=current_app.config.get("AUDIT_CHECKPOINT_MINUTES", 5))
    if not force and newest is not None and now - newest.created_at < interval:
        return None
    root = log.root(tree_size)
    body = checkpoint_body(origin(), tree_size, root, now)
    signature, algorithm = sign(body)
    checkpoint = Checkpoint(
        tree_size=tree_size,
        root_hash=root.hex(),
        created_at=now.replace(microsecond=0),
        body=body,
        signature=signature,
        algorithm=algorithm,
        key_id=key_id(),
    )
    if not insert_unless_exists(checkpoint):
        return None  # a concurrent run sealed this size first
    published = as_json(checkpoint)
    if current_app.config.get("AUDIT_CHECKPOINT_COPY"):
        from service.storage.services import get_storage

        checkpoint.storage_key = get_storage().put(
            json.dumps(published, indent=2).encode(), suffix=".json"
        )
    base = current_app.config["BASE_URL"].rstrip("/")
    data = {**published, "links": {"self": f"{base}/audit/checkpoints/{tree_size}"}}
    message = {"type": AUDIT_CHECKPOINT, "timestamp": published["timestamp"], "data": data}
    jobs.enqueue(
        Effect.WEBHOOK_EVENT,
        # `at` to the microsecond: a witness subscribed earlier in the same second gets it.
        {"type": AUDIT_CHECKPOINT, "at": now.isoformat(), "message": message},
        key=f"audit-checkpoint:{tree_size}",
    )
    db.session.flush()
    return checkpoint
