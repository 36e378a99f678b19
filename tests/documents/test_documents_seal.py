"""The PAdES seal: valid and trusted as issued, broken by a single changed byte."""

from __future__ import annotations

import io
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from service.config import ConfigError
from service.documents.services import document_bytes
from tests.conftest import production_settings


def tamper(pdf: bytes) -> bytes:
    """Change one byte inside the sealed content (the producer's version number)."""
    at = pdf.index(b"WeasyPrint 70") + len(b"WeasyPrint ")
    changed = bytearray(pdf)
    changed[at] = ord("9") if changed[at] != ord("9") else ord("8")
    return bytes(changed)


def seal_status(pdf: bytes, cert_path: Path) -> Any:
    """Validate the document's seal, trusting only the development certificate."""
    context = ValidationContext(trust_roots=[load_cert_from_pemder(str(cert_path))])
    reader = PdfFileReader(io.BytesIO(pdf))
    (signature,) = reader.embedded_signatures
    assert signature.field_name == "Seal"
    # In a thread of its own: pyHanko calls asyncio.run, and a browser test session may
    # keep an event loop running in the main thread.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(validate_pdf_signature, signature, context).result()


def test_issued_document_carries_a_valid_trusted_seal(
    issued: Callable[..., Any], seal_paths: tuple[Path, Path]
) -> None:
    _case, document = issued()
    status = seal_status(document_bytes(document), seal_paths[1])

    assert status.intact
    assert status.valid
    assert status.trusted
    assert status.bottom_line
    assert status.coverage.name == "ENTIRE_FILE"
    assert status.modification_level.name == "NONE"
    assert "Landeshauptstadt Düsseldorf (Entwicklung)" in status.signing_cert.subject.human_friendly


def test_one_changed_byte_breaks_the_seal(
    issued: Callable[..., Any], seal_paths: tuple[Path, Path]
) -> None:
    _case, document = issued()
    status = seal_status(tamper(document_bytes(document)), seal_paths[1])

    assert not status.intact
    assert not status.bottom_line


def test_development_seal_is_generated_once_on_first_start(
    app: Flask, make_app: Callable[..., Flask], seal_paths: tuple[Path, Path]
) -> None:
    key, cert = seal_paths
    first = cert.read_bytes()
    assert b"BEGIN PRIVATE KEY" in key.read_bytes()
    assert key.stat().st_mode & 0o077 == 0

    make_app(SEAL_KEY_PATH=str(key), SEAL_CERT_PATH=str(cert))

    assert cert.read_bytes() == first


def test_production_refuses_to_start_without_the_seal(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    with pytest.raises(ConfigError, match="seal"):
        make_app(
            **{
                **production_settings(tmp_path / "elsewhere"),
                "SEAL_KEY_PATH": str(tmp_path / "missing" / "key.pem"),
                "SEAL_CERT_PATH": str(tmp_path / "missing" / "cert.pem"),
            }
        )
    assert not (tmp_path / "missing" / "key.pem").exists()


def _write_rsa_seal(key_path: Path, cert_path: Path) -> None:
    """Write an RSA key and certificate, as a city's production seal typically is."""
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    name = x509.Name(
        [x509.NameAttribute(NameOID.COMMON_NAME, "Landeshauptstadt Düsseldorf Siegel")]
    )
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_path.parent.mkdir(parents=True, exist_ok=True)
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def test_a_configured_rsa_seal_is_used_and_validates(
    app: Flask, tmp_path: Path, approved_case: Callable[..., Any]
) -> None:
    from service.documents.services import documents_for_case
    from service.jobs.services import drain

    key, cert = tmp_path / "city" / "seal.key", tmp_path / "city" / "seal.crt"
    _write_rsa_seal(key, cert)
    app.config.update(SEAL_KEY_PATH=str(key), SEAL_CERT_PATH=str(cert))
    case = approved_case()
    drain()

    (document,) = documents_for_case(case)
    status = seal_status(document_bytes(document), cert)
    assert status.bottom_line
    assert "Siegel" in status.signing_cert.subject.human_friendly


def test_seal_generate_command_writes_a_new_development_key(
    app: Flask, seal_paths: tuple[Path, Path]
) -> None:
    _key, cert = seal_paths
    before = cert.read_bytes()
    runner = app.test_cli_runner()

    kept = runner.invoke(args=["seal", "generate"])
    assert kept.exit_code == 0
    assert "exist" in kept.output
    assert cert.read_bytes() == before

    replaced = runner.invoke(args=["seal", "generate", "--force"])
    assert replaced.exit_code == 0
    assert cert.read_bytes() != before
