"""An independent witness of the audit log: what another city or a notary would run.

Deliberately imports nothing of amtsweg (only the standard library and `cryptography`),
so it documents the public format in code a witness can copy: fetch the seal
certificate and two checkpoints, check their signatures, fetch the RFC 9162
consistency proof between them and check that the newer tree extends the older one.
"""

from __future__ import annotations

import base64
import hashlib
import json
import urllib.request
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa


@dataclass(frozen=True)
class TreeHead:
    """A checkpoint whose signature checked out: the log's size and root hash."""

    origin: str
    size: int
    root: bytes


def fetch(url: str) -> bytes:
    """GET `url` and return the body (raises on any status but 200)."""
    with urllib.request.urlopen(url, timeout=10) as response:
        if response.status != 200:
            raise RuntimeError(f"{url}: HTTP {response.status}")
        return bytes(response.read())


def check_checkpoint(checkpoint: dict[str, Any], certificate_pem: bytes) -> TreeHead:
    """Check a checkpoint's signature with the seal certificate; return its tree head."""
    key = x509.load_pem_x509_certificate(certificate_pem).public_key()
    body = checkpoint["body"].encode()
    signature = base64.b64decode(checkpoint["signature"])
    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, body, ec.ECDSA(hashes.SHA256()))
        elif isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, body, padding.PKCS1v15(), hashes.SHA256())
        else:
            raise ValueError("unsupported key type")
    except InvalidSignature:
        raise ValueError("the checkpoint's signature is not the seal's") from None
    origin, size, root = checkpoint["body"].split("\n")[:3]
    return TreeHead(origin, int(size), base64.b64decode(root))


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def consistent(old: TreeHead, new: TreeHead, proof: list[bytes]) -> bool:
    """RFC 9162 section 2.1.4.2: does `proof` show that `new` extends `old`?"""
    m, n = old.size, new.size
    if not 0 < m <= n:
        return False
    if m == n:
        return not proof and old.root == new.root
    if m & (m - 1) == 0:  # the old tree is a complete subtree: its root starts the walk
        proof = [old.root, *proof]
    if not proof:
        return False
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = _node(c, fr), _node(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = _node(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == old.root and sr == new.root


def witness(base_url: str, old_size: int) -> tuple[TreeHead, TreeHead]:
    """Check the checkpoint of `old_size` and the latest one and that the log only grew."""
    certificate = fetch(f"{base_url}/audit/key")
    old = check_checkpoint(
        json.loads(fetch(f"{base_url}/audit/checkpoints/{old_size}")), certificate
    )
    new = check_checkpoint(json.loads(fetch(f"{base_url}/audit/checkpoints/latest")), certificate)
    answer = json.loads(fetch(f"{base_url}/audit/proofs/consistency?from={old.size}&to={new.size}"))
    proof = [bytes.fromhex(h) for h in answer["proof"]]
    if not consistent(old, new, proof):
        raise ValueError(f"the log of size {new.size} does not extend the one of size {old.size}")
    return old, new
