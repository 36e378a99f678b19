"""The city's electronic seal: PAdES signatures with pyHanko, and the development key.

Production reads the key and certificate from `AMTSWEG_SEAL_KEY_PATH` and
`AMTSWEG_SEAL_CERT_PATH` and refuses to start without them. Everywhere else a
self-signed development key is generated on first start, so `make run` seals documents
with no setup (and nobody mistakes them for real ones: the certificate says "Entwicklung").
"""

from __future__ import annotations

import asyncio
import io
import os
import sys
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from service.documents.constants import DEV_SEAL_SUFFIX, SEAL_BYTES_RESERVED

if TYPE_CHECKING:
    from collections.abc import Iterator

    from pyhanko.sign.signers import SimpleSigner


T = TypeVar("T")


class SealMissing(RuntimeError):
    """The seal key or certificate is not where the configuration says."""


@contextmanager
def _lock(directory: Path) -> Iterator[None]:
    """Hold an exclusive lock, so parallel first starts generate one key, not two halves."""
    if sys.platform == "win32":  # no fcntl: a race at first start is the only risk
        yield
        return
    import fcntl

    with (directory / ".lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def generate_dev_seal(
    key_path: Path, cert_path: Path, *, force: bool = False, organisation: str = "amtsweg"
) -> bool:
    """Write a development key and self-signed certificate; return False if both exist."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key_path.parent.mkdir(parents=True, exist_ok=True)
    cert_path.parent.mkdir(parents=True, exist_ok=True)
    with _lock(key_path.parent):
        if not force and key_path.is_file() and cert_path.is_file():
            return False
        # ECDSA P-256: as strong as RSA-3072 and far cheaper per signature.
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "DE"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
                x509.NameAttribute(NameOID.COMMON_NAME, organisation + DEV_SEAL_SUFFIX),
            ]
        )
        now = datetime.now(UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=True,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .sign(key, hashes.SHA256())
        )
        key_pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        _write_atomic(key_path, key_pem, mode=0o600)
        _write_atomic(cert_path, cert.public_bytes(serialization.Encoding.PEM), mode=0o644)
    return True


def _write_atomic(path: Path, data: bytes, mode: int) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    tmp.replace(path)


def ensure_seal(config: dict[str, Any], organisation: str = "amtsweg") -> None:
    """Make sure the seal exists: generate it in development, refuse to start in production."""
    key_path, cert_path = Path(config["SEAL_KEY_PATH"]), Path(config["SEAL_CERT_PATH"])
    if config.get("AMTSWEG_ENV") == "production":
        missing = [str(p) for p in (key_path, cert_path) if not p.is_file()]
        if missing:
            from service.config import ConfigError

            raise ConfigError(
                "The seal key and certificate must exist in production "
                f"(AMTSWEG_SEAL_KEY_PATH, AMTSWEG_SEAL_CERT_PATH); missing: {', '.join(missing)}"
            )
        return
    generate_dev_seal(key_path, cert_path, organisation=organisation)


# ------------------------------------------------------------------ signing

_signers: dict[tuple[str, str, float, float], SimpleSigner] = {}
_signers_lock = threading.Lock()


def _signer(key_path: str, cert_path: str) -> SimpleSigner:
    """Return a signer for the key files, loaded once (reloaded when a file changes)."""
    try:
        stamp = (key_path, cert_path, os.stat(key_path).st_mtime, os.stat(cert_path).st_mtime)
    except FileNotFoundError as exc:
        raise SealMissing(str(exc.filename)) from None
    with _signers_lock:
        signer = _signers.get(stamp)
        if signer is None:
            signer = _load_signer(key_path, cert_path)
            _signers.clear()
            _signers[stamp] = signer
        return signer


def _load_signer(key_path: str, cert_path: str) -> SimpleSigner:
    from cryptography.hazmat.primitives import serialization
    from pyhanko.sign.signers import SimpleSigner

    class _CachedKeySigner(SimpleSigner):
        """SimpleSigner that parses its private key once instead of at every signature.

        pyHanko re-parses the key per signature, which costs 100 ms and more for RSA keys
        (the key is validated every time); the seal then dominates the whole render.
        """

        _private_key: Any = None

        def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
            from cryptography.hazmat.primitives.asymmetric.ec import ECDSA
            from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
            from pyhanko.sign.general import get_pyca_cryptography_hash

            mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
            if self._private_key is None:
                self._private_key = serialization.load_der_private_key(
                    self.signing_key.dump(), password=None
                )
            hash_algo = get_pyca_cryptography_hash(digest_algorithm)
            if mechanism == "ecdsa":
                return bytes(self._private_key.sign(data, ECDSA(hash_algo)))
            if mechanism == "rsassa_pkcs1v15":
                return bytes(self._private_key.sign(data, PKCS1v15(), hash_algo))
            return bytes(super().sign_raw(data, digest_algorithm))

    signer = _CachedKeySigner.load(key_path, cert_path)
    if signer is None:
        raise SealMissing(f"cannot read the seal key {key_path} or certificate {cert_path}")
    return signer


def run_sync(make_coroutine: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a pyHanko coroutine to completion from synchronous code.

    pyHanko's synchronous API calls `asyncio.run`, which fails in a thread that already
    runs an event loop (an async worker, or Playwright's sync API in the same process);
    there the coroutine runs on a fresh loop in a helper thread instead.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make_coroutine())
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make_coroutine())).result()


def seal_pdf(pdf: bytes, key_path: str, cert_path: str, *, reason: str, location: str) -> bytes:
    """Return `pdf` with a PAdES seal (signature field "Seal") over the whole file."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.fields import SigSeedSubFilter
    from pyhanko.sign.general import SigningError

    signer = _signer(key_path, cert_path)
    meta = signers.PdfSignatureMetadata(
        field_name="Seal",
        subfilter=SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
    )

    def sign(bytes_reserved: int | None) -> bytes:
        writer, out = IncrementalPdfFileWriter(io.BytesIO(pdf)), io.BytesIO()
        pdf_signer = signers.PdfSigner(meta, signer=signer)
        run_sync(
            lambda: pdf_signer.async_sign_pdf(writer, output=out, bytes_reserved=bytes_reserved)
        )
        return out.getvalue()

    try:
        # A fixed reservation skips pyHanko's trial signature that only measures the size.
        return sign(SEAL_BYTES_RESERVED)
    except SigningError:
        # A long certificate chain does not fit: let pyHanko measure what it needs.
        return sign(None)
