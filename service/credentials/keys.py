"""The issuer's signing key: ES256 (P-256), from a PEM file.

In development the key is generated under instance/ on first start; in production it
must exist (AMTSWEG_CREDENTIAL_KEY_PATH), like the document seal.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from jwcrypto.jwk import JWK

_cache: dict[tuple[str, float], JWK] = {}
_lock = threading.Lock()


class IssuerKeyMissing(RuntimeError):
    """The credential signing key is not where the configuration says."""


def ensure_issuer_key(config: dict[str, Any]) -> None:
    """Generate the development key, or refuse to start in production without one."""
    path = Path(config["CREDENTIAL_KEY_PATH"])
    if path.is_file():
        return
    if config.get("AMTSWEG_ENV") == "production":
        from service.config import ConfigError

        raise ConfigError(
            "The credential signing key must exist in production "
            f"(AMTSWEG_CREDENTIAL_KEY_PATH, a P-256 private key in PEM); missing: {path}"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    key = JWK.generate(kty="EC", crv="P-256")
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key.export_to_pem(private_key=True, password=None))
    try:
        # A hard link never replaces: of two processes starting at once, the first key wins.
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink()


def issuer_key(path: str) -> JWK:
    """Return the private signing key (read once per file version), its `kid` set."""
    try:
        stamp = Path(path).stat().st_mtime
    except OSError:
        raise IssuerKeyMissing(f"no credential signing key at {path}") from None
    with _lock:
        key = _cache.get((path, stamp))
        if key is None:
            key = JWK.from_pem(Path(path).read_bytes())
            if key.get("crv") != "P-256":
                raise IssuerKeyMissing(f"{path} is not a P-256 key (ES256)")
            fields = {**key.export(as_dict=True), "kid": key.thumbprint(), "alg": "ES256"}
            key = JWK(**fields, use="sig")
            _cache[(path, stamp)] = key
        return key


def public_jwk(path: str) -> dict[str, Any]:
    """Return the public key as a JWK dict (for `/.well-known/jwt-vc-issuer`)."""
    key = issuer_key(path)
    public: dict[str, Any] = key.export_public(as_dict=True)
    return public
