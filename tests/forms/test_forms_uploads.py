"""Uploads are judged by their content, not by their name."""

from __future__ import annotations

import pytest
from forms_helpers import field

from service.forms.services import ValidationFailed, check_upload

PROOF = field(
    "proof",
    "file",
    "Nachweis",
    "Proof",
    accept=("application/pdf", "image/jpeg", "image/png"),
    max_size=2048,
)
MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
)
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"


def test_real_pdf_is_accepted_and_its_type_returned():
    assert check_upload(PROOF, MINIMAL_PDF, "meldebescheinigung.pdf", "de") == "application/pdf"


def test_png_is_recognised_whatever_its_name():
    assert check_upload(PROOF, PNG, "scan.pdf", "de") == "image/png"


def test_text_file_named_pdf_is_refused():
    with pytest.raises(ValidationFailed) as caught:
        check_upload(PROOF, b"Dies ist kein PDF.\n", "nachweis.pdf", "de")

    assert caught.value.errors == {
        "proof": ["„Nachweis“: Bitte laden Sie eine Datei vom Typ PDF, JPEG oder PNG hoch."]
    }


def test_refusal_is_in_english_when_asked():
    with pytest.raises(ValidationFailed) as caught:
        check_upload(PROOF, b"plain text", "proof.pdf", "en")

    assert caught.value.errors == {"proof": ["Proof: upload a file of type PDF, JPEG or PNG."]}


def test_too_large_upload_is_refused():
    with pytest.raises(ValidationFailed) as caught:
        check_upload(PROOF, MINIMAL_PDF + b"0" * 4096, "big.pdf", "en")

    assert caught.value.errors == {"proof": ["Proof: upload a file of at most 2\xa0KB."]}


def test_empty_upload_is_refused():
    with pytest.raises(ValidationFailed) as caught:
        check_upload(PROOF, b"", "leer.pdf", "de")

    assert caught.value.errors == {"proof": ["„Nachweis“: Die Datei „leer.pdf“ ist leer."]}
