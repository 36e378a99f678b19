"""The keyed hash chain of audit events: the key ring, the event digest, personal fields.

Each event's `hash` is an HMAC-SHA256 over the event's canonical content and the hash of
the event before it, with a key held outside the database (`AMTSWEG_AUDIT_KEY`). Someone
who can write to the database but does not hold the key cannot recompute a changed
event's hash. The key id is stored with each event, so keys can be rotated: new events
use the current key, older ones are checked with the retired keys still in the ring
(`AMTSWEG_AUDIT_OLD_KEYS`).

Personal fields (the acting person's display name and the transition's inputs, which may
hold free text about the resident) do not enter the hash themselves: the hash covers
`personal_digest`, a SHA-256 over a random per-event salt and those fields. Anonymisation
blanks the fields and deletes the salt; the digest stays, so the chain and the Merkle log
built on it still verify, while nobody can confirm a guessed name against the digest
(the salt is gone). See docs/audit.md.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from pathlib import Path
from typing import Any

from flask import current_app

from service.config import AuditKeyError as AuditKeyError
from service.config import KeyRing as KeyRing
from service.config import build_ring as build_ring
from service.config import parse_key as parse_key

#: The hash before a case's first event.
GENESIS_HASH = "0" * 64
#: Where the development key is kept, inside the instance folder.
DEV_KEY_FILE = "audit.key"
_RING_CACHE = "amtsweg.audit_keyring"


def dev_key(instance_dir: str) -> str:
    """Return the development key from the instance folder, writing it on first use."""
    path = Path(instance_dir) / DEV_KEY_FILE
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        secret = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
        value = f"dev-{secrets.token_hex(4)}:{secret}"
        try:
            with path.open("x", encoding="utf-8") as handle:  # a parallel start may win
                handle.write(value + "\n")
            path.chmod(0o600)
        except FileExistsError:
            pass
    return path.read_text(encoding="utf-8").strip()


def keyring() -> KeyRing:
    """Return the app's key ring (built once per app)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    ring = app.extensions.get(_RING_CACHE)
    if ring is None:
        current = app.config.get("AUDIT_KEY") or dev_key(app.config["INSTANCE_DIR"])
        ring = build_ring(current, app.config.get("AUDIT_OLD_KEYS") or "")
        app.extensions[_RING_CACHE] = ring
    return ring


#: `json.dumps` with these arguments builds such an encoder on every call; it keeps no
#: state between calls.
_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def canonical(value: Any) -> bytes:
    """Serialise `value` the one way hashes are taken: sorted keys, no spaces, UTF-8."""
    return _CANONICAL.encode(value).encode()


def new_salt() -> str:
    """Return a fresh random salt for an event's personal fields."""
    return secrets.token_hex(16)


def personal_digest(salt: str, actor_label: str, inputs: Any) -> str:
    """Hash the personal fields of an event with its salt."""
    body = canonical({"actor_label": actor_label, "inputs": inputs})
    return hashlib.sha256(bytes.fromhex(salt) + body).hexdigest()


def event_content(fields: dict[str, Any]) -> bytes:
    """Return the bytes an event's keyed hash covers (`fields` as `AuditEvent.content`)."""
    return canonical(fields)


def keyed_hash(ring: KeyRing, key_id: str, content: bytes) -> str | None:
    """Return HMAC-SHA256 of `content` under `key_id`, or None when the key is unknown."""
    secret = ring.key(key_id)
    if secret is None:
        return None
    return hmac.new(secret, content, hashlib.sha256).hexdigest()
